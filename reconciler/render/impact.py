"""Render an impact replay: a text block under the plan, and the markdown section of the PR comment.

Pure: no I/O.
"""

from __future__ import annotations

from reconciler.core.impact import Impact, Reroute
from reconciler.render.markup import escape

__all__ = ["headline", "render_impact_markdown", "render_impact_text"]


def _n(count: int) -> str:
    return f"{count:,}"


def routes_label(names: tuple[str, ...]) -> str:
    return " + ".join(names) if names else "no route"


def headline(impact: Impact) -> str:
    """`12 of 1,840 alerts would route differently` (or: no alert would)."""
    total = f"{_n(impact.alerts_replayed)} alert{'' if impact.alerts_replayed == 1 else 's'}"
    if not impact.alerts_rerouted:
        return f"none of {total} of the last {impact.period} would route differently"
    return f"{_n(impact.alerts_rerouted)} of {total} of the last {impact.period} would route differently"


def _notes(impact: Impact) -> list[str]:
    notes = []
    if impact.limit_hit:
        notes.append(
            f"only the newest {_n(impact.limit)} alerts of the period were replayed (--replay-limit {impact.limit})"
        )
    if impact.undecided:
        notes.append(
            f"{_n(impact.undecided)} alerts could not be decided offline (catalog or expression conditions) "
            "and are not counted"
        )
    return notes


def _group(reroute: Reroute) -> str:
    return f"{_n(reroute.count)} {routes_label(reroute.before)} → {routes_label(reroute.after)}"


def render_impact_text(impact: Impact) -> str:
    """The impact block printed under a text plan."""
    lines = [f"Impact: {headline(impact)}" + (":" if impact.reroutes else ".")]
    for reroute in impact.reroutes:
        lines.append(f"  {_group(reroute)}")
        for example in reroute.examples:
            lines.append(f"      e.g. {example.title!r} ({example.source}, {example.created_at})")
    lines += [f"  Note: {note}." for note in _notes(impact)]
    return "\n".join(lines) + "\n"


def render_impact_markdown(impact: Impact) -> str:
    """The PR comment's impact section (under the plan)."""
    head = f"### 🔀 Impact on recent alerts\n\n**{escape(headline(impact).capitalize(), limit=200)}.**"
    parts = [head]
    if impact.reroutes:
        rows = ["| Alerts | Before | After | Examples |", "|---:|---|---|---|"]
        for r in impact.reroutes:
            examples = "<br>".join(
                f"<code>{escape(e.title, limit=80)}</code> · {escape(e.source)} · {escape(e.created_at, limit=40)}"
                for e in r.examples
            )
            before, after = escape(routes_label(r.before)), escape(routes_label(r.after))
            rows.append(f"| {_n(r.count)} | {before} | {after} | {examples} |")
        parts.append("\n".join(rows))
    parts += [f"> [!NOTE]\n> {escape(note.capitalize(), limit=300)}." for note in _notes(impact)]
    return "\n\n".join(parts)
