"""Build a plan: match desired routes (git) to live routes (incident.io) and list the changes between them.

Pure: no I/O. Matching is by pinned id first (`id:` in a route file), then by name. A live route that no file claims
is *unmanaged*: listed, and deleted only with `prune`. The safety rules (octoDNS style) mark a plan refused when it
deletes a protected route, or changes too much at once unless forced; a refused plan is still whole, so that it can
be shown to the people who must decide, but apply never carries it out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from reconciler.core.diff import diff_routes
from reconciler.errors import InputError, Location, Problem
from reconciler.files.encode import encode
from reconciler.model import Action, Catalog, Change, LiveRoute, LiveRouteSummary, Plan, SafetyLimits, name_key
from reconciler.wire import refusal

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key reading digit runs as numbers: "Route 2" < "Route 10" (case-insensitive)."""
    return tuple((1, int(part), "") if part.isdigit() else (0, 0, part.casefold()) for part in _DIGITS.split(name))


if TYPE_CHECKING:
    from reconciler.files.decode import DesiredRoute


def build_plan(
    desired: Sequence[DesiredRoute],
    live: Sequence[LiveRoute],
    catalog: Catalog,
    *,
    prune: bool = False,
    force: bool = False,
    protected: Collection[str] = (),
    limits: SafetyLimits | None = None,
    api_version: str = "v3",
) -> Plan:
    """The changes that make `live` equal `desired`, to be written through the `api_version` alert-route API.

    A create or update that `api_version` cannot carry whole (a v3-only setting through v2) is refused, never sent.

    `protected` holds names or ids of routes that must never be deleted (besides those whose file says
    `protect: true`), typically the protected routes of the base branch (`--protected-from`), so that removing a
    protected route's file is refused too. A protected delete, and (unless `force`) a plan over the safety `limits`,
    make the plan refused (`Plan.refused`); it is returned whole either way.
    """
    limits = limits or SafetyLimits()
    _check_unique(desired)
    live_sorted = sorted(live, key=lambda r: (r.name, r.route_id))
    by_id = {r.route_id: r for r in live_sorted}
    warnings: list[Problem] = []
    claimed: dict[str, LiveRoute] = {}  # route id -> live route, per desired name
    matches: list[tuple[DesiredRoute, LiveRoute | None]] = []

    # Pinned ids first, so that a renamed (pinned) route is never taken by another file through its old name.
    unpinned: list[DesiredRoute] = []
    for route in desired:
        if route.pinned_id and route.pinned_id in by_id:
            claimed[route.pinned_id] = by_id[route.pinned_id]
            matches.append((route, by_id[route.pinned_id]))
        else:
            if route.pinned_id:
                warnings.append(
                    _warning(route, f"pinned id {route.pinned_id} is not live; matching {route.name!r} by name")
                )
            unpinned.append(route)
    for route in unpinned:
        # The exact name first; then the name as people read it (case, width, spaces), so a file never gets a twin.
        candidates = [r for r in live_sorted if r.name == route.name and r.route_id not in claimed]
        if not candidates:
            key = name_key(route.name)
            candidates = [r for r in live_sorted if name_key(r.name) == key and r.route_id not in claimed]
        if len(candidates) > 1:
            ids = ", ".join(r.route_id for r in candidates)
            warnings.append(
                _warning(route, f"{len(candidates)} live routes are named {route.name!r} ({ids}); using the first")
            )
        match = candidates[0] if candidates else None
        if match is not None:
            claimed[match.route_id] = match
        matches.append((route, match))

    changes: list[Change] = []
    in_sync = 0
    for route, match in matches:
        unwritable = refusal(route.route, api_version)  # type: ignore[arg-type]
        refused = f"cannot write {route.name!r} through the {api_version} API: {unwritable}" if unwritable else ""
        if match is None:
            changes.append(
                Change(
                    action=Action.CREATE,
                    name=route.name,
                    source=route.source,
                    desired=route.route,
                    desired_doc=encode(route.route, catalog, route_id=route.pinned_id),
                    protected=route.protect,
                    refused=refused,
                )
            )
            continue
        fields = diff_routes(route.route, match.route, catalog)
        if not fields:
            in_sync += 1
            continue
        # Both sides rendered by one function, so the reviewer's diff shows changes, not how the file was written.
        changes.append(
            Change(
                action=Action.UPDATE,
                name=route.name,
                route_id=match.route_id,
                live_version=match.version,
                source=route.source,
                desired=route.route,
                live=match.route,
                desired_doc=encode(route.route, catalog, route_id=match.route_id),
                live_doc=encode(match.route, catalog, route_id=match.route_id),
                fields=fields,
                protected=route.protect,
                refused=refused,
            )
        )

    protected_keys = set(protected)
    for route in desired:
        if route.protect:
            protected_keys.add(route.name)
            if route.pinned_id:
                protected_keys.add(route.pinned_id)
    unmanaged: list[LiveRouteSummary] = []
    for route_live in live_sorted:
        route_id, name = route_live.route_id, route_live.name
        if route_id in claimed:
            continue
        if not prune:
            unmanaged.append(LiveRouteSummary(route_id=route_id, name=name, version=route_live.version))
            continue
        refused = ""
        if route_id in protected_keys or name in protected_keys:
            refused = f"refusing to delete protected route {name!r} ({route_id}): it is marked protect: true"
        changes.append(
            Change(
                action=Action.DELETE,
                name=name,
                route_id=route_id,
                live_version=route_live.version,
                live=route_live.route,
                live_doc=encode(route_live.route, catalog, route_id=route_id),
                protected=bool(refused),
                refused=refused,
            )
        )

    plan = Plan(
        changes=tuple(sorted(changes, key=lambda c: c.sort_key)),
        # Natural order ("Route 2" before "Route 10"), as people number routes; ids break ties.
        unmanaged=tuple(sorted(unmanaged, key=lambda r: (natural_key(r.name), r.route_id))),
        in_sync=in_sync,
        live_count=len(live),
        warnings=tuple(warnings),
        snapshot={r.route_id: r.version for r in live_sorted},
        limits=limits,
        api_version=api_version,
    )
    if force:
        return plan
    return replace(plan, refusals=safety_refusals(plan, desired_count=len(desired), prune=prune))


def safety_refusals(plan: Plan, *, desired_count: int, prune: bool) -> tuple[str, ...]:
    """Why the plan changes too much of live at once (the octoDNS thresholds in `plan.limits`); () when it does not."""
    deletes = plan.count(Action.DELETE)
    if prune and desired_count == 0 and deletes > 0:
        return (
            f"no route files were found, so this plan deletes every live route ({deletes}); "
            "pass --force if that is intended",
        )
    limits = plan.limits
    if plan.live_count < limits.min_routes:
        return ()
    found = []
    for action, verb, share in (
        (Action.UPDATE, "updates", limits.max_update_share),
        (Action.DELETE, "deletes", limits.max_delete_share),
    ):
        count = plan.count(action)
        if count / plan.live_count > share:
            found.append(
                f"too much change: the plan {verb} {count} of {plan.live_count} live routes "
                f"(more than {share:.0%}); pass --force if that is intended"
            )
    return tuple(found)


def _check_unique(desired: Sequence[DesiredRoute]) -> None:
    # Validation catches these in files; a plan built from other inputs (restore) must not slip past them either.
    problems: list[Problem] = []
    names: dict[str, DesiredRoute] = {}
    ids: dict[str, DesiredRoute] = {}
    for route in desired:
        if route.name in names:
            problems.append(_problem(route, f"route name {route.name!r} is also used by {names[route.name].source}"))
        names.setdefault(route.name, route)
        if route.pinned_id:
            if route.pinned_id in ids:
                other = ids[route.pinned_id].source
                problems.append(_problem(route, f"route id {route.pinned_id} is also pinned by {other}"))
            ids.setdefault(route.pinned_id, route)
    if problems:
        raise InputError(problems)


def _problem(route: DesiredRoute, message: str) -> Problem:
    return Problem(Location(route.source or "<desired>"), "$", message)


def _warning(route: DesiredRoute, message: str) -> Problem:
    return Problem(Location(route.source or "<desired>"), "$", message, severity="warning")
