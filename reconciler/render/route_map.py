"""The PR comment's route map: the part of the map the plan changes, before (live) and after (the plan), folded.

Pure: no I/O. Only the routes the plan creates, updates or deletes are drawn, with what they connect to (their alert
sources, escalation paths and channels), through the same builder as `reconciler graph` (render/graph.py). Each side
is read from the change's file-format document (names, as people write them), the same way `reconciler graph` reads
route files; a document that cannot be read that way falls back to the route model (ids). A private route is its
name only (render/private.py). GitHub renders the ```mermaid blocks as flowcharts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.errors import JsonPath, Location
from reconciler.files.offline import decode_offline
from reconciler.model import Change, Plan
from reconciler.render.graph import render_mermaid
from reconciler.render.private import change_is_private
from reconciler.route import Route

__all__ = ["MAP_DROPPED", "MAX_MAPPED", "map_sides", "render_route_map"]

# Past this many changed routes the flowcharts would be too large to read (and past Mermaid's text limit on GitHub).
MAX_MAPPED = 50
MAP_DROPPED = (
    "_Route map not shown: the comment would not fit GitHub's size limit with it. "
    "Run `reconciler graph` to draw the routes._"
)
_LEGEND = (
    "Alert sources → the changed routes (with their conditions) → escalation paths (solid) and channels (dashed). "
    "Routes this plan does not change are left out."
)


@dataclass(frozen=True)
class _Doc:
    """A change's document as the offline decoder reads a route file (no lines: it never was one)."""

    path: str
    data: Mapping[str, Any]

    def location(self, path: JsonPath) -> Location:
        return Location(self.path)


def _side(doc: Any, model: Route | None, name: str) -> Route | None:
    """One side of a change as the map draws it: by names when its document reads, else the model (ids)."""
    if isinstance(doc, Mapping):
        routes, _problems = decode_offline([_Doc(name, doc)])
        if routes:
            return routes[0].route
    return model


def map_sides(changes: Sequence[Change]) -> tuple[list[Route], list[Route]]:
    """The changed routes as they are live (updates and deletes) and as the plan leaves them (creates and updates),
    in plan order. A change private on either side is private on both: its name is all the map shows."""
    before: list[Route] = []
    after: list[Route] = []
    for change in sorted(changes, key=lambda c: c.sort_key):
        private = change_is_private(change)
        for out, doc, model in ((before, change.live_doc, change.live), (after, change.desired_doc, change.desired)):
            route = _side(doc, model, change.name)
            if route is not None:
                out.append(replace(route, is_private=True) if private else route)
    return before, after


def _block(title: str, routes: list[Route], none: str) -> str:
    if not routes:
        return f"**{title}**: {none}"
    return f"**{title}**\n\n```mermaid\n{render_mermaid(routes, hide_private=True)}```"


def render_route_map(plan: Plan) -> str:
    """The folded section (markdown), or "" for a plan with no changes."""
    count = len(plan.changes)
    if not count:
        return ""
    summary = (
        f"<details><summary>Route map: {count} changed route{'' if count == 1 else 's'}, before and after</summary>"
    )
    if count > MAX_MAPPED:
        body = f"Not drawn: more than {MAX_MAPPED} routes change. Run `reconciler graph` to draw the routes."
        return f"{summary}\n\n{body}\n\n</details>"
    before, after = map_sides(plan.changes)
    parts = [
        summary,
        _LEGEND,
        _block("Before (live)", before, "none: every changed route is new."),
        _block("After (this plan)", after, "none: every changed route is deleted."),
        "</details>",
    ]
    return "\n\n".join(parts)
