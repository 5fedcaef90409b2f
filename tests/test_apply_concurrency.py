"""Apply writes side by side, as reads do: the client's in-flight limit, creates before updates before deletes.

A gauge transport in front of the in-process emulator counts the writes in flight; it yields to the event loop before
passing a write on, so every write that apply has started is in flight together (no clock involved).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from reconciler.api import IncidentIO, RetryPolicy, asgi_transport
from reconciler.core.outcome import ApplyReport, Outcome
from reconciler.core.plan import build_plan
from reconciler.emulator import create_app, seed_routes
from reconciler.emulator.control import minimal_payload
from reconciler.files.decode import DesiredRoute
from reconciler.run import live
from reconciler.run.apply import apply_plan
from reconciler.run.fetch import read_catalog
from reconciler.wire import decode

URL = "http://emulator.invalid"
UPDATES, CREATES, SEEDED = 20, 10, 30


async def _no_sleep(_: float) -> None:
    return None


class Gauge(httpx.AsyncBaseTransport):
    """The emulator, with each write's start and end recorded and the most writes ever in flight at once."""

    def __init__(self, app: Any) -> None:
        self.inner = asgi_transport(app)
        self.in_flight = 0
        self.most = 0
        self.events: list[tuple[str, str]] = []  # ("start" | "end", method)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return await self.inner.handle_async_request(request)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        self.events.append(("start", request.method))
        try:
            for _ in range(50):  # let every other started write reach the transport first
                await asyncio.sleep(0)
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1
            self.events.append(("end", request.method))


def _apply(app: Any, gauge: Gauge, *, key: str = "example-admin", **client: Any) -> tuple[int, ApplyReport]:
    async def go() -> tuple[int, ApplyReport]:
        retry = RetryPolicy(sleep=_no_sleep)
        async with IncidentIO(URL, key, transport=gauge, retry=retry, route_api="v2", **client) as api:
            catalog = await read_catalog(api, slack_channels={})
            current = await live.read_all(api)
            seeded = sorted((r.name for r in current if r.name.startswith("Seeded")), key=lambda n: int(n.split()[1]))

            def route(name: str, **fields: Any) -> DesiredRoute:
                payload = {**minimal_payload(app.state.emulator, name), **fields}
                return DesiredRoute(route=decode(payload, "v2"), source=f"routes/{name}.yaml")

            desired = [route(n, enabled=False) for n in seeded[:UPDATES]]
            desired += [route(f"New {i}") for i in range(CREATES)]
            plan = build_plan(desired, current, catalog, prune=True, force=True, api_version="v2")
            return len(plan.changes), await apply_plan(plan, api)

    return asyncio.run(go())


@pytest.fixture
def app() -> Any:
    app = create_app()
    seed_routes(app.state.emulator, SEEDED, name_prefix="Seeded")
    return app


def _phases_in_order(events: list[tuple[str, str]]) -> bool:
    """No write of a later phase starts before every write of the earlier phases has ended."""
    rank = {"POST": 0, "PUT": 1, "DELETE": 2}
    for at, (kind, method) in enumerate(events):
        if kind == "start":
            earlier = [m for k, m in events[:at] if k == "start" and rank[m] < rank[method]]
            ended = [m for k, m in events[:at] if k == "end" and rank[m] < rank[method]]
            if len(earlier) != len(ended):
                return False
    return True


def test_writes_go_side_by_side_up_to_the_clients_limit_phase_by_phase(app: Any) -> None:
    gauge = Gauge(app)
    changes, report = _apply(app, gauge)
    deletes = SEEDED - UPDATES + 6  # the other seeded routes and the example organisation's 6
    assert changes == UPDATES + CREATES + deletes
    assert report.ok and report.writes == changes
    assert [o.outcome for o in report.outcomes].count(Outcome.UPDATED) == UPDATES
    # Each phase's first write goes alone; the rest of the largest phase (the updates) all at once: not 8 at a time.
    assert gauge.most == UPDATES - 1
    assert _phases_in_order(gauge.events)
    assert [m for k, m in gauge.events if k == "start"] == ["POST"] * CREATES + ["PUT"] * UPDATES + ["DELETE"] * deletes


def test_the_clients_in_flight_limit_bounds_the_writes(app: Any) -> None:
    gauge = Gauge(app)
    _, report = _apply(app, gauge, max_in_flight=6)
    assert report.ok
    assert gauge.most == 6
    assert _phases_in_order(gauge.events)


def test_a_key_that_may_not_write_is_found_with_one_write(app: Any) -> None:
    gauge = Gauge(app)
    changes, report = _apply(app, gauge, key="example-readonly")
    assert report.aborted
    outcomes = [o.outcome for o in report.outcomes]
    assert outcomes.count(Outcome.FAILED) == 1
    assert outcomes.count(Outcome.NOT_ATTEMPTED) == changes - 1
    assert [m for k, m in gauge.events if k == "start"] == ["POST"]
    assert app.state.emulator.write_log == []
