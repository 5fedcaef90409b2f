"""The pull request that adopts dashboard edits into git: its title and body, by route and field.

Pure: no I/O. The body carries a hidden marker with the adopted drift's fingerprint, so a later run can tell its own
pull request, and whether the drift it proposes is still the drift there is.
"""

from __future__ import annotations

from reconciler.core.drift import DriftEntry, DriftKind
from reconciler.render.markup import escape

ADOPT_MARKER = "<!-- reconciler:adopt"
MAX_TITLE = 200


def _change(entry: DriftEntry) -> str:
    if entry.kind is DriftKind.UNMANAGED:
        return "new file"
    return ", ".join(entry.fields) or "changed"


def adopt_title(entries: list[DriftEntry]) -> str:
    """`Adopt dashboard edits: Production Alerts (enabled), Dashboard Only (new file)`, cut to fit a title."""
    title = "Adopt dashboard edits: " + ", ".join(f"{e.name} ({_change(e)})" for e in entries)
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def adopt_body(entries: list[DriftEntry], fingerprint: str, files: list[str]) -> str:
    """The pull request's description: what was edited where, and what merging it does."""
    lines = [
        f"{ADOPT_MARKER} fingerprint={fingerprint} -->",
        "These alert routes were changed in the incident.io dashboard. This pull request writes the live state "
        "into git (`reconciler drift --adopt`), touching only the drifted fields. Merge it to keep the edits; close "
        "it and apply git to undo them. It is updated when the drift changes and closed when the drift is gone.",
        "",
        "| Route | Route id | Change |",
        "|---|---|---|",
    ]
    for entry in entries:
        change = ", ".join(f"<code>{escape(f, limit=80)}</code>" for f in entry.fields) or _change(entry)
        lines.append(f"| {escape(entry.name)} | {entry.route_id or ''} | {change} |")
    lines += ["", "Files: " + ", ".join(f"`{name}`" for name in files), ""]
    return "\n".join(lines)
