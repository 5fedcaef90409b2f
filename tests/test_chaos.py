"""R1/R2: an apply of 200 changes under injected faults converges with exactly one committed write per change.

The emulator answers 20% of writes with a 5xx (half of them after committing the write) and 5% of all requests
with a 429. Apply must re-read before any retry: nothing lost, nothing duplicated. Waits are skipped (no sleeping).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from reconciler.api import IncidentIO, RetryPolicy, asgi_transport
from reconciler.core.outcome import Outcome
from reconciler.core.plan import build_plan
from reconciler.emulator import FaultProfile, create_app, seed_routes
from reconciler.emulator.control import minimal_payload
from reconciler.files.decode import DesiredRoute
from reconciler.model import Action
from reconciler.run import live as live_routes
from reconciler.run.apply import apply_plan
from reconciler.run.fetch import read_catalog
from reconciler.wire import decode

pytestmark = pytest.mark.slow


async def _no_sleep(_: float) -> None:
    return None


def desired_route(app: Any, name: str, **fields: Any) -> DesiredRoute:
    route = decode({**minimal_payload(app.state.emulator, name), **fields}, "v2")
    return DesiredRoute(route=route, source=f"routes/{name}.yaml")


async def chaos(seed: int, profile: dict[str, float]) -> None:
    app = create_app()
    emulator = app.state.emulator
    seed_routes(emulator, 150, name_prefix="Seeded")
    policy = RetryPolicy(sleep=_no_sleep, attempts=10)
    async with IncidentIO(
        "http://emulator.invalid", "example-admin", transport=asgi_transport(app), retry=policy, route_api="v2"
    ) as api:
        catalog = await read_catalog(api, slack_channels={})
        live = await live_routes.read_all(api)
        seeded = sorted((r.name for r in live if r.name.startswith("Seeded")), key=lambda n: int(n.split()[1]))
        desired = [desired_route(app, name, enabled=False) for name in seeded[:100]]  # 100 updates
        desired += [desired_route(app, name) for name in seeded[100:110]]  # 10 in sync
        desired += [desired_route(app, f"New {n}") for n in range(60)]  # 60 creates
        # The other 40 seeded routes are pruned; the example organisation's routes are kept as they are.
        desired += [DesiredRoute(route=r.route, source="x") for r in live if not r.name.startswith("Seeded")]
        plan = build_plan(desired, live, catalog, prune=True, force=True, api_version="v2")
        assert (plan.count(Action.CREATE), plan.count(Action.UPDATE), plan.count(Action.DELETE)) == (60, 100, 40)

        emulator.write_log.clear()
        emulator.set_faults(FaultProfile.from_dict({"seed": seed, **profile}))
        report = await apply_plan(plan, api, concurrency=16)
        emulator.set_faults(FaultProfile())
        assert report.ok, [o for o in report.outcomes if not o.outcome.ok]
        assert Counter(o.outcome for o in report.outcomes) == {
            Outcome.CREATED: 60,
            Outcome.UPDATED: 100,
            Outcome.DELETED: 40,
        }
        committed = Counter((w["method"], w["name"]) for w in emulator.write_log)
        assert len(committed) == 200 and set(committed.values()) == {1}, committed.most_common(3)
        injected = Counter(w["outcome"] for w in emulator.write_log)
        assert injected["error_after_commit"] + injected["dropped"] > 0  # the faults really happened
        assert report.writes > 200  # some writes were retried after a failure before commit

        replan = build_plan(desired, await live_routes.read_all(api), catalog, prune=True, force=True, api_version="v2")
        assert replan.empty


@pytest.mark.parametrize("seed", [1])
def test_5xx_half_after_commit_and_429s(seed: int) -> None:
    asyncio.run(chaos(seed, {"error_before_commit": 0.10, "error_after_commit": 0.10, "extra_429": 0.05}))


def test_dropped_connections_after_commit() -> None:
    asyncio.run(chaos(7, {"error_before_commit": 0.10, "drop_after_commit": 0.10, "extra_429": 0.05}))
