"""Seeded faults: each kind happens at its rate, a seed reproduces them exactly, and the write log records exactly
the writes that committed, including those whose response was lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import looptime
import pytest

from reconciler.emulator import DroppedConnection, EmulatorSettings, FaultProfile, create_app, serve_in_thread
from reconciler.emulator.faults import FaultInjector
from tests.emulator_helpers import ADMIN, in_process, route_payload

N = 1000
RATE = 0.2
# A binomial(1000, 0.2) count has σ ≈ 12.6; ±60 is ±4.7σ, so any seed passes (the runs here are seeded anyway).
TOLERANCE = 60
UNLIMITED = {"rate_limit_enabled": False}


async def _writes(profile: FaultProfile, n: int = N) -> tuple[list[str], Any]:
    """POST n routes; the outcome of each as seen by the client, and the app."""
    outcomes = []
    async with in_process(settings=EmulatorSettings(faults=profile, **UNLIMITED)) as (client, app):
        for i in range(n):
            try:
                response = await client.post("/v2/alert_routes", headers=ADMIN, json=route_payload(f"Route {i}"))
                outcomes.append(str(response.status_code))
            except DroppedConnection:
                outcomes.append("dropped")
    return outcomes, app


def test_write_faults_happen_at_their_rates_and_the_write_log_holds_exactly_the_commits() -> None:
    profile = FaultProfile(seed=11, error_before_commit=RATE, error_after_commit=RATE, drop_after_commit=RATE)
    outcomes, app = asyncio.run(_writes(profile))
    emu = app.state.emulator
    seen = Counter(outcomes)
    log = Counter(entry["outcome"] for entry in emu.write_log)
    before = N - len(emu.write_log)  # writes that never committed
    assert abs(before - N * RATE) <= TOLERANCE
    committed = len(emu.write_log)
    assert abs(log["error_after_commit"] - committed * RATE) <= TOLERANCE
    # A drop is drawn independently but a 5xx-after-commit wins, so drops hit (1 - RATE) of the commits.
    assert abs(log["dropped"] - committed * (1 - RATE) * RATE) <= TOLERANCE
    # What the client saw matches the log exactly: 201 = committed ok, drops = dropped, 500 = before + after.
    assert seen["201"] == log["ok"]
    assert seen["dropped"] == log["dropped"]
    assert seen["500"] == before + log["error_after_commit"]
    # Every logged write is in state, and every new route in state is logged: the log is exactly the commits.
    new_ids = {r["id"] for r in emu.state.routes.routes()} - {f"01JQ3ZROUTE0000000000000{n:02d}" for n in range(1, 7)}
    assert {entry["route_id"] for entry in emu.write_log} == new_ids
    assert all(entry["method"] == "POST" and entry["version"] == 1 for entry in emu.write_log)


def test_a_seed_reproduces_the_faults_exactly() -> None:
    profile = FaultProfile(seed=5, error_before_commit=RATE, error_after_commit=RATE, drop_after_commit=RATE)
    first, _ = asyncio.run(_writes(profile, 200))
    again, _ = asyncio.run(_writes(profile, 200))
    other, _ = asyncio.run(_writes(FaultProfile(**{**profile.to_dict(), "seed": 6}), 200))
    assert first == again
    assert first != other


async def _reads(profile: FaultProfile, n: int = N) -> list[int]:
    async with in_process(settings=EmulatorSettings(faults=profile, **UNLIMITED)) as (client, _app):
        return [(await client.get("/v1/severities", headers=ADMIN)).status_code for _ in range(n)]


@pytest.mark.parametrize(
    ("profile", "status"),
    [
        (FaultProfile(seed=3, extra_429=RATE), 429),
        (FaultProfile(seed=4, hang=RATE, hang_seconds=0.001), 504),
    ],
    ids=["extra_429", "hang"],
)
def test_read_faults_happen_at_their_rate(profile: FaultProfile, status: int) -> None:
    statuses = Counter(asyncio.run(_reads(profile)))
    assert set(statuses) == {200, status}
    assert abs(statuses[status] - N * RATE) <= TOLERANCE


def test_extra_429_carries_retry_after_even_with_rate_limiting_off() -> None:
    async def run() -> httpx.Response:
        async with in_process(settings=EmulatorSettings(faults=FaultProfile(extra_429=1.0), **UNLIMITED)) as (c, _):
            return await c.get("/v1/severities", headers=ADMIN)

    response = asyncio.run(run())
    assert response.status_code == 429 and response.headers["Retry-After"].isdigit()
    assert response.json()["rate_limit"]["limit"] == 1200


def test_latency_is_fixed_plus_jitter() -> None:
    # The delay each request gets is computed from the seed: fixed plus uniform(0, jitter), never more.
    injector = FaultInjector(FaultProfile(latency_ms=20, jitter_ms=10, seed=7))
    delays = [injector.roll().delay_s for _ in range(200)]
    assert all(0.020 <= d <= 0.030 for d in delays)
    assert len(set(delays)) > 100  # the jitter varies (a seeded stream, so the same every run)

    # And the emulator sleeps exactly that long per request: on a fake-clock event loop (looptime), time moves only
    # when something sleeps, so what the client sees is the computed delay whatever the machine's load.
    async def run() -> list[float]:
        loop = asyncio.get_running_loop()
        profile = FaultProfile(latency_ms=20, jitter_ms=10, seed=7)
        async with in_process(settings=EmulatorSettings(faults=profile)) as (client, _app):
            times = []
            for _ in range(10):
                start = loop.time()
                await client.get("/v1/severities", headers=ADMIN)
                times.append(loop.time() - start)
            return times

    loop = looptime.new_event_loop(start=0)
    try:
        times = loop.run_until_complete(run())
    finally:
        loop.close()
    expected = FaultInjector(FaultProfile(latency_ms=20, jitter_ms=10, seed=7))
    assert times == pytest.approx([expected.roll().delay_s for _ in range(10)], abs=1e-6)


@pytest.mark.slow
def test_a_dropped_connection_over_a_socket_loses_the_response_but_the_write_commits() -> None:
    app = create_app(settings=EmulatorSettings(**UNLIMITED))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, headers=ADMIN) as client:
        # Faults are switched on at runtime through the control endpoint.
        assert client.post("/_emulator/faults", json={"drop_after_commit": 1.0}).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v2/alert_routes", json=route_payload("Lost reply"))
        client.post("/_emulator/faults", json={})
        writes = client.get("/_emulator/writes").json()["writes"]
        assert [(w["method"], w["outcome"], w["name"]) for w in writes] == [("POST", "dropped", "Lost reply")]
        assert client.get(f"/v2/alert_routes/{writes[0]['route_id']}").status_code == 200
        requests = client.get("/_emulator/requests").json()["requests"]
        assert [(r["method"], r["status"]) for r in requests] == [("POST", None), ("GET", 200)]


def test_fault_profiles_reject_bad_settings() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultProfile.from_dict({"hang": 2})
    with pytest.raises(ValueError, match="unknown fault setting"):
        FaultProfile.from_dict({"explode": 0.1})
