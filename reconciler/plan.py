"""Build a plan: match desired routes (git) to live routes (incident.io) and list the changes between them.

Pure: no I/O. Matching is by pinned id first (`id:` in a route file), then by name. A live route that no file claims
is *unmanaged*: listed, and deleted only with `prune`. The safety rules (octoDNS style) refuse a plan that deletes a
protected route or changes too much at once unless forced.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reconciler.diff import diff_payloads
from reconciler.document import to_document
from reconciler.errors import InputError, Location, Problem, UnsafePlan
from reconciler.model import Action, Catalog, Change, LiveRouteSummary, Plan
from reconciler.normalize import canonical_live

if TYPE_CHECKING:
    from reconciler.resolve import DesiredRoute

# octoDNS: with at least this many live routes, more than this share of updates or of deletes needs --force.
SAFETY_MIN_ROUTES = 10
SAFETY_MAX_SHARE = 0.30


def build_plan(
    desired: Sequence[DesiredRoute],
    live: Sequence[Mapping[str, Any]],
    catalog: Catalog,
    *,
    prune: bool = False,
    force: bool = False,
    protected: Collection[str] = (),
) -> Plan:
    """The changes that make `live` (full `AlertRouteV2` objects) equal `desired`.

    `protected` holds names or ids of routes that must never be deleted (besides those whose file says
    `protect: true`), typically the protected routes of the base branch (`--protected-from`), so that removing a
    protected route's file is refused too. Raises `UnsafePlan` for a protected delete or, unless `force`, a plan over
    the safety limits.
    """
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
        candidates = [r for r in live_sorted if r.get("name") == route.name and str(r["id"]) not in claimed]
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
        if route_id in protected_keys or name in protected_keys:
            raise UnsafePlan(f"refusing to delete protected route {name!r} ({route_id}): it is marked protect: true")
        live_payload = canonical_live(route_live, catalog)
        changes.append(
            Change(
                action=Action.DELETE,
                name=name,
                route_id=route_id,
                live_version=_version(route_live),
                live=live_payload,
                live_doc=to_document(live_payload, catalog, name=name, route_id=route_id),
            )
        )

    plan = Plan(
        changes=tuple(sorted(changes, key=lambda c: c.sort_key)),
        unmanaged=tuple(unmanaged),
        in_sync=in_sync,
        live_count=len(live),
        warnings=tuple(warnings),
    )
    if not force:
        check_safety(plan, desired_count=len(desired), prune=prune)
    return plan


def check_safety(plan: Plan, *, desired_count: int, prune: bool) -> None:
    """Raise `UnsafePlan` when the plan changes too much of live at once (the octoDNS thresholds)."""
    if prune and desired_count == 0 and plan.count(Action.DELETE) > 0:
        raise UnsafePlan(
            f"no route files were found, so this plan deletes every live route ({plan.count(Action.DELETE)}); "
            "pass --force if that is intended"
        )
    if plan.live_count < SAFETY_MIN_ROUTES:
        return
    for action, verb in ((Action.UPDATE, "updates"), (Action.DELETE, "deletes")):
        count = plan.count(action)
        if count / plan.live_count > SAFETY_MAX_SHARE:
            raise UnsafePlan(
                f"too much change: the plan {verb} {count} of {plan.live_count} live routes "
                f"(more than {SAFETY_MAX_SHARE:.0%}); pass --force if that is intended"
            )


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
