"""Auth, scopes and the per-key token bucket with incident.io's rate-limit headers."""

from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime

import httpx
import pytest

from reconciler.emulator import ALL_SCOPES, EXAMPLE_KEYS, READ_SCOPES, EmulatorSettings
from tests.emulator_helpers import ADMIN, NO_SEVERITIES, READONLY, in_process, route_payload


def _get(
    path: str, headers: dict[str, str], settings: EmulatorSettings | None = None, times: int = 1
) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with in_process(settings=settings) as (client, _app):
            return [await client.get(path, headers=headers) for _ in range(times)]

    return asyncio.run(run())


def test_missing_key_is_401_missing_authorization_material() -> None:
    (response,) = _get("/v2/alert_routes", {})
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "authentication_error" and body["status"] == 401
    assert body["errors"][0]["code"] == "missing_authorization_material"
    assert "X-RateLimit-Limit" not in response.headers  # not key-authenticated


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Basic ZXhhbXBsZS1hZG1pbg==", "example-admin"])
def test_unknown_or_malformed_key_is_401_and_never_echoed(header: str) -> None:
    (response,) = _get("/v2/alert_routes", {"Authorization": header})
    assert response.status_code == 401
    assert "nope" not in response.text and "example-admin" not in response.text


def test_scopes_gate_endpoints() -> None:
    assert _get("/v1/severities", NO_SEVERITIES)[0].status_code == 403
    assert _get("/v1/severities", READONLY)[0].status_code == 200
    assert _get("/v2/alert_routes", NO_SEVERITIES)[0].status_code == 200

    async def write_readonly() -> list[int]:
        async with in_process() as (client, _app):
            route = "/v2/alert_routes/01JQ3ZROUTE000000000000006"
            return [
                (await client.post("/v2/alert_routes", headers=READONLY, json=route_payload("x"))).status_code,
                (await client.put(route, headers=READONLY, json=route_payload("x", version=2))).status_code,
                (await client.delete(route, headers=READONLY)).status_code,
            ]

    assert asyncio.run(write_readonly()) == [403, 403, 403]


def test_example_keys_are_published_with_their_scopes() -> None:
    assert set(EXAMPLE_KEYS["example-admin"]) == set(ALL_SCOPES)
    assert set(EXAMPLE_KEYS["example-readonly"]) == set(READ_SCOPES)
    assert set(EXAMPLE_KEYS["example-no-severities"]) == set(ALL_SCOPES) - {"severities.view"}
    identity = _get("/v1/identity", READONLY)[0].json()["identity"]
    assert identity["name"] == "Example read-only key" and identity["roles"] == ["viewer"]


def test_rate_limit_headers_count_down() -> None:
    responses = _get("/v1/severities", ADMIN, times=3)
    assert [r.headers["X-RateLimit-Limit"] for r in responses] == ["1200, 1200;window=60"] * 3
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in responses]
    assert remaining == [1199, 1198, 1197] or remaining[0] > remaining[-1]  # refill may add a token meanwhile
    assert all(int(r.headers["X-RateLimit-Used"]) + int(r.headers["X-RateLimit-Remaining"]) == 1200 for r in responses)
    assert all(int(r.headers["X-RateLimit-Reset"]) > 1_700_000_000 for r in responses)


def test_buckets_are_per_key_and_429_says_when_to_retry_in_seconds() -> None:
    settings = EmulatorSettings(rate_limit_per_minute=60, rate_limit_initial_tokens=2)

    async def run() -> tuple[list[httpx.Response], httpx.Response]:
        async with in_process(settings=settings) as (client, _app):
            admin = [await client.get("/v1/severities", headers=ADMIN) for _ in range(3)]
            other = await client.get("/v1/severities", headers=READONLY)
            return admin, other

    admin, other = asyncio.run(run())
    assert [r.status_code for r in admin] == [200, 200, 429]
    assert other.status_code == 200  # its own bucket
    limited = admin[2]
    assert limited.headers["Retry-After"] == "1"  # 1 token/s refill
    body = limited.json()
    assert body["type"] == "too_many_requests" and body["errors"][0]["code"] == "too_many_requests"
    assert body["rate_limit"]["name"] == "Example admin key" and body["rate_limit"]["remaining"] == 0
    assert body["rate_limit"]["retry_after"].endswith("Z")


def test_retry_after_can_be_an_http_date() -> None:
    settings = EmulatorSettings(rate_limit_initial_tokens=0, retry_after_format="http-date")
    (response,) = _get("/v1/severities", ADMIN, settings)
    assert response.status_code == 429
    assert parsedate_to_datetime(response.headers["Retry-After"]).tzinfo is not None
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_rate_limit_can_be_switched_off() -> None:
    settings = EmulatorSettings(rate_limit_enabled=False, rate_limit_initial_tokens=0)
    (response,) = _get("/v1/severities", ADMIN, settings)
    assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
