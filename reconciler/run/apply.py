"""Apply a plan at most once: check it still holds, then create, update and delete, each write pinned to the plan.

First `preflight` reads back what the plan touches. A plan whose updated or deleted routes moved since it was made is
refused before any write ("plan is stale"); changes whose result is already live (a re-run, or a run after a crash)
are "already applied" and not written again; a create whose name a new live route now holds is "created since plan"
and not written. Then the rest is written: creates, then updates, then deletes. An update PUTs `live_version + 1`
from the plan, never a version read later, so a dashboard edit made after review makes the API reject the write.

What happens after a failed write follows the retry matrix of RELIABILITY.md §1.4 (the client already retried what
is safe to retry):

* version rejected, or the outcome unknown (5xx / connection lost after sending): re-read the route.
  live == desired → done; live still at the planned version → write again (only when the outcome was unknown);
  anything else → "changed since plan": this route is left alone, the others are applied.
* a create whose outcome is unknown: look for the route by name; found with the desired content → done,
  found with other content → created since plan, not found → create again (never a blind duplicate).
* a delete whose outcome is unknown: re-read; 404 → done.
* 401/403 abort the whole run.

"Already applied" is decided from what the plan recorded (the route model), with no catalog read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from reconciler.core.diff import same
from reconciler.core.outcome import ApplyReport, Outcome, RouteOutcome, outcome_of
from reconciler.errors import ApiError, Forbidden, NotFound, Unauthorized, VersionConflict, WireRefusal
from reconciler.model import Action, Change, Plan
from reconciler.run import live
from reconciler.run.preflight import Check, State, check_create, preflight, same_name_routes

MAX_ROUNDS = 5  # write attempts per route after unknown outcomes; each is preceded by a re-read
# Changes in progress at once when the client does not say its in-flight limit. Writes used to go 8 at a time, which
# made a 500-update apply with 50 ms per call slower than a 10-worker writer (0.71x, issue 16); the client's own
# limit (64) with its pacer keeps the latency hidden and the rate within the key's budget, as it does for reads.
DEFAULT_CONCURRENCY = 64
T = TypeVar("T")


class _NotSent(Exception):
    """The run was aborted (401/403) before this change's write went out: it is not attempted."""


class _Abort(Exception):
    """401/403: stop every route."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Run:
    api: live.RoutesApi
    limit: asyncio.Semaphore
    on_outcome: Callable[[RouteOutcome], None] | None
    aborted: str = ""
    writes: dict[int, int] = field(default_factory=dict)


async def apply_plan(
    plan: Plan,
    api: live.RoutesApi,
    *,
    concurrency: int | None = None,
    on_outcome: Callable[[RouteOutcome], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    fresh: bool = False,
) -> ApplyReport:
    """Carry out `plan` against `api` at most once: preflight, then creates, updates, deletes (`concurrency` at once).

    By default as many changes are in progress at once as the client lets requests be in flight (`max_in_flight`);
    its pacer then holds the writes to the key's rate exactly as it does the reads.

    Deletes run only when every create and update went through without failing, so that a route is never removed
    before its replacement exists. A refused plan (`Plan.refused`) is never passed here: the caller refuses it.
    `on_progress(done, total)` follows the read-back before any write; `on_outcome` gets each change as it settles.
    `fresh`: the plan was made from live reads in this run, with no one to wait for; see `preflight`.
    """
    # An ApiError here (a rejected key) leaves nothing written: it is raised.
    checks = await preflight(plan, api, on_progress=on_progress, fresh=fresh)
    stale = [(c, k) for c, k in zip(plan.changes, checks, strict=True) if k.state is State.STALE]
    if stale:
        outcomes = tuple(
            outcome_of(c, Outcome.CHANGED_SINCE_PLAN, k.detail)
            if k.state is State.STALE
            else outcome_of(c, Outcome.NOT_ATTEMPTED, "the plan is stale")
            for c, k in zip(plan.changes, checks, strict=True)
        )
        noun = "route" if len(stale) == 1 else "routes"
        refused = f"plan is stale: {len(stale)} {noun} changed since plan; run plan again"
        return ApplyReport(outcomes=outcomes, refused=refused)

    if concurrency is None:
        concurrency = getattr(api, "max_in_flight", DEFAULT_CONCURRENCY)
    run = _Run(api=api, limit=asyncio.Semaphore(max(1, concurrency)), on_outcome=on_outcome)
    results: dict[int, RouteOutcome] = {}
    for index, (change, check) in enumerate(zip(plan.changes, checks, strict=True)):
        if check.state is not State.PENDING:
            results[index] = _settled(change, check)
            if on_outcome is not None:
                on_outcome(results[index])
    for action in (Action.CREATE, Action.UPDATE, Action.DELETE):
        phase = [(i, c) for i, c in enumerate(plan.changes) if c.action is action and i not in results]
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
                results[i] = outcome_of(change, Outcome.NOT_ATTEMPTED, blocked)
            continue
        # The phase's first change alone, then the rest side by side: a key that may not write (401/403) is then
        # found with one write instead of a whole round of them, as the pacer finds the rate with one probe.
        (first, change), rest = phase[0], phase[1:]
        results[first] = await _guarded(run, first, change)
        done = await asyncio.gather(*(_guarded(run, i, change) for i, change in rest))
        results.update(zip((i for i, _ in rest), done, strict=True))
    return ApplyReport(outcomes=tuple(results[i] for i in range(len(plan.changes))), aborted=run.aborted)


def _settled(change: Change, check: Check) -> RouteOutcome:
    """The outcome of a change that preflight found done or in conflict: nothing to write."""
    if check.state is State.DONE:
        return outcome_of(change, Outcome.ALREADY_APPLIED, check.detail, route_id=check.route_id)
    return outcome_of(change, Outcome.CREATED_SINCE_PLAN, check.detail)


async def _guarded(run: _Run, index: int, change: Change) -> RouteOutcome:
    async with run.limit:
        if run.aborted:
            result = outcome_of(change, Outcome.NOT_ATTEMPTED, run.aborted)
        else:
            run.writes[index] = 0
            try:
                result = await _apply_one(run, index, change)
            except _Abort as abort:
                run.aborted = run.aborted or f"{abort.error} (the run stopped)"
                result = outcome_of(change, Outcome.FAILED, str(abort.error))
            except _NotSent as stopped:
                result = outcome_of(change, Outcome.NOT_ATTEMPTED, str(stopped))
            except (ApiError, WireRefusal) as error:
                result = outcome_of(change, Outcome.FAILED, str(error))
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


async def _write(run: _Run, index: int, call: Callable[[], Awaitable[T]]) -> T:
    """Send one write (`call()`); count it; turn 401/403 into an abort. None is sent once the run has been aborted:
    many changes are in progress at once, and those that reach their write after a 401/403 are not attempted."""
    if run.aborted:
        raise _NotSent(run.aborted)
    run.writes[index] += 1
    try:
        return await call()
    except (Unauthorized, Forbidden) as error:
        raise _Abort(error) from None
    except WireRefusal:
        run.writes[index] -= 1  # the codec refused the route before anything was sent
        raise


async def _reading(call: Awaitable[T]) -> T:
    """A read during the writes: 401/403 abort the run."""
    try:
        return await call
    except (Unauthorized, Forbidden) as error:
        raise _Abort(error) from None


async def _create(run: _Run, index: int, change: Change) -> RouteOutcome:
    assert change.desired is not None  # the plan reader guarantees it for creates
    desired = change.desired
    for _ in range(MAX_ROUNDS):
        try:
            created = await _write(run, index, lambda: live.create(run.api, desired))
            return outcome_of(change, Outcome.CREATED, route_id=created.route_id)
        except ApiError as error:
            if not error.ambiguous:
                raise
        # The POST may have been committed: look for it by name before creating again.
        check = check_create(change, await _reading(same_name_routes(run.api, change.name)), set())
        if check.state is State.DONE:
            return outcome_of(change, Outcome.CREATED, route_id=check.route_id)
        if check.state is State.CONFLICT:
            return outcome_of(change, Outcome.CREATED_SINCE_PLAN, check.detail)
    return outcome_of(change, Outcome.FAILED, f"gave up after {MAX_ROUNDS} attempts")


async def _update(run: _Run, index: int, change: Change) -> RouteOutcome:
    route_id, planned = change.route_id or "", change.live_version or 0  # the plan reader guarantees both
    assert change.desired is not None
    desired = change.desired
    for _ in range(MAX_ROUNDS):
        try:
            await _write(run, index, lambda: live.update(run.api, route_id, desired, planned + 1))
            return outcome_of(change, Outcome.UPDATED)
        except NotFound:
            return outcome_of(change, Outcome.CHANGED_SINCE_PLAN, "the route was deleted since the plan")
        except VersionConflict:
            ambiguous = False
        except ApiError as error:
            if not error.ambiguous:
                raise
            ambiguous = True
        current = await _reading(live.read(run.api, route_id))
        if current is None:
            return outcome_of(change, Outcome.CHANGED_SINCE_PLAN, "the route was deleted since the plan")
        version = current.version
        if same(change.desired, current.route):
            # Our own write went through (version + 1) or someone made the same edit: either way it is done.
            ours = ambiguous and version == planned + 1
            return outcome_of(change, Outcome.UPDATED if ours else Outcome.ALREADY_APPLIED)
        if not (ambiguous and version == planned):
            return outcome_of(
                change, Outcome.CHANGED_SINCE_PLAN, f"live version is {version}, the plan saw {planned}; run plan again"
            )
        # Unknown outcome and nothing committed: the same version-pinned PUT is still right.
    return outcome_of(change, Outcome.FAILED, f"gave up after {MAX_ROUNDS} attempts")


async def _delete(run: _Run, index: int, change: Change) -> RouteOutcome:
    route_id = change.route_id or ""
    # The API does not version deletes: check the version right before, so a route edited since review survives.
    current = await _reading(live.read(run.api, route_id))
    if current is None:
        return outcome_of(change, Outcome.ALREADY_APPLIED, "already deleted")
    if current.version != change.live_version:
        detail = f"live version is {current.version}, the plan saw {change.live_version}; run plan again"
        return outcome_of(change, Outcome.CHANGED_SINCE_PLAN, detail)
    for _ in range(MAX_ROUNDS):
        try:
            await _write(run, index, lambda: live.delete(run.api, route_id))
            return outcome_of(change, Outcome.DELETED)
        except NotFound:
            return outcome_of(change, Outcome.DELETED)
        except ApiError as error:
            if not error.ambiguous:
                raise
        if await _reading(live.read(run.api, route_id)) is None:
            return outcome_of(change, Outcome.DELETED)
    return outcome_of(change, Outcome.FAILED, f"gave up after {MAX_ROUNDS} attempts")
