"""The plan as a pull-request comment (and drift as an issue body), in GitHub-flavoured markdown.

Pure: no I/O. Layout (see "Set up in your repository" in README.md): a hidden marker with the plan's review
fingerprint (how `reconciler comment` finds its one sticky comment and how the merge-time apply finds what was
reviewed), a title with the counts, the refusal (a refused plan is shown whole, with why it will not be applied)
and the deletion banner above everything, the safety checks with their limits, a summary table, one folded diff
per route, the impact replay's section, the changed routes' map, unmanaged routes, warnings, and a footer saying what
merging does. GitHub rejects comments over 65,536 characters, so past `budget` the map goes first, then the folded
details, then table rows, and the comment says where the full plan is.

Route names come from pull requests and from the dashboard: every name is escaped so it renders as plain text and
can neither close a code block or a `<details>` nor mention anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconciler.core.drift import DriftKind, DriftReport
from reconciler.files.plaintext import kind_of
from reconciler.model import Action, Change, Plan, Targets
from reconciler.render.diff import change_diff, docs_diff, fence_for
from reconciler.render.private import change_is_private, docs_are_private, hidden_diff
from reconciler.render.route_map import MAP_DROPPED, render_route_map

GITHUB_LIMIT = 65_536
DEFAULT_BUDGET = 60_000
# A job summary holds up to 1 MiB (bytes, not characters): `summary=True` renders the whole plan there, so the "full
# plan" a cut comment points to really is in the summary (a plan beyond even that is cut, pointing at the artifact).
SUMMARY_LIMIT = 1_048_576
SUMMARY_BUDGET = 1_000_000
PLAN_MARKER = "<!-- reconciler:plan"
DRIFT_MARKER = "<!-- reconciler:drift"
MAX_NAME = 200  # characters of a name shown; longer names are cut with an ellipsis
MAX_LISTED = 10  # names listed in the deletion banner
MAX_FIELDS = 6  # field names listed per table row

_REVIEW_RE = re.compile(r"<!-- reconciler:plan review=(sha256:[0-9a-f]{64}) -->")
_ICONS = {Action.CREATE: "➕", Action.UPDATE: "🔄", Action.DELETE: "🗑️"}
# Numeric entities render as the character in markdown and in HTML alike, and never as syntax.
_ENTITIES = {ch: f"&#{ord(ch)};" for ch in '&<>"|`*_[]\\~$'}
_ENTITIES["@"] = "@&#8203;"  # a zero-width space after @ stops @mentions of teams and people


@dataclass(frozen=True)
class CommentContext:
    """Where the plan comes from, shown under the title; every field optional."""

    environment: str | None = None  # e.g. "prod"
    head_sha: str | None = None
    base_ref: str | None = None
    run_url: str | None = None  # the CI run; the full plan is its artifact / job summary
    read_at: str | None = None  # when live state was read
    artifact: str = "plan.json"


IMPACT_DROPPED = (
    "_Impact replay not shown: it would not fit GitHub's size limit. `reconciler plan --replay` prints it, and the "
    "full plan holds it._"
)


def escape(text: str, *, limit: int = MAX_NAME) -> str:
    """`text` as inert markdown/HTML: control and bidi characters and newlines become spaces, syntax entities."""
    text = "".join(" " if kind_of(ch) else ch for ch in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def plan_marker(review: str) -> str:
    """The hidden first line of a plan comment: `<!-- reconciler:plan review=sha256:... -->`."""
    value = review if review.startswith("sha256:") else f"sha256:{review}"
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        raise ValueError(f"not a sha256 review fingerprint: {review!r}")
    return f"{PLAN_MARKER} review={value} -->"


def review_from_comment(body: str) -> str | None:
    """The review fingerprint in a plan comment's marker (`sha256:...`), or None."""
    match = _REVIEW_RE.search(body)
    return match.group(1) if match else None


def _pct(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "0%"


def _safety(plan: Plan) -> str:
    checks = []
    limits = plan.limits
    for action, verb, limit in (
        (Action.UPDATE, "updates", limits.max_update_share),
        (Action.DELETE, "deletes", limits.max_delete_share),
    ):
        count = plan.count(action)
        if plan.live_count < limits.min_routes:
            checks.append(f"✅ {verb} {count}/{plan.live_count} (limit applies from {limits.min_routes} live routes)")
            continue
        over = count / plan.live_count > limit
        refused = over and any(f"the plan {verb} " in reason for reason in plan.refusals)
        mark, note = ("❌", ", refused") if refused else ("⚠️", ", forced") if over else ("✅", "")
        share = _pct(count, plan.live_count)
        checks.append(f"{mark} {verb} {count}/{plan.live_count} ({share}, limit {limit:.0%}{note})")
    protected = [c for c in plan.changes if c.refused]
    if protected:
        noun = "route" if len(protected) == 1 else "routes"
        checks.append(f"❌ {len(protected)} protected {noun} would be deleted, refused")
    else:
        checks.append("✅ no protected route deleted")
    return "**Safety checks:** " + " · ".join(checks)


def _refusal(plan: Plan) -> str:
    if not plan.refused:
        return ""
    reasons = "\n".join(f"> - {escape(reason, limit=500)}" for reason in plan.all_refusals)
    return (
        "> [!CAUTION]\n> **This plan is refused: merging will not apply it.** Fix what is below (or, for the "
        f"safety limits, plan with `--force` if the change is intended) and push again.\n{reasons}"
    )


def _versions(change: Change) -> str:
    live = f"v{change.live_version}" if change.live_version is not None else "–"
    if change.action is Action.CREATE:
        return "– → v1"
    if change.action is Action.DELETE:
        return f"{live} → –"
    after = f"v{change.live_version + 1}" if change.live_version is not None else "next"
    return f"{live} → {after}"


def _what(change: Change) -> str:
    if change.action is Action.CREATE:
        return "new route"
    if change.action is Action.DELETE:
        return "delete · ❌ refused" if change.refused else "delete"
    paths = sorted({f.path for f in change.fields})
    shown = ", ".join(f"<code>{escape(p, limit=80)}</code>" for p in paths[:MAX_FIELDS])
    more = f" +{len(paths) - MAX_FIELDS} more" if len(paths) > MAX_FIELDS else ""
    return (shown + more) or "fields"


def _row(change: Change) -> str:
    return f"| {_ICONS[change.action]} | {escape(change.name)} | {_what(change)} | {_versions(change)} |"


def _details(change: Change) -> str:
    ident = f" · id <code>{escape(change.route_id, limit=40)}</code>" if change.route_id else ""
    source = f" · <code>{escape(change.source, limit=120)}</code>" if change.source else ""
    summary = f"{_ICONS[change.action]} <b>{escape(change.name)}</b>{ident}{source} · {_versions(change)}"
    if change_is_private(change):  # never its values or templates on GitHub (render/private.py)
        hidden = hidden_diff(change.action, (f.path for f in change.fields))
        return _hidden_block(summary, hidden)
    lines = change_diff(change)
    fence = fence_for(lines)
    body = "\n".join(lines)
    return f"<details><summary>{summary}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>"


def _hidden_block(summary: str, lines: list[str]) -> str:
    """A folded block of plain paragraphs (a private route's note and field names) instead of a diff."""
    body = "\n\n".join(escape(line, limit=2_000) for line in lines)
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _banner(plan: Plan) -> str:
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    if not deletes:
        return ""
    names = ", ".join(f"<b>{escape(c.name)}</b>" for c in deletes[:MAX_LISTED])
    more = f" and {len(deletes) - MAX_LISTED} more" if len(deletes) > MAX_LISTED else ""
    noun, pronoun = ("route will be deleted", "it") if len(deletes) == 1 else ("routes will be deleted", "they")
    return (
        f"> [!CAUTION]\n> **{len(deletes)} {noun}:** {names}{more}. Alerts {pronoun} matched will fall to other routes."
    )


def _targeted(targets: Targets) -> str:
    """A targeted plan says so: the reviewer sees only part of the organisation (unmanaged routes included)."""
    unread = f"{targets.unread} other live route{'' if targets.unread == 1 else 's'} not read"
    source = targets.changed_from
    if source is None:
        return f"<b>targeted</b> (--target), {unread}"
    count = len(source.files)
    files = f"{count} route file{'' if count == 1 else 's'} changed since <code>{escape(source.ref, limit=80)}</code>"
    return f"<b>targeted</b> at the {files}, {unread}"


def _context_line(plan: Plan, review: str, checksum: str, context: CommentContext | None) -> str:
    parts = []
    if context and context.head_sha:
        base = f" on base <code>{escape(context.base_ref, limit=80)}</code>" if context.base_ref else ""
        parts.append(f"Head <code>{escape(context.head_sha[:12], limit=12)}</code>{base}")
    if context and context.read_at:
        parts.append(f"live state read {escape(context.read_at, limit=40)}")
    parts.append(f"{plan.live_count} live routes, {plan.in_sync} in sync")
    if plan.targets is not None:
        parts.append(_targeted(plan.targets))
    parts.append(f"review <code>{escape(review.removeprefix('sha256:')[:12], limit=12)}</code>")
    if checksum:
        parts.append(f"plan file <code>{escape(checksum.removeprefix('sha256:')[:12], limit=12)}</code>")
    link = _link(context.run_url if context else None)
    if link:
        parts.append(f"[CI run]({link})")
    return " · ".join(parts)


def _link(url: str | None) -> str | None:
    """An https URL made safe inside `[text](url)`; anything else is dropped."""
    if not url or not re.fullmatch(r"https://[^\s<>()\[\]`]+", url):
        return None
    return url


def _where_full(context: CommentContext | None, *, summary: bool = False) -> str:
    artifact = escape(context.artifact if context else "plan.json", limit=80)
    link = _link(context.run_url if context else None)
    run = f" of [this run]({link})" if link else ""
    if summary:  # the summary is the largest place on GitHub: only the artifact holds more
        return f"the <code>{artifact}</code> artifact{run}"
    return f"the <code>{artifact}</code> artifact and the job summary{run}"


def _listing(title: str, items: list[str]) -> str:
    if not items:
        return ""
    body = "\n".join(f"- {item}" for item in items)
    return f"<details><summary>{title}</summary>\n\n{body}\n\n</details>"


def render_plan_markdown(
    plan: Plan,
    *,
    review: str,
    checksum: str = "",
    context: CommentContext | None = None,
    budget: int = DEFAULT_BUDGET,
    impact: str = "",
    summary: bool = False,
) -> str:
    """The PR comment for `plan`; never longer than `budget` (at most GitHub's 65,536) characters.

    With `summary`, the job summary instead: the whole plan up to `SUMMARY_BUDGET` UTF-8 bytes (GitHub's 1 MiB).

    `review` is the plan's review fingerprint (in the marker: what the merge-time apply compares), `checksum` the
    plan file's seal (shown, when there is a file).
    """
    if summary:
        budget = min(SUMMARY_BUDGET if budget == DEFAULT_BUDGET else budget, SUMMARY_LIMIT)
    else:
        budget = min(budget, GITHUB_LIMIT)

    def size(text: str) -> int:  # comments count characters; the job summary counts bytes
        return len(text.encode("utf-8")) if summary else len(text)

    marker = plan_marker(review)
    env = f" · <code>{escape(context.environment, limit=40)}</code>" if context and context.environment else ""
    if plan.empty:
        kept = f", {len(plan.unmanaged)} unmanaged live routes kept" if plan.unmanaged else ""
        targeted = f"; {_targeted(plan.targets)}" if plan.targets is not None else ""
        return f"{marker}\n✅ **No changes**{env} ({plan.in_sync} routes in sync{kept}{targeted})\n"

    changes = sorted(plan.changes, key=lambda c: c.sort_key)
    head = [
        marker,
        f"## 🧪 Alert routes plan{env} · {plan.summary}",
        "",
        _context_line(plan, review, checksum, context),
    ]
    for block in (_refusal(plan), _banner(plan)):
        if block:
            head += ["", block]
    head += ["", _safety(plan), "", "| | Route | What changes | Live v → after |", "|---|---|---|---|"]
    rows = [_row(c) for c in changes]
    details = [_details(c) for c in changes]
    unmanaged = _listing(
        f"{len(plan.unmanaged)} unmanaged live route{'' if len(plan.unmanaged) == 1 else 's'} (no file; kept)",
        [f"{escape(r.name)} (<code>{escape(r.route_id, limit=40)}</code>)" for r in plan.unmanaged],
    )
    noun = "warning" if len(plan.warnings) == 1 else "warnings"
    warnings = _listing(f"Validation: {len(plan.warnings)} {noun}", [escape(str(w), limit=500) for w in plan.warnings])
    footer = (
        "---\n**On merge** the apply job plans again and writes only if that plan's review fingerprint equals this "
        "one (above): the same changes, the same content, at the same route versions. An unrelated edit elsewhere "
        "does not block it; a route it touches that changed since makes it refuse, and it writes nothing. "
        f"The full machine-readable plan is {_where_full(context, summary=summary)}."
    )

    def assemble(rows_: list[str], details_: list[str], extras: list[str], notice: str) -> str:
        cut = len(rows) - len(rows_)
        more = [f"| … | {cut} more routes: see the full plan | | |"] if cut else []
        parts = ["\n".join(head + rows_ + more)]
        parts += [p for p in [notice, *details_, *extras] if p]
        parts.append(footer)
        return "\n\n".join(parts) + "\n"

    route_map = render_route_map(plan)  # the changed routes' part of the map (render/route_map.py)
    full = assemble(rows, details, [impact, route_map, unmanaged, warnings], "")  # impact: render/impact.py's
    if size(full) <= budget:
        return full
    dropped = MAP_DROPPED if route_map else ""  # the map goes first, saying so
    without_map = assemble(rows, details, [impact, dropped, unmanaged, warnings], "")
    if size(without_map) <= budget:
        return without_map

    # Too long: keep the banner, safety checks and as much of the table as fits, then details in plan order.
    def notice_for(kept_rows: int, kept_details: int) -> str:
        return (
            f"> [!NOTE]\n> This {'job summary' if summary else 'comment'} is cut to fit GitHub's size limit: "
            f"it shows {kept_rows} of {len(rows)} "
            f"routes in the table and {kept_details} of {len(details)} diffs. "
            f"The full plan is {_where_full(context, summary=summary)}."
        )

    short_extras = [
        impact,
        dropped,
        f"{len(plan.unmanaged)} unmanaged live routes and {len(plan.warnings)} warnings: see the full plan."
        if plan.unmanaged or plan.warnings
        else "",
    ]
    if impact and size(assemble([], [], short_extras, notice_for(0, 0))) > budget:
        short_extras[0] = IMPACT_DROPPED  # the replay alone leaves no room: the budget holds, the full plan has it
    kept_rows = list(rows)
    while kept_rows and size(assemble(kept_rows, [], short_extras, notice_for(len(kept_rows), 0))) > budget:
        kept_rows = kept_rows[: max(0, len(kept_rows) - max(1, len(kept_rows) // 8))]
    kept_details: list[str] = []
    for block in details[: len(kept_rows)]:
        trial = assemble(kept_rows, [*kept_details, block], short_extras, notice_for(len(kept_rows), len(rows)))
        if size(trial) > budget:
            break
        kept_details.append(block)
    return assemble(kept_rows, kept_details, short_extras, notice_for(len(kept_rows), len(kept_details)))


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
                _hidden_block(f"{icons[entry.kind]} <b>{escape(entry.name)}</b>", hidden_diff(None, entry.fields))
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
