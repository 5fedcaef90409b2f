"""Client-side pacing: the header parser, the local bucket, and a simulated rate-limited server."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import looptime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.api import IncidentIO, RetryPolicy
from reconciler.api.core import DEFAULT_MAX_IN_FLIGHT
from reconciler.api.pacing import TokenBucket, parse_limit


@pytest.mark.parametrize(
    ("limit", "remaining", "expected"),
    [
        ("1200, 1200;window=60", "17", (1200.0, 60.0, 17.0)),
        ("1200", "0", (1200.0, 60.0, 0.0)),
        ("600;window=30, 1200;window=60", "5", (600.0, 30.0, 5.0)),
        ("1200", "-3", (1200.0, 60.0, 0.0)),
        ("many", "5", None),
        ("0", "5", None),
        ("1200", "lots", None),
        (None, "5", None),
        ("1200", None, None),
    ],
)
def test_parse_limit(limit: str | None, remaining: str | None, expected: tuple[float, float, float] | None) -> None:
    headers = {k: v for k, v in (("X-RateLimit-Limit", limit), ("X-RateLimit-Remaining", remaining)) if v is not None}
    assert parse_limit(httpx.Headers(headers)) == expected


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def headers(limit: int, remaining: int) -> httpx.Headers:
    return httpx.Headers({"X-RateLimit-Limit": f"{limit}, {limit};window=60", "X-RateLimit-Remaining": str(remaining)})


def test_without_headers_nothing_waits_after_the_probe() -> None:
    async def go() -> float:
        fake = FakeTime()
        bucket = TokenBucket(clock=fake.clock, sleep=fake.sleep)
        probe = await bucket.acquire()
        bucket.observe(probe, None)
        for _ in range(500):
            bucket.observe(await bucket.acquire(), httpx.Headers())
        return fake.slept

    assert asyncio.run(go()) == 0.0


def test_only_one_request_goes_out_before_the_first_answer() -> None:
    async def go() -> list[str]:
        bucket = TokenBucket()
        order: list[str] = []

        async def send(name: str) -> None:
            ticket = await bucket.acquire()
            order.append(f"start {name}")
            await asyncio.sleep(0.01)
            order.append(f"end {name}")
            bucket.observe(ticket, None)

        await asyncio.gather(send("a"), send("b"), send("c"))
        return order

    order = asyncio.run(go())
    assert order[:2] == ["start a", "end a"]  # the probe's answer arrives before anything else leaves


@pytest.mark.parametrize(("limit", "count"), [(1200, 40), (600, 30), (6000, 200)])
def test_an_empty_server_bucket_paces_at_the_refill_rate(limit: int, count: int) -> None:
    async def go() -> float:
        fake = FakeTime()
        bucket = TokenBucket(clock=fake.clock, sleep=fake.sleep)
        bucket.observe(await bucket.acquire(), headers(limit, 0))
        for _ in range(count):
            await bucket.acquire()
        return fake.slept

    assert asyncio.run(go()) == pytest.approx(count / (limit / 60), rel=0.01)


def test_a_full_server_bucket_does_not_wait() -> None:
    async def go() -> float:
        fake = FakeTime()
        bucket = TokenBucket(clock=fake.clock, sleep=fake.sleep)
        bucket.observe(await bucket.acquire(), headers(1200, 1199))
        for _ in range(1000):
            await bucket.acquire()
        return fake.slept

    assert asyncio.run(go()) == 0.0


@given(st.floats(min_value=-5, max_value=50), st.integers(min_value=0, max_value=40), st.integers(0, 10))
def test_an_answer_reanchors_the_estimate_within_the_servers_floor(local: float, remaining: int, later: int) -> None:
    async def go() -> float:
        fake = FakeTime()
        bucket = TokenBucket(clock=fake.clock, sleep=fake.sleep)
        bucket.observe(await bucket.acquire(), headers(60_000, 10_000))
        ticket = await bucket.acquire()
        for _ in range(later):  # other requests in flight, perhaps not yet counted by the server
            await bucket.acquire()
        bucket.tokens = local
        bucket.observe(ticket, headers(60_000, remaining))
        return bucket.tokens

    tokens = asyncio.run(go())
    assert remaining - later <= tokens < remaining - later + 1


def test_a_stale_answer_is_ignored() -> None:
    async def go() -> float:
        fake = FakeTime()
        bucket = TokenBucket(clock=fake.clock, sleep=fake.sleep)
        bucket.observe(await bucket.acquire(), headers(1200, 0))
        old, new = await bucket.acquire(), await bucket.acquire()
        bucket.observe(new, headers(1200, 500))
        bucket.observe(old, headers(1200, 0))  # arrived late, describes an earlier state
        return bucket.tokens

    assert asyncio.run(go()) >= 499


class SimulatedServer:
    """A token-bucket API like incident.io's (refill limit/60 per second), with latency; counts 429s.

    Its time is the event loop's: run under a fake-time loop (`fake_time`), the test's figures are exact and do not
    depend on how busy the machine is.
    """

    def __init__(self, per_minute: int, initial: float, latency: float) -> None:
        self.limit = per_minute
        self.rate = per_minute / 60
        self.tokens = initial
        self.stamp: float | None = None
        self.latency = latency
        self.statuses: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        loop = asyncio.get_running_loop()
        if self.stamp is None:
            self.stamp = loop.time()
        await asyncio.sleep(self.latency / 2)
        now = loop.time()
        self.tokens = min(self.limit, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        allowed = self.tokens >= 1
        if allowed:
            self.tokens -= 1
        rate_headers = {
            "X-RateLimit-Limit": f"{self.limit}, {self.limit};window=60",
            "X-RateLimit-Remaining": str(math.floor(self.tokens)),
        }
        await asyncio.sleep(self.latency / 2)
        self.statuses.append(200 if allowed else 429)
        if allowed:
            return httpx.Response(200, json={"ok": True}, headers=rate_headers)
        return httpx.Response(429, json={}, headers={**rate_headers, "Retry-After": "1"})


async def _burst(server: SimulatedServer, count: int, max_in_flight: int) -> float:
    policy = RetryPolicy(min_retry_after=0.05)
    loop = asyncio.get_running_loop()
    async with IncidentIO(
        "https://api.example.test",
        "k-1234",
        transport=httpx.MockTransport(server),
        retry=policy,
        max_in_flight=max_in_flight,
    ) as api:
        started = loop.time()
        await asyncio.gather(*(api.request("GET", f"/v2/alert_routes/{i}") for i in range(count)))
        return loop.time() - started


def fake_time(coro: Any) -> Any:
    """Run `coro` on an event loop whose clock is fake: every sleep ends at once, and time moves by its length."""
    loop = looptime.new_event_loop(start=0)
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


@pytest.mark.parametrize("max_in_flight", [32, DEFAULT_MAX_IN_FLIGHT, 2 * DEFAULT_MAX_IN_FLIGHT])
def test_an_empty_bucket_is_drained_at_its_rate_with_almost_no_429s(max_in_flight: int) -> None:
    # More requests in flight must not mean more 429s: the bucket, not the concurrency, sets the pace.
    server = SimulatedServer(per_minute=12_000, initial=0.0, latency=0.005)  # 200/s, starting empty
    elapsed = fake_time(_burst(server, 300, max_in_flight=max_in_flight))
    floor = 300 / 200
    assert server.statuses.count(429) <= 3, server.statuses.count(429)  # ≤ 1 %
    assert elapsed <= 1.2 * floor + 0.1


def test_a_full_bucket_runs_at_the_in_flight_limit() -> None:
    server = SimulatedServer(per_minute=1200, initial=1200.0, latency=0.02)
    elapsed = fake_time(_burst(server, 320, max_in_flight=32))
    assert server.statuses.count(429) == 0
    assert elapsed < 0.02 * 320 / 32 * 3  # ≈ 0.2 s of latency-bound work; far from the 16 s of pacing at 20/s
