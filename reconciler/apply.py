"""Apply a plan: creates, then updates, then deletes, each write pinned to what the plan saw.

An update PUTs `live_version + 1` from the plan, never a version read later, so a dashboard edit made after review
makes the API reject the write instead of being overwritten. What happens after a failed write follows the retry
matrix of RELIABILITY.md §1.4 (the client already retried what is safe to retry):

* version rejected, or the outcome unknown (5xx / connection lost after sending): re-read the route.
  live == desired → done; live still at the planned version → write again (only when the outcome was unknown);
  anything else → "changed since plan": this route is left alone, the others are applied.
* a create whose outcome is unknown: look for the route by name; found with the desired content → adopt it,
  found with other content → changed since plan, not found → create again (never a blind duplicate).
* a delete whose outcome is unknown: re-read; 404 → done.
* 401/403 abort the whole run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from reconciler.api.errors import ApiError, Forbidden, NotFound, Unauthorized, VersionConflict
from reconciler.diff import diff_payloads
from reconciler.model import Action, Catalog, Change, Plan
from reconciler.normalize import canonical_live

MAX_ROUNDS = 5  # write attempts per route after unknown outcomes; each is preceded by a re-read
DEFAULT_CONCURRENCY = 8


class AlertRouteApi(Protocol):
    """The part of `reconciler.api.IncidentIO` that apply uses."""

    async def get_alert_route(self, route_id: str) -> dict[str, Any]: ...
    async def list_alert_routes(self) -> list[dict[str, Any]]: ...
    async def create_alert_route(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...
    async def update_alert_route(self, route_id: str, payload: Mapping[str, Any]) -> dict[str, Any]: ...
    async def delete_alert_route(self, route_id: str) -> None: ...


class Outcome(StrEnum):
    """What happened to one change."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    ALREADY_APPLIED = "already applied"
    CHANGED_SINCE_PLAN = "changed since plan"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"

    @property
    def ok(self) -> bool:
        return self in (Outcome.CREATED, Outcome.UPDATED, Outcome.DELETED, Outcome.ALREADY_APPLIED)


@dataclass(frozen=True)
class RouteOutcome:
    """One change's result; `writes` counts the write requests sent for it."""

    action: Action
    name: str
    route_id: str | None
    outcome: Outcome
    detail: str = ""
    writes: int = 0


@dataclass(frozen=True)
class ApplyReport:
    """Per-route outcomes in plan order, and whether the run was aborted (401/403)."""

    outcomes: tuple[RouteOutcome, ...] = ()
    aborted: str = ""

    @property
    def writes(self) -> int:
        return sum(outcome.writes for outcome in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.aborted and all(outcome.outcome.ok for outcome in self.outcomes)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.outcomes if item.outcome is outcome)

    @property
    def summary(self) -> str:
        """`Applied: 1 created, 2 updated, 0 deleted, 0 already applied; 1 changed since plan, 0 failed.`"""
        done = ", ".join(
            f"{self.count(o)} {o.value}"
            for o in (Outcome.CREATED, Outcome.UPDATED, Outcome.DELETED, Outcome.ALREADY_APPLIED)
        )
        bad = [o for o in (Outcome.CHANGED_SINCE_PLAN, Outcome.FAILED, Outcome.NOT_ATTEMPTED) if self.count(o)]
        tail = "; " + ", ".join(f"{self.count(o)} {o.value}" for o in bad) if bad else ""
        return f"Applied: {done}{tail} ({self.writes} writes)."


class _Abort(Exception):
    """401/403: stop every route."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Run:
    api: AlertRouteApi
    catalog: Catalog
    limit: asyncio.Semaphore
    on_outcome: Callable[[RouteOutcome], None] | None
    aborted: str = ""
    writes: dict[int, int] = field(default_factory=dict)


async def apply_plan(
    plan: Plan,
    api: AlertRouteApi,
    catalog: Catalog,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_outcome: Callable[[RouteOutcome], None] | None = None,
) -> ApplyReport:
    """Carry out `plan` against `api`: creates, then updates, then deletes, at most `concurrency` at a time.

    Deletes run only when every create and update went through without failing, so that a route is never removed
    before its replacement exists.
    """
    run = _Run(api=api, catalog=catalog, limit=asyncio.Semaphore(max(1, concurrency)), on_outcome=on_outcome)
    results: dict[int, RouteOutcome] = {}
    indexed = list(enumerate(plan.changes))
    for action in (Action.CREATE, Action.UPDATE, Action.DELETE):
        phase = [(i, c) for i, c in indexed if c.action is action]
        if not phase:
            continue
        if run.aborted:
            blocked = run.aborted
        elif action is Action.DELETE and any(r.outcome is Outcome.FAILED for r in results.values()):
            blocked = "an earlier create or update failed, so no route is deleted"
        else:
            blocked = ""
        if blocked:
            for i, change in phase:
                results[i] = _outcome(change, Outcome.NOT_ATTEMPTED, blocked)
            continue
        outcomes = await asyncio.gather(*(_guarded(run, i, change) for i, change in phase))
        results.update(zip((i for i, _ in phase), outcomes, strict=True))
    ordered = tuple(results[i] for i, _ in indexed)
    return ApplyReport(outcomes=ordered, aborted=run.aborted)


async def _guarded(run: _Run, index: int, change: Change) -> RouteOutcome:
    async with run.limit:
        if run.aborted:
            result = _outcome(change, Outcome.NOT_ATTEMPTED, run.aborted)
        else:
            run.writes[index] = 0
            try:
                result = await _apply_one(run, index, change)
            except _Abort as abort:
                run.aborted = f"{abort.error} (the run stopped)"
                result = _outcome(change, Outcome.FAILED, str(abort.error))
            except ApiError as error:
                result = _outcome(change, Outcome.FAILED, str(error))
            result = replace(result, writes=run.writes[index])
    if run.on_outcome is not None:
        run.on_outcome(result)
    return result


async def _apply_one(run: _Run, index: int, change: Change) -> RouteOutcome:
    if change.action is Action.CREATE:
        return await _create(run, index, change)
    if change.action is Action.UPDATE:
        return await _update(run, index, change)
    return await _delete(run, index, change)


async def _write(run: _Run, index: int, call: Any) -> Any:
    """Send one write; count it; turn 401/403 into an abort."""
    run.writes[index] += 1
    try:
        return await call
    except (Unauthorized, Forbidden) as error:
        raise _Abort(error) from None


async def _read(run: _Run, route_id: str) -> dict[str, Any] | None:
    """GET a route; None when it is gone."""
    try:
        return await run.api.get_alert_route(route_id)
    except NotFound:
        return None
    except (Unauthorized, Forbidden) as error:
        raise _Abort(error) from None


def _matches(run: _Run, live: Mapping[str, Any], desired: Any) -> bool:
    return not diff_payloads(desired, canonical_live(live, run.catalog), run.catalog)


async def _create(run: _Run, index: int, change: Change) -> RouteOutcome:
    for _ in range(MAX_ROUNDS):
        try:
            created = await _write(run, index, run.api.create_alert_route(change.desired))
            return _outcome(change, Outcome.CREATED, route_id=str(created.get("id", "")))
        except ApiError as error:
            if not error.ambiguous:
                raise
        # The POST may have been committed: look for it by name before creating again.
        found = await _find_by_name(run, change.name)
        if found:
            for live in found:
                if _matches(run, live, change.desired):
                    return _outcome(change, Outcome.CREATED, route_id=str(live["id"]))
            ids = ", ".join(str(live["id"]) for live in found)
            return _outcome(
                change, Outcome.CHANGED_SINCE_PLAN, f"a route with this name appeared with other content ({ids})"
            )
    return _outcome(change, Outcome.FAILED, f"gave up after {MAX_ROUNDS} attempts")


async def _find_by_name(run: _Run, name: str) -> list[dict[str, Any]]:
    try:
        slim = await run.api.list_alert_routes()
    except (Unauthorized, Forbidden) as error:
        raise _Abort(error) from None
    found = []
    for item in slim:
        if item.get("name") == name:
            live = await _read(run, str(item["id"]))
            if live is not None:
                found.append(live)
    return found


async def _update(run: _Run, index: int, change: Change) -> RouteOutcome:
    assert change.route_id is not None and change.live_version is not None, "an update carries its live version"
    payload = {**change.desired, "version": change.live_version + 1}
    for _ in range(MAX_ROUNDS):
        try:
            await _write(run, index, run.api.update_alert_route(change.route_id, payload))
            return _outcome(change, Outcome.UPDATED)
        except NotFound:
            return _outcome(change, Outcome.CHANGED_SINCE_PLAN, "the route was deleted since the plan")
        except VersionConflict:
            ambiguous = False
        except ApiError as error:
            if not error.ambiguous:
                raise
            ambiguous = True
        live = await _read(run, change.route_id)
        if live is None:
            return _outcome(change, Outcome.CHANGED_SINCE_PLAN, "the route was deleted since the plan")
        version = live.get("version")
        if _matches(run, live, change.desired):
            # Our own write went through (version + 1) or someone made the same edit: either way it is done.
            ours = ambiguous and version == change.live_version + 1
            return _outcome(change, Outcome.UPDATED if ours else Outcome.ALREADY_APPLIED)
        if not (ambiguous and version == change.live_version):
            return _outcome(
                change,
                Outcome.CHANGED_SINCE_PLAN,
                f"live version is {version}, the plan saw {change.live_version}; run plan again",
            )
        # Unknown outcome and nothing committed: the same version-pinned PUT is still right.
    return _outcome(change, Outcome.FAILED, f"gave up after {MAX_ROUNDS} attempts")


async def _delete(run: _Run, index: int, change: Change) -> RouteOutcome:
    assert change.route_id is not None
    # The API does not version deletes: check the version first, so a route edited since review is not deleted.
    live = await _read(run, change.route_id)
    if live is None:
        return _outcome(change, Outcome.ALREADY_APPLIED, "already deleted")
    if change.live_version is not None and live.get("version") != change.live_version:
        return _outcome(
            change,
            Outcome.CHANGED_SINCE_PLAN,
            f"live version is {live.get('version')}, the plan saw {change.live_version}; run plan again",
        )
    for _ in range(MAX_ROUNDS):
        try:
            await _write(run, index, run.api.delete_alert_route(change.route_id))
            return _outcome(change, Outcome.DELETED)
        except NotFound:
            return _outcome(change, Outcome.DELETED)
        except ApiError as error:
            if not error.ambiguous:
                raise
        if await _read(run, change.route_id) is None:
            return _outcome(change, Outcome.DELETED)
    return _outcome(change, Outcome.FAILED, f"gave up after {MAX_ROUNDS} attempts")


def _outcome(change: Change, outcome: Outcome, detail: str = "", route_id: str | None = None) -> RouteOutcome:
    return RouteOutcome(
        action=change.action, name=change.name, route_id=route_id or change.route_id, outcome=outcome, detail=detail
    )


def outcomes_by(report: ApplyReport, outcome: Outcome) -> Sequence[RouteOutcome]:
    """The routes with this outcome, in plan order."""
    return [item for item in report.outcomes if item.outcome is outcome]
