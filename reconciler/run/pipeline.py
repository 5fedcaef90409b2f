"""The pipeline in one place: route files and the live API in, a plan out.

load → validate → fetch (catalog and live routes) → decode (names → ids) → diff → plan. `plan`, `apply` and
`drift` call `build_plan_from_repo`; `restore` calls `desired_from_backup` + `build_plan` instead of reading files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from reconciler.api import IncidentIO
from reconciler.api.tasks import gather_all
from reconciler.core.plan import build_plan, safety_refusals
from reconciler.core.target import ListSelector, scope_live, targeted, unread_pins
from reconciler.files.check import checked_routes
from reconciler.files.decode import decode_routes
from reconciler.files.load import collect_routes, load_channels, load_schema
from reconciler.model import Catalog, LiveRoute, Plan, SafetyLimits, Targets
from reconciler.run import live
from reconciler.run.fetch import both, read_catalog


def protected_routes(routes_dir: Path | None) -> set[str]:
    """Names and pinned ids of the routes marked `protect: true` under `routes_dir` (the base branch's files).

    Read leniently: the base branch's files are not what is being reviewed, so a broken one is skipped, not fatal.
    """
    if routes_dir is None:
        return set()
    docs, _problems, _count = collect_routes([routes_dir])
    keys: set[str] = set()
    for doc in docs:
        if doc.data.get("protect") is True:
            keys.update(str(doc.data[key]) for key in ("name", "id") if isinstance(doc.data.get(key), str))
    return keys


async def build_plan_from_repo(
    api: IncidentIO,
    routes_dir: Path,
    *,
    schema_path: Path | None = None,
    prune: bool = False,
    force: bool = False,
    protected_from: Path | None = None,
    limits: SafetyLimits | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    targets: Targets | None = None,
    on_live: Callable[[list[LiveRoute]], None] | None = None,
) -> tuple[Plan, Catalog]:
    """Plan the changes that make incident.io match the route files in `routes_dir`.

    Only reads from the API (a read-only client is enough). `on_progress(done, total)` is called while live
    routes are read. Raises InputError (route files) or ApiError (the API); a plan over the safety `limits` or
    deleting a protected route comes back whole and marked refused (`Plan.refused`).

    With `targets`, every file is still validated (offline, cheap), but only the targeted files are decoded and
    only the targeted live routes are read (`core/target.py`); the plan records the targets (`Plan.targets`).
    """
    channels, teams = load_channels(routes_dir)  # small, and the catalog carries them
    # Reading incident.io is mostly waiting on the network, checking files is CPU work, and neither needs the other:
    # start the reads, check the files in a worker thread meanwhile, and stop the reads if the files are invalid.
    selector = ListSelector(targets) if targets is not None else None
    reading = asyncio.ensure_future(
        both(
            read_catalog(api, slack_channels=channels, teams_channels=teams),
            live.read_all(api, on_progress=on_progress, select=selector),
        )
    )
    try:
        docs = await asyncio.to_thread(checked_routes, routes_dir, load_schema(schema_path))
        protected = protected_routes(protected_from)
    except BaseException:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        raise
    catalog, current = await reading
    file_count = len(docs)
    if selector is not None:
        read_before = len(current)
        chosen = [doc for doc in docs if targeted(doc, selector.targets)]
        found = await gather_all(*(live.read(api, route_id) for route_id in unread_pins(current, chosen)))
        renamed = [route for route in found if route is not None]  # skipped by name, read by the id a file pins
        current = scope_live(current + renamed, docs, chosen)
        # Left out of the plan: skipped in the list and not read since, or read but managed by an untargeted file.
        unread = selector.skipped - len(renamed) + (read_before + len(renamed) - len(current))
        docs = chosen
    if on_live is not None:  # plan --replay evaluates alerts against these, without reading them again
        on_live(current)
    desired = decode_routes(docs, catalog)
    version = await live.version_of(api)
    plan = build_plan(
        desired, current, catalog, prune=prune, force=force, protected=protected, limits=limits, api_version=version
    )
    if selector is not None:
        plan = replace(plan, targets=replace(selector.targets, unread=unread))
        if not force:
            # The safety limits measure a plan against the whole organisation and every file, not the targeted part.
            whole = replace(plan, live_count=plan.live_count + unread)
            plan = replace(plan, refusals=safety_refusals(whole, desired_count=file_count, prune=prune))
    return plan, catalog


async def read_live(api: live.RoutesApi, *, on_progress: Callable[[int, int], None] | None = None) -> list[LiveRoute]:
    """Every live route in the model, reporting progress while it reads."""
    return await live.read_all(api, on_progress=on_progress)
