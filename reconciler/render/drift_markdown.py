"""Drift as a GitHub issue body (or job summary), in GitHub-flavoured markdown, within GitHub's size limit.

Pure: no I/O. A hidden marker first (how `reconciler drift --issue` finds its one open issue, and the fingerprint
that tells whether the drift changed), a title with the counts, what to do for each kind of drift, a table of the
drifted routes, then one folded git → live diff per route (a private route's values never shown). Past `budget` the
folded diffs go first, then table rows, and the body says `reconciler drift` prints the full report. Names are
escaped to inert text (`markup.py`).
"""

from __future__ import annotations

from reconciler.core.drift import DriftKind, DriftReport
from reconciler.render.diff import docs_diff, fence_for
from reconciler.render.markup import DEFAULT_BUDGET, GITHUB_LIMIT, MAX_FIELDS, escape, hidden_block
from reconciler.render.private import docs_are_private, hidden_diff

DRIFT_MARKER = "<!-- reconciler:drift"

DRIFT_ICONS = {
    DriftKind.DASHBOARD_EDIT: "✏️",
    DriftKind.UNAPPLIED_MERGE: "⏳",
    DriftKind.BOTH: "⚔️",
    DriftKind.DIFFERS: "🔀",
    DriftKind.UNMANAGED: "❓",
    DriftKind.MISSING: "➖",
}


def render_drift_markdown(report: DriftReport, *, budget: int = DEFAULT_BUDGET) -> str:
    """The drift report as an issue body (or job summary), with a hidden marker; within `budget` characters."""
    budget = min(budget, GITHUB_LIMIT)
    if not report.drifted:
        return f"{DRIFT_MARKER} -->\n✅ **No drift**: {report.in_sync} routes match git.\n"
    head = [
        f"{DRIFT_MARKER} fingerprint={report.fingerprint} -->",
        f"## ⚠️ Alert routes drift · {report.summary}",
        "",
        "Live incident.io differs from the route files on the default branch. This issue is updated by the scheduled "
        "drift check and closed when drift clears. What to do:",
        "",
        *(
            f"- {DRIFT_ICONS[kind]} **{kind.describe.capitalize()}** ({report.count(kind)}): {kind.action}"
            for kind in DriftKind
            if report.count(kind)
        ),
        "",
        "| | Route | Drift | Fields |",
        "|---|---|---|---|",
    ]
    icons = DRIFT_ICONS
    rows = []
    blocks = []
    for entry in report.entries:
        fields = ", ".join(f"<code>{escape(f, limit=80)}</code>" for f in entry.fields[:MAX_FIELDS])
        rows.append(f"| {icons[entry.kind]} | {escape(entry.name)} | {entry.kind.describe} | {fields} |")
        # Drift reads as git → live: what the dashboard changed.
        diff = docs_diff(entry.git_doc, entry.live_doc) if entry.git_doc is not None else []
        if diff and docs_are_private(entry.git_doc, entry.live_doc):  # never its values on GitHub
            blocks.append(
                hidden_block(f"{icons[entry.kind]} <b>{escape(entry.name)}</b>", hidden_diff(None, entry.fields))
            )
        elif diff:
            fence = fence_for(diff)
            blocks.append(
                f"<details><summary>{icons[entry.kind]} <b>{escape(entry.name)}</b></summary>\n\n"
                f"{fence}diff\n" + "\n".join(diff) + f"\n{fence}\n\n</details>"
            )
    text = "\n".join(head)
    cut_note = "\n\n(cut to fit; run `reconciler drift` for the full report)"
    for i, row in enumerate(rows):
        if len(text) + len(row) + len(cut_note) + 2 > budget:
            return text + f"\n| … | {len(rows) - i} more routes | | |" + cut_note + "\n"
        text += "\n" + row
    for block in blocks:
        if len(text) + len(block) + len(cut_note) + 2 > budget:
            return text + cut_note + "\n"
        text += "\n\n" + block
    return text + "\n"
