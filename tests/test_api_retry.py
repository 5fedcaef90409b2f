"""The retry matrix (RELIABILITY.md §1.4): what the client retries, how long it waits, and what it raises."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.api import (
    Forbidden,
    IncidentIO,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportFailure,
    Unauthorized,
    ValidationFailed,
    VersionConflict,
)
from reconciler.api.retry import parse_retry_after, should_retry

NOW = datetime(2025, 4, 17, 11, 17, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def http_date(when: datetime, zone: str) -> str:
    return format_datetime(when, usegmt=True).replace("GMT", zone)


class Sleeps:
    """An injected sleep: records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run(handler: Handler, method: str, path: str = "/v2/alert_routes/R1", **policy: Any) -> tuple[Any, IncidentIO]:
    """Send one request through a client over `handler`; return (result or raised error, client)."""
    sleeps = Sleeps()
    client = IncidentIO(
        "https://api.example.test",
        "test-key",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(sleep=sleeps, **policy),
    )
    client.sleeps = sleeps  # type: ignore[attr-defined]

    async def go() -> Any:
        async with client:
            try:
                return await client.request(method, path, json={} if method in ("POST", "PUT") else None)
            except Exception as exc:
                return exc

    return asyncio.run(go()), client


def always(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body if body is not None else {"errors": []}, headers=headers)

    return handler


def sequence(*responses: httpx.Response | Exception) -> Handler:
    """Answer with each response in turn (the last one repeats); an exception is raised as a transport failure."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


# R8: the Retry-After table. Expected waits after the 1–60 s clamp.
R8 = [
    ({"Retry-After": "120"}, None, 60.0),
    ({"Retry-After": "0"}, None, 1.0),
    ({"Retry-After": "-1"}, None, 1.0),
    ({"Retry-After": "7"}, None, 7.0),
    ({"Retry-After": http_date(NOW + timedelta(seconds=5), "UTC")}, None, 5.0),
    ({"Retry-After": http_date(NOW + timedelta(seconds=9), "GMT")}, None, 9.0),
    ({"Retry-After": http_date(NOW - timedelta(hours=1), "GMT")}, None, 1.0),  # a past date
    ({"Retry-After": http_date(NOW + timedelta(hours=2), "UTC")}, None, 60.0),  # +2 h
    ({}, {"rate_limit": {"retry_after": (NOW + timedelta(seconds=12)).isoformat().replace("+00:00", "Z")}}, 12.0),
    ({}, {"rate_limit": {"retry_after": http_date(NOW + timedelta(seconds=3), "UTC")}}, 3.0),
    ({"Retry-After": "soon"}, {"rate_limit": {"retry_after": http_date(NOW + timedelta(seconds=4), "UTC")}}, 4.0),
]


@pytest.mark.parametrize(("headers", "body", "expected"), R8)
def test_retry_after_table_is_parsed_and_clamped(headers: dict[str, str], body: Any, expected: float) -> None:
    seconds = parse_retry_after(httpx.Headers(headers), body, now=NOW)
    assert seconds is not None
    assert RetryPolicy().clamp(seconds) == pytest.approx(expected)


@pytest.mark.parametrize("header", ["soon", "", "Thu, 99 Foo 2025", "1e999999x"])
def test_garbage_retry_after_falls_back_to_backoff_within_the_clamp(header: str) -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": header}), {"rate_limit": {}}, now=NOW) is None
    result, client = run(sequence(httpx.Response(429, headers={"Retry-After": header}), httpx.Response(200)), "GET")
    assert result is None
    assert len(client.sleeps.waits) == 1  # type: ignore[attr-defined]
    assert 1.0 <= client.sleeps.waits[0] <= 60.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_429_is_retried_for_every_method_after_retry_after(method: str) -> None:
    handler = sequence(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={"ok": True}))
    result, client = run(handler, method)
    assert result == {"ok": True}
    assert client.sleeps.waits == [3.0]  # type: ignore[attr-defined]
    assert [(r.status, r.attempt) for r in client.request_log] == [(429, 1), (200, 2)]


def test_429_forever_raises_rate_limited_after_the_attempts() -> None:
    result, client = run(always(429, headers={"Retry-After": "2"}), "GET")
    assert isinstance(result, RateLimited)
    assert result.retry_after == 2.0
    assert len(client.request_log) == 5


def test_the_sleep_budget_stops_retries_early() -> None:
    result, client = run(always(429, headers={"Retry-After": "60"}), "GET", max_total_sleep=100.0)
    assert isinstance(result, RateLimited)
    assert client.sleeps.waits == [60.0]  # type: ignore[attr-defined]  # a second 60 s would exceed 100 s
    assert len(client.request_log) == 2


# R9: never retried.
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"errors": [{"code": "bad_request", "message": "nope"}]}, ValidationFailed),
        (401, {"type": "authentication_error", "errors": [{"code": "missing_authorization_material"}]}, Unauthorized),
        (403, {"type": "resource_forbidden", "errors": [{"code": "api_not_yet_available"}]}, Forbidden),
        (404, {"errors": [{"code": "not_found", "message": "no such route"}]}, NotFound),
        (409, {"type": "conflict"}, VersionConflict),
        (412, {}, VersionConflict),
        (422, {"errors": [{"code": "invalid_value", "source": {"field": "version"}}]}, VersionConflict),
        (
            422,
            {"errors": [{"code": "is_required", "message": "name is required", "source": {"field": "name"}}]},
            ValidationFailed,
        ),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_client_errors_take_exactly_one_attempt(status: int, body: Any, error: type, method: str) -> None:
    result, client = run(always(status, body), method)
    assert type(result) is error
    assert result.status == status
    assert result.ambiguous is False
    assert len(client.request_log) == 1
    assert client.sleeps.waits == []  # type: ignore[attr-defined]


def test_validation_error_names_the_field_and_the_api_message() -> None:
    body = {
        "request_id": "req-1",
        "errors": [{"code": "is_required", "message": "name is required", "source": {"field": "name"}}],
    }
    result, _ = run(always(422, body), "POST", "/v2/alert_routes")
    assert isinstance(result, ValidationFailed)
    assert (result.code, result.field, result.request_id) == ("is_required", "name", "req-1")
    assert str(result) == (
        "incident.io rejected POST /v2/alert_routes (422, is_required) (field name): "
        "name is required (request id req-1)"
    )


def test_messages_say_what_to_do() -> None:
    unauthorized, _ = run(always(401), "GET", "/v1/severities")
    assert "invalid or revoked" in str(unauthorized) and "Settings > API keys" in str(unauthorized)
    server, _ = run(always(503), "GET", "/v1/severities")
    assert "status.incident.io" in str(server) and "503" in str(server)


def test_5xx_on_get_is_retried_with_jitter_then_succeeds() -> None:
    result, client = run(sequence(httpx.Response(502), httpx.Response(503), httpx.Response(200, json=[1])), "GET")
    assert result == [1]
    assert [r.status for r in client.request_log] == [502, 503, 200]
    first, second = client.sleeps.waits  # type: ignore[attr-defined]
    assert 0 <= first <= 0.5 and 0 <= second <= 1.0


def test_5xx_on_get_gives_up_after_five_attempts() -> None:
    result, client = run(always(500), "GET")
    assert isinstance(result, ServerError) and result.ambiguous is False
    assert [r.attempt for r in client.request_log] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_a_write_is_not_retried_and_is_ambiguous(method: str, status: int) -> None:
    result, client = run(always(status), method)
    assert isinstance(result, ServerError)
    assert result.ambiguous is True
    assert len(client.request_log) == 1


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_connect_errors_are_retried_for_every_method(method: str) -> None:
    handler = sequence(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.Response(200, json={}))
    result, client = run(handler, method)
    assert result == {}
    assert [r.status for r in client.request_log] == [0, 0, 200]


def test_connect_errors_forever_raise_an_unambiguous_transport_failure() -> None:
    result, client = run(sequence(httpx.ConnectError("refused")), "POST")
    assert isinstance(result, TransportFailure)
    assert (result.sent, result.ambiguous, result.status) == (False, False, 0)
    assert len(client.request_log) == 5
    assert str(result).startswith("could not reach incident.io for POST /v2/alert_routes/R1")


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.RemoteProtocolError("eof")]
)
def test_a_failure_after_sending_is_retried_for_get(failure: Exception) -> None:
    result, client = run(sequence(failure, httpx.Response(200, json={"a": 1})), "GET")
    assert result == {"a": 1}
    assert len(client.request_log) == 2


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.WriteTimeout("w")])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_failure_after_sending_a_write_is_ambiguous_and_not_retried(failure: Exception, method: str) -> None:
    result, client = run(sequence(failure, httpx.Response(200)), method)
    assert isinstance(result, TransportFailure)
    assert (result.sent, result.ambiguous) == (True, True)
    assert len(client.request_log) == 1
    assert "unknown whether it was applied" in str(result)


def test_a_success_body_that_is_not_json_is_a_server_error() -> None:
    result, client = run(sequence(httpx.Response(200, text="<html>"), httpx.Response(200, json={})), "GET")
    assert result == {}  # a GET retries it
    assert len(client.request_log) == 2


def test_204_returns_none() -> None:
    result, _ = run(sequence(httpx.Response(204)), "DELETE")
    assert result is None


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_clamp_always_lands_in_bounds(seconds: float) -> None:
    policy = RetryPolicy()
    assert 1.0 <= policy.clamp(seconds) <= 60.0


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_is_full_jitter_under_the_cap(attempt: int) -> None:
    policy = RetryPolicy()
    assert 0.0 <= policy.backoff(attempt) <= min(30.0, 0.5 * 2 ** min(attempt - 1, 60))


@given(st.sampled_from(["GET", "POST", "PUT", "DELETE"]), st.booleans(), st.integers(500, 599))
def test_should_retry_never_resends_a_write_that_may_have_landed(method: str, sent: bool, status: int) -> None:
    transport = TransportFailure("x", sent=sent, method=method, path="/p")
    server = ServerError("x", method=method, path="/p", status=status)
    if method != "GET":
        assert should_retry(method, transport) is (not sent)
        assert should_retry(method, server) is False
        assert server.ambiguous and transport.ambiguous is sent
    else:
        assert should_retry(method, transport) is True
        assert not server.ambiguous and not transport.ambiguous
