"""The client against the emulator: in-process (ASGI) and served on loopback (real sockets, real pacing)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from reconciler.api import (
    IncidentIO,
    ReadOnlyViolation,
    RetryPolicy,
    ServerError,
    TransportFailure,
    Unauthorized,
    VersionConflict,
    asgi_transport,
)
from reconciler.emulator import EmulatorSettings, create_app, seed_routes, serve_in_thread
from reconciler.emulator.control import minimal_payload
from reconciler.run.fetch import read_catalog, read_live_routes

ADMIN = "example-admin"


async def _no_sleep(_: float) -> None:
    return None


def in_process(app: Any, key: str = ADMIN, **kwargs: Any) -> IncidentIO:
    kwargs.setdefault("retry", RetryPolicy(sleep=_no_sleep))
    kwargs.setdefault("route_api", "v2")  # the emulator's alert-route API
    return IncidentIO("http://emulator.invalid", key, transport=asgi_transport(app), **kwargs)


def run(client: IncidentIO, call: Any) -> Any:
    async def go() -> Any:
        async with client:
            return await call(client)

    return asyncio.run(go())


def test_reads_the_example_organisation_and_seeded_routes_in_list_order() -> None:
    app = create_app(settings=EmulatorSettings(rate_limit_enabled=False))
    seed_routes(app.state.emulator, 94)  # 6 example routes + 94 = 100: two full pages, then an empty one
    client = in_process(app)

    async def both(api: IncidentIO) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return await api.list_alert_routes(), await read_live_routes(api)

    slim, full = run(client, both)
    assert len(full) == 100 and [r["id"] for r in full] == [r["id"] for r in slim]
    assert all(isinstance(r["version"], int) for r in full)
    route_reads = [r for r in client.request_log if r.path.startswith("/v2/alert_routes")]
    assert len(route_reads) == 2 * (100 // 50 + 1) + 100  # the list twice, each ending on an empty page


def test_read_catalog_against_the_example_organisation() -> None:
    catalog = run(in_process(create_app()), lambda api: read_catalog(api, slack_channels={"#alerts": "C1"}))
    for kind in ("alert_sources", "alert_attributes", "escalation_paths", "severities", "users"):
        assert getattr(catalog, kind), kind
    assert all("type" in a.extra for a in catalog.alert_attributes)
    assert all("@" in u.name for u in catalog.users)


def test_version_rule_and_bad_key() -> None:
    app = create_app()
    [route_id] = seed_routes(app.state.emulator, 1)
    payload = minimal_payload(app.state.emulator, "Renamed")

    async def conflict(api: IncidentIO) -> Exception:
        route = await api.get_alert_route(route_id)
        assert (await api.update_alert_route(route_id, {**payload, "version": route["version"] + 1}))["version"] == 2
        try:
            await api.update_alert_route(route_id, {**payload, "version": 2})  # stale: 3 is next
        except Exception as exc:
            return exc
        raise AssertionError("the stale version was accepted")

    error = run(in_process(app), conflict)
    assert isinstance(error, VersionConflict) and not error.ambiguous
    with pytest.raises(Unauthorized):
        run(in_process(app, key="inc_canary_not_a_key"), lambda api: api.list_severities())


def test_a_read_only_client_sends_nothing_to_the_emulator() -> None:
    app = create_app()
    with pytest.raises(ReadOnlyViolation):
        run(in_process(app, read_only=True), lambda api: api.delete_alert_route("anything"))
    assert app.state.emulator.request_log == []


@pytest.mark.slow
def test_writes_failing_after_commit_are_ambiguous_and_not_resent() -> None:
    app = create_app(settings=EmulatorSettings(rate_limit_enabled=False))
    emulator = app.state.emulator
    [route_id] = seed_routes(emulator, 1)
    payload = minimal_payload(emulator, "Renamed")
    with serve_in_thread(app) as url:

        async def put(api: IncidentIO) -> Exception:
            route = await api.get_alert_route(route_id)
            try:
                await api.update_alert_route(route_id, {**payload, "version": route["version"] + 1})
            except Exception as exc:
                return exc
            raise AssertionError("the fault did not fire")

        results = []
        for fault in ({"error_after_commit": 1.0}, {"drop_after_commit": 1.0}):
            httpx.post(f"{url}/_emulator/faults", json=fault)
            results.append(run(IncidentIO(url, ADMIN, retry=RetryPolicy(sleep=_no_sleep), route_api="v2"), put))
    server_error, dropped = results
    assert isinstance(server_error, ServerError) and server_error.ambiguous
    assert isinstance(dropped, TransportFailure) and dropped.sent and dropped.ambiguous
    puts = [w for w in emulator.write_log if w["method"] == "PUT"]
    assert [w["outcome"] for w in puts] == ["error_after_commit", "dropped"]  # one committed write each, no resend


@pytest.mark.slow
def test_served_emulator_with_an_empty_bucket_is_read_at_the_refill_rate() -> None:
    # 6000/min = 100 req/s, starting empty: 150 routes + catalog ≈ 164 requests ≈ 1.6 s at the floor.
    settings = EmulatorSettings(rate_limit_per_minute=6000, rate_limit_initial_tokens=0)
    app = create_app(settings=settings)
    seed_routes(app.state.emulator, 144)
    with serve_in_thread(app) as url:

        async def plan_read(api: IncidentIO) -> int:
            routes, _catalog = await asyncio.gather(read_live_routes(api), read_catalog(api, slack_channels={}))
            return len(routes)

        client = IncidentIO(url, ADMIN, retry=RetryPolicy(min_retry_after=0.05), route_api="v2")
        assert run(client, plan_read) == 150  # the 6 example routes and the 144 seeded
    statuses = [r["status"] for r in app.state.emulator.request_log]
    assert statuses.count(429) <= max(1, len(statuses) // 100)  # < 1 %, the probe's 429 aside
    # How close the read runs to the floor is a timing figure, not asserted here (it depends on the machine's load):
    # benchmarks/bench_plan.py measures it (rate-bound scenario); tests/test_api_pacing.py proves the pacing on a
    # fake clock.
