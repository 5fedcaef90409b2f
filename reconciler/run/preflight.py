"""Before apply writes anything: does the live state the plan was made against still hold for what it touches?

Reads only. Every route the plan updates or deletes is read back, and the route list is read when the plan creates
routes (names compare as people read them, `model.name_key`). Each change is then one of:

* pending: live is as the plan saw it, the write is still to do;
* done: live already holds what the change would write (a re-run, or a crash after the write landed);
* stale: an update or delete whose route moved since the plan (another version, or gone): the whole plan is refused
  before any write, as Terraform refuses a stale saved plan;
* conflict: a create whose name a live route the plan never saw now holds with other content: that route alone is
  not created ("created since plan"), the rest is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reconciler.api.tasks import gather_all
from reconciler.core.diff import same
from reconciler.model import Action, Change, LiveRoute, Plan, name_key
from reconciler.run import live


class State(StrEnum):
    PENDING = "pending"
    DONE = "done"
    STALE = "stale"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Check:
    """Where one change stands before apply: its state, why, and the live route it refers to (for creates done)."""

    state: State
    detail: str = ""
    route_id: str | None = None


async def same_name_routes(api: live.RoutesApi, name: str) -> list[LiveRoute]:
    """Every live route (in full) whose name reads as `name` does."""
    key = name_key(name)
    slim = await live.list_slim(api)
    found = await gather_all(
        *(live.read(api, str(item["id"])) for item in slim if name_key(str(item.get("name", ""))) == key)
    )
    return [route for route in found if route is not None]


def _check_update(change: Change, current: LiveRoute | None) -> Check:
    if current is None:
        return Check(State.STALE, "the route was deleted since the plan")
    if current.version == change.live_version:
        return Check(State.PENDING)
    if change.desired is not None and same(change.desired, current.route):
        return Check(State.DONE)
    return Check(State.STALE, f"live version is {current.version}, the plan saw {change.live_version}; run plan again")


def _check_delete(change: Change, current: LiveRoute | None) -> Check:
    if current is None:
        return Check(State.DONE, "already deleted")
    if current.version == change.live_version:
        return Check(State.PENDING)
    return Check(State.STALE, f"live version is {current.version}, the plan saw {change.live_version}; run plan again")


def check_create(change: Change, same_name: Sequence[LiveRoute], moving: set[str]) -> Check:
    """A create is done when a live route with its name already holds its content; a conflict when one holds other.

    `moving` holds the ids of live routes this plan renames or deletes: the plan saw them and moves them away.
    """
    others = [route for route in same_name if route.route_id not in moving]
    if not others:
        return Check(State.PENDING)
    for route in others:
        if change.desired is not None and same(change.desired, route.route):
            return Check(State.DONE, route_id=route.route_id)
    ids = ", ".join(route.route_id for route in others)
    return Check(State.CONFLICT, f"a live route named {change.name!r} appeared since the plan ({ids}); not created")


def read_back(plan: Plan, *, fresh: bool = False) -> list[str]:
    """The ids of the routes `preflight` reads back (see there for `fresh`)."""
    reread = (Action.DELETE,) if fresh else (Action.UPDATE, Action.DELETE)
    return [c.route_id for c in plan.changes if c.action in reread and c.route_id]


async def preflight(
    plan: Plan, api: live.RoutesApi, *, on_progress: Callable[[int, int], None] | None = None, fresh: bool = False
) -> list[Check]:
    """One `Check` per change of `plan`, in plan order, from a fresh read of what the plan touches.

    `on_progress(done, total)` is called as the routes the plan updates or deletes are read back (the long part).

    `fresh`: this run made the plan from live reads and writes it with no one to wait for (a one-shot apply with
    `--auto-approve`), so the plan's own reads of the routes it updates are as recent as a read-back would be, and
    those routes are not read again. Each update's PUT is pinned to the version the plan read, so an edit made since
    is still refused by the API (apply then reports that route as changed since plan). Deletes carry no version, so
    they are read back whatever `fresh` says, and creates still look for a new route of the same name.
    """
    touched = read_back(plan, fresh=fresh)
    done = 0

    async def read(route_id: str) -> LiveRoute | None:
        nonlocal done
        route = await live.read(api, route_id)
        done += 1
        if on_progress is not None:
            on_progress(done, len(touched))
        return route

    lives = dict(zip(touched, await gather_all(*(read(i) for i in touched)), strict=True))
    creates = [c for c in plan.changes if c.action is Action.CREATE]
    by_key: dict[str, list[LiveRoute]] = {}
    if creates:
        keys = {name_key(c.name) for c in creates}
        slim = [item for item in await live.list_slim(api) if name_key(str(item.get("name", ""))) in keys]
        found = await gather_all(*(live.read(api, str(item["id"])) for item in slim))
        for route in found:
            if route is not None:
                by_key.setdefault(name_key(route.name), []).append(route)
    moving = {
        c.route_id
        for c in plan.changes
        if c.route_id and (c.action is Action.DELETE or c.live is None or name_key(c.name) != name_key(c.live.name))
    }
    checks = []
    for change in plan.changes:
        if change.action is Action.CREATE:
            checks.append(check_create(change, by_key.get(name_key(change.name), []), moving))
        elif change.action is Action.UPDATE:
            checks.append(Check(State.PENDING) if fresh else _check_update(change, lives.get(change.route_id or "")))
        else:
            checks.append(_check_delete(change, lives.get(change.route_id or "")))
    return checks
