"""The emulator's gateway limits: bodies over 1 MiB get 413 and JSON nested too deeply gets the endpoint's
invalid-JSON answer, on every endpoint that reads a body, in the error envelope, and never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator import create_app, serve_in_thread
from reconciler.emulator.body import MAX_BODY_BYTES, MAX_JSON_DEPTH, TooDeep, loads
from reconciler.emulator.settings import EmulatorSettings

ADMIN = {"Authorization": "Bearer example-admin"}
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    app = create_app(settings=EmulatorSettings(rate_limit_enabled=False))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, headers=ADMIN, timeout=30) as http:
        yield http


def _endpoints(client: httpx.Client) -> list[tuple[str, str, int]]:
    """Every endpoint that reads a body: method, path, and the status it gives invalid (or too deep) JSON."""
    route_id = client.get("/v2/alert_routes").json()["alert_routes"][0]["id"]
    [incident_id] = client.post("/_emulator/incidents/bulk", json={"count": 1}).json()["ids"]
    return [
        ("POST", "/v2/alert_routes", 422),
        ("PUT", f"/v2/alert_routes/{route_id}", 422),
        ("POST", "/v2/incidents", 422),
        ("POST", f"/v2/incidents/{incident_id}/actions/edit", 422),
        ("POST", "/_emulator/faults", 400),
        ("POST", "/_emulator/rate_limit", 400),
        ("POST", "/_emulator/routes/bulk", 400),
        ("POST", "/_emulator/incidents/bulk", 400),
    ]


def _envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "status", "request_id", "errors"}
    assert body["status"] == status
    [error] = body["errors"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    return error


def _chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length), as a client streaming it would."""
    sent = 0
    while sent < total:
        chunk = b" " * min(size, total - sent)
        sent += len(chunk)
        yield chunk


@pytest.mark.slow
def test_every_body_endpoint_refuses_deep_and_oversized_bodies(client: httpx.Client) -> None:
    statuses: list[int] = []
    for method, path, invalid_json in _endpoints(client):
        deep = client.request(method, path, content=DEEP, headers={"Content-Type": "application/json"})
        error = _envelope(deep, invalid_json)
        assert f"nested at most {MAX_JSON_DEPTH} levels deep" in error["message"]

        declared = client.request(method, path, content=b" " * (MAX_BODY_BYTES + 1))
        assert _envelope(declared, 413) == {
            "code": "request_too_large",
            "message": "the request body is larger than 1024 KiB",
        }
        assert declared.headers["connection"] == "close"

        chunked = client.request(method, path, content=_chunks(50 * MAX_BODY_BYTES))
        assert _envelope(chunked, 413)["code"] == "request_too_large"
        statuses += [deep.status_code, declared.status_code, chunked.status_code]
    assert len(statuses) == 24 and max(statuses) < 500


@pytest.mark.slow
def test_a_body_of_exactly_the_limit_is_read(client: httpx.Client) -> None:
    """The cap is inclusive: 1 MiB is parsed (and refused for what it says, not for its size)."""
    name = "x" * (MAX_BODY_BYTES - len(b'{"name":""}'))
    body = json.dumps({"name": name}, separators=(",", ":")).encode()
    assert len(body) == MAX_BODY_BYTES
    for content in (body, _chunks(MAX_BODY_BYTES)):
        response = client.post("/v2/alert_routes", content=content)
        assert response.status_code == 422, response.text[:300]


def test_the_api_log_records_the_refusals_and_no_500(client: httpx.Client) -> None:
    client.post("/v2/alert_routes", content=DEEP)
    client.post("/v2/alert_routes", content=_chunks(2 * MAX_BODY_BYTES))
    log = client.get("/_emulator/requests").json()["requests"]
    assert {422, 413} <= {entry["status"] for entry in log}
    assert all(entry["status"] is None or entry["status"] < 500 for entry in log)


# --- the parser -----------------------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(alphabet=st.sampled_from('[]{}"\\ab\n'), max_size=8),  # brackets inside strings do not nest
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=12,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=_VALUES, wrap=st.integers(0, 2 * MAX_JSON_DEPTH), as_object=st.booleans())
def test_loads_refuses_exactly_the_bodies_nested_too_deeply(value: Any, wrap: int, as_object: bool) -> None:
    for _ in range(wrap):
        value = {"k": value} if as_object else [value]
    raw = json.dumps(value).encode()
    if _depth(value) > MAX_JSON_DEPTH:
        with pytest.raises(TooDeep):
            loads(raw)
    else:
        assert loads(raw) == value


@pytest.mark.parametrize("raw", [DEEP, b'{"a":' * 100_000, b"[" * 100_000, b'[{"a": [' * 40_000])
def test_loads_refuses_deep_input_before_parsing_it(raw: bytes) -> None:
    """Unbalanced or not, deep input is TooDeep (a ValueError), never a RecursionError from json.loads."""
    with pytest.raises(TooDeep):
        loads(raw)


def test_brackets_inside_strings_do_not_count() -> None:
    raw = b'["' + b"[" * 100_000 + b'\\\\", "{\\"["]'  # an escaped backslash, then an escaped quote
    assert loads(raw) == ["[" * 100_000 + "\\", '{"[']
