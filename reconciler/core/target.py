"""Targeting (`--target NAME`): which route files and live routes a targeted run reads, plans and reports.

Pure: no I/O. A target selects routes by name as people read them (`model.Targets.matches`). A targeted run
decodes only the targeted files, GETs only the targeted live routes (the list is still read whole, it is cheap),
and never plans a delete or reports an unmanaged route that no target selects. Another source of targets (for
example the routes a git change touches) only has to build a `Targets`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from reconciler.model import LiveRoute, Targets


class _Doc(Protocol):
    @property
    def data(self) -> dict[str, Any]: ...


def targets_from(patterns: Iterable[str]) -> Targets | None:
    """The targets `--target` options give (in order, without repeats); None when there are none."""
    unique = tuple(dict.fromkeys(pattern for pattern in patterns))
    return Targets(patterns=unique) if unique else None


def pinned_id(doc: _Doc) -> str | None:
    value = doc.data.get("id")
    return value if isinstance(value, str) else None


def targeted(doc: _Doc, targets: Targets) -> bool:
    """Whether a route file is targeted: by its name, or by the id it pins."""
    return targets.matches(str(doc.data.get("name", "")), pinned_id(doc))


class ListSelector:
    """`select` for a targeted read of the route list: accepts the targeted list items, counts the others."""

    def __init__(self, targets: Targets) -> None:
        self.targets = targets
        self.skipped = 0

    def __call__(self, slim: Mapping[str, Any]) -> bool:
        route_id = slim.get("id")
        if self.targets.matches(str(slim.get("name", "")), route_id if isinstance(route_id, str) else None):
            return True
        self.skipped += 1
        return False


def select_names(names: Iterable[str], targets: Targets) -> list[str]:
    """The names a target selects, in their order."""
    return [name for name in names if targets.matches(name)]


def scope_live(live: Sequence[LiveRoute], docs: Sequence[_Doc], chosen: Sequence[_Doc]) -> list[LiveRoute]:
    """The live routes a targeted plan may consider: those read, less any pinned by a file that is not targeted
    (that file manages it; planning it here could delete or report as unmanaged a route another file owns)."""
    mine = {route_id for route_id in map(pinned_id, chosen) if route_id}
    others = {route_id for route_id in map(pinned_id, docs) if route_id} - mine
    return [route for route in live if route.route_id not in others]


def unread_pins(live: Sequence[LiveRoute], chosen: Sequence[_Doc]) -> list[str]:
    """Ids pinned by targeted files that the targeted read did not reach (a route renamed in the dashboard)."""
    read = {route.route_id for route in live}
    return sorted({route_id for route_id in map(pinned_id, chosen) if route_id and route_id not in read})
