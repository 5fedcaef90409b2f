"""Build a plan: match desired routes (git) to live routes (incident.io) and list the changes between them.

Pure: no I/O. Matching is by pinned id first (`id:` in a route file), then by name. A live route that no file claims
is *unmanaged*: listed, and deleted only with `prune`. The safety rules (octoDNS style) mark a plan refused when it
deletes a protected route, or changes too much at once unless forced; a refused plan is still whole, so that it can
be shown to the people who must decide, but apply never carries it out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from reconciler.diff import diff_payloads
from reconciler.document import to_document
from reconciler.errors import InputError, Location, Problem
from reconciler.model import Action, Catalog, Change, LiveRouteSummary, Plan, SafetyLimits, name_key
from reconciler.normalize import canonical_live

if TYPE_CHECKING:
    from reconciler.resolve import DesiredRoute


def build_plan(
    desired: Sequence[DesiredRoute],
    live: Sequence[Mapping[str, Any]],
    catalog: Catalog,
    *,
    prune: bool = False,
    force: bool = False,
    protected: Collection[str] = (),
    limits: SafetyLimits | None = None,
) -> Plan:
    """The changes that make `live` (full `AlertRouteV2` objects) equal `desired`.

    `protected` holds names or ids of routes that must never be deleted (besides those whose file says
    `protect: true`), typically the protected routes of the base branch (`--protected-from`), so that removing a
    protected route's file is refused too. A protected delete, and (unless `force`) a plan over the safety `limits`,
    make the plan refused (`Plan.refused`); it is returned whole either way.
    """
    limits = limits or SafetyLimits()
    _check_unique(desired)
    live_sorted = sorted(live, key=lambda r: (str(r.get("name", "")), str(r.get("id", ""))))
    by_id = {str(r["id"]): r for r in live_sorted}
    warnings: list[Problem] = []
    claimed: dict[str, Mapping[str, Any]] = {}  # route id -> live route, per desired name
    matches: list[tuple[DesiredRoute, Mapping[str, Any] | None]] = []

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
        candidates = [r for r in live_sorted if r.get("name") == route.name and str(r["id"]) not in claimed]
        if not candidates:
            key = name_key(route.name)
            candidates = [
                r for r in live_sorted if name_key(str(r.get("name", ""))) == key and str(r["id"]) not in claimed
            ]
        if len(candidates) > 1:
            ids = ", ".join(str(r["id"]) for r in candidates)
            warnings.append(
                _warning(route, f"{len(candidates)} live routes are named {route.name!r} ({ids}); using the first")
            )
        match = candidates[0] if candidates else None
        if match is not None:
            claimed[str(match["id"])] = match
        matches.append((route, match))

    changes: list[Change] = []
    in_sync = 0
    for route, match in matches:
        if match is None:
            changes.append(
                Change(
                    action=Action.CREATE,
                    name=route.name,
                    source=route.source,
                    desired=route.payload,
                    desired_doc=to_document(route.payload, catalog, name=route.name, route_id=route.pinned_id),
                    protected=route.protect,
                )
            )
            continue
        live_payload = canonical_live(match, catalog)
        fields = diff_payloads(route.payload, live_payload, catalog)
        if not fields:
            in_sync += 1
            continue
        route_id = str(match["id"])
        # Both sides rendered by one function, so the reviewer's diff shows changes, not how the file was written.
        changes.append(
            Change(
                action=Action.UPDATE,
                name=route.name,
                route_id=route_id,
                live_version=_version(match),
                source=route.source,
                desired=route.payload,
                live=live_payload,
                desired_doc=to_document(route.payload, catalog, name=route.name, route_id=route_id),
                live_doc=to_document(live_payload, catalog, name=str(match.get("name", "")), route_id=route_id),
                fields=fields,
                protected=route.protect,
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
        route_id = str(route_live["id"])
        if route_id in claimed:
            continue
        name = str(route_live.get("name", ""))
        if not prune:
            unmanaged.append(LiveRouteSummary(route_id=route_id, name=name, version=_version(route_live)))
            continue
        refused = ""
        if route_id in protected_keys or name in protected_keys:
            refused = f"refusing to delete protected route {name!r} ({route_id}): it is marked protect: true"
        live_payload = canonical_live(route_live, catalog)
        changes.append(
            Change(
                action=Action.DELETE,
                name=name,
                route_id=route_id,
                live_version=_version(route_live),
                live=live_payload,
                live_doc=to_document(live_payload, catalog, name=name, route_id=route_id),
                protected=bool(refused),
                refused=refused,
            )
        )

    plan = Plan(
        changes=tuple(sorted(changes, key=lambda c: c.sort_key)),
        unmanaged=tuple(unmanaged),
        in_sync=in_sync,
        live_count=len(live),
        warnings=tuple(warnings),
        snapshot={str(r["id"]): _version(r) for r in live_sorted},
        limits=limits,
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


def _version(route: Mapping[str, Any]) -> int | None:
    version = route.get("version")
    return version if isinstance(version, int) else None


def _problem(route: DesiredRoute, message: str) -> Problem:
    return Problem(Location(route.source or "<desired>"), "$", message)


def _warning(route: DesiredRoute, message: str) -> Problem:
    return Problem(Location(route.source or "<desired>"), "$", message, severity="warning")
