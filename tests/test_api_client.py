"""The incident.io client over fake transports: auth, read-only, pagination, the pipelined route read, secrets."""

from __future__ import annotations

import asyncio
import base64
import secrets
import traceback
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.api import ApiError, IncidentIO, ReadOnlyViolation, RetryPolicy


async def _no_sleep(_: float) -> None:
    return None


FAST = RetryPolicy(sleep=_no_sleep)


class FakeRoutes:
    """A fake alert-routes API: cursor pages of slim routes (full last page → cursor → empty page), GET by id."""

    def __init__(self, count: int, *, missing: frozenset[str] = frozenset(), delay: float = 0.0) -> None:
        self.ids = [f"R{i:05d}" for i in range(count)]
        self.missing = missing  # listed, but 404 on GET (deleted in between)
        self.delay = delay
        self.events: list[str] = []
        self.headers: list[httpx.Headers] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(request.headers)
        path = request.url.path
        if path == "/v2/alert_routes":
            size = int(request.url.params["page_size"])
            after = request.url.params.get("after")
            start = self.ids.index(after) + 1 if after else 0
            page = self.ids[start : start + size]
            self.events.append(f"list:{after}")
            meta: dict[str, Any] = {"page_size": size}
            if len(page) == size:  # the API only hands back a cursor while pages are full
                meta["after"] = page[-1]
            await asyncio.sleep(self.delay)
            self.events.append(f"listed:{after}")
            slim = [{"id": i, "name": f"route {i}", "enabled": True} for i in page]
            return httpx.Response(200, json={"alert_routes": slim, "pagination_meta": meta})
        route_id = path.rsplit("/", 1)[1]
        self.events.append(f"get:{route_id}")
        # Later routes answer sooner, so completion order differs from list order.
        await asyncio.sleep(self.delay * (1 + (len(self.ids) - self.ids.index(route_id)) % 3))
        if route_id in self.missing:
            return httpx.Response(404, json={"errors": [{"code": "not_found"}]})
        return httpx.Response(200, json={"alert_route": {"id": route_id, "version": 3, "name": f"route {route_id}"}})


def client_for(handler: Any, **kwargs: Any) -> IncidentIO:
    """A client over `handler`; it speaks the v2 alert-route API unless told `route_api`."""
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("route_api", "v2")
    return IncidentIO("https://api.example.test", "test-key-1234", transport=httpx.MockTransport(handler), **kwargs)


def run(client: IncidentIO, call: Callable[[IncidentIO], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with client:
            return await call(client)

    return asyncio.run(go())


def test_every_request_carries_the_bearer_key_and_is_logged() -> None:
    fake = FakeRoutes(3)
    client = client_for(fake)
    run(client, lambda api: api.get_alert_route("R00001"))
    assert fake.headers[0]["authorization"] == "Bearer test-key-1234"
    assert fake.headers[0]["accept"] == "application/json"
    [record] = client.request_log
    assert (record.method, record.path, record.status, record.attempt) == ("GET", "/v2/alert_routes/R00001", 200, 1)


@pytest.mark.parametrize(
    ("count", "requests"),
    [(0, 1), (1, 1), (49, 1), (50, 2), (51, 2), (100, 3), (120, 3)],
)
def test_pagination_follows_the_cursor_through_a_full_last_page(count: int, requests: int) -> None:
    fake = FakeRoutes(count)
    client = client_for(fake)
    slim = run(client, lambda api: api.list_alert_routes())
    assert [r["id"] for r in slim] == fake.ids
    # A full last page still carries a cursor, so the walk ends on an extra empty page.
    assert len(client.request_log) == requests == count // 50 + 1


def test_a_repeated_cursor_is_an_error_not_a_loop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"alert_routes": [{"id": "A"}], "pagination_meta": {"after": "A"}})

    with pytest.raises(ApiError, match="repeated a page cursor"):
        run(client_for(handler), lambda api: api.list_alert_routes())


def test_an_unexpected_body_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"something": []})

    with pytest.raises(ApiError, match="answered GET /v1/severities without 'severities'"):
        run(client_for(handler), lambda api: api.list_severities())


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=180), st.sets(st.integers(min_value=0, max_value=179), max_size=5))
def test_read_all_returns_full_routes_in_list_order(count: int, gone: set[int]) -> None:
    missing = frozenset(f"R{i:05d}" for i in gone if i < count)
    fake = FakeRoutes(count, missing=missing)
    progress: list[tuple[int, int]] = []
    client = client_for(fake, on_progress=lambda done, total: progress.append((done, total)))
    routes = run(client, lambda api: api.read_all_alert_routes())
    assert [r["id"] for r in routes] == [i for i in fake.ids if i not in missing]
    assert all(r["version"] == 3 for r in routes)
    assert len(client.request_log) == count // 50 + 1 + count
    assert progress[-1] == (count, count)
    assert all(done <= total for done, total in progress)


def test_read_all_starts_the_gets_of_a_page_before_the_next_page_arrives() -> None:
    fake = FakeRoutes(120, delay=0.01)
    run(client_for(fake), lambda api: api.read_all_alert_routes())
    second_page_answered = fake.events.index("listed:R00049")
    assert any(e.startswith("get:") for e in fake.events[:second_page_answered])


def test_read_all_fails_fast_and_leaves_no_task_behind() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/alert_routes":
            slim = [{"id": f"R{i}"} for i in range(10)]
            return httpx.Response(200, json={"alert_routes": slim, "pagination_meta": {}})
        if request.url.path.endswith("R3"):
            return httpx.Response(403, json={"errors": [{"code": "forbidden", "message": "no"}]})
        return httpx.Response(200, json={"alert_route": {"id": "x"}})

    with pytest.raises(ApiError, match="403"):
        run(client_for(handler), lambda api: api.read_all_alert_routes())


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda api: api.create_alert_route({"name": "x"}), "POST"),
        (lambda api: api.update_alert_route("R1", {"version": 2}), "PUT"),
        (lambda api: api.delete_alert_route("R1"), "DELETE"),
        (lambda api: api.request("PATCH", "/v2/x"), "PATCH"),
    ],
)
def test_a_read_only_client_sends_no_write(call: Callable[[IncidentIO], Awaitable[Any]], method: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"alert_route": {}})

    client = client_for(handler, read_only=True)
    with pytest.raises(ReadOnlyViolation, match=f"refused to send {method}") as caught:
        run(client, call)
    assert sent == [] and client.request_log == []
    assert caught.value.status == 0


def test_the_read_only_guard_also_sits_in_the_transport() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = client_for(handler, read_only=True)
    # Bypass `request()` on purpose: even a request handed straight to the transport cannot be a write.
    with pytest.raises(ReadOnlyViolation):
        run(client, lambda api: api.send(api.build("POST", "/v2/alert_routes", body={})))
    assert sent == []
    assert run(client_for(handler, read_only=True), lambda api: api.request("GET", "/v1/identity")) == {}


def test_writes_send_the_payload_and_unwrap_the_route() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.raw_path.decode(), request.content))
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(201 if request.method == "POST" else 200, json={"alert_route": {"id": "R9"}})

    async def calls(api: IncidentIO) -> list[Any]:
        return [
            await api.create_alert_route({"name": "a"}),
            await api.update_alert_route("R9", {"name": "a", "version": 4}),
            await api.delete_alert_route("../R9"),
        ]

    assert run(client_for(handler), calls) == [{"id": "R9"}, {"id": "R9"}, None]
    assert [(m, p) for m, p, _ in seen] == [
        ("POST", "/v2/alert_routes"),
        ("PUT", "/v2/alert_routes/R9"),
        ("DELETE", "/v2/alert_routes/..%2FR9"),  # an id is one path segment, never a traversal
    ]
    assert b'"version":4' in seen[1][2].replace(b" ", b"")


def _versions(v3: httpx.Response | None) -> tuple[list[str], Callable[[httpx.Request], httpx.Response]]:
    """A handler whose v3 route list answers `v3` (or a page), and whose v2 one always answers a page."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = request.url.query.decode()
        seen.append(f"{request.method} {request.url.path}" + (f"?{query}" if query else ""))
        if request.url.path.startswith("/v3/") and v3 is not None:
            return v3
        if request.method == "GET" and request.url.path.endswith("/alert_routes"):
            return httpx.Response(200, json={"alert_routes": [{"id": "R1", "name": "a"}], "pagination_meta": {}})
        return httpx.Response(200, json={"alert_route": {"id": "R1", "version": 2}})

    return seen, handler


NOT_MIGRATED = httpx.Response(
    403, json={"type": "resource_forbidden", "status": 403, "errors": [{"code": "api_not_yet_available"}]}
)


@pytest.mark.parametrize(
    ("v3", "version", "notice"),
    [
        (None, "v3", []),
        (NOT_MIGRATED, "v2", ["incident.io has no v3 alert-route API for this organisation yet (403 "
                              "api_not_yet_available): using v2."]),
        (httpx.Response(404, json={"errors": [{"code": "not_found"}]}), "v2",
         ["incident.io has no v3 alert-route API for this organisation yet (404): using v2."]),
    ],
    ids=["v3", "not-migrated", "no-v3"],
)  # fmt: skip
def test_auto_speaks_v3_unless_the_organisation_has_none(
    v3: httpx.Response | None, version: str, notice: list[str]
) -> None:
    seen, handler = _versions(v3)
    notices: list[str] = []
    client = client_for(handler, route_api="auto", on_notice=notices.append)

    async def calls(api: IncidentIO) -> list[Any]:
        return [await api.list_alert_routes(), await api.get_alert_route("R1")]

    assert run(client, calls) == [[{"id": "R1", "name": "a"}], {"id": "R1", "version": 2}]
    assert client.route_version == version and notices == notice  # said once, then remembered
    probe = ["GET /v3/alert_routes?page_size=50"] if version == "v2" else []
    assert seen == [*probe, f"GET /{version}/alert_routes?page_size=50", f"GET /{version}/alert_routes/R1"]


def test_a_write_first_finds_the_version_with_one_small_list() -> None:
    seen, handler = _versions(NOT_MIGRATED)
    client = client_for(handler, route_api="auto")
    run(client, lambda api: api.update_alert_route("R1", {"version": 2}))
    assert seen == [
        "GET /v3/alert_routes?page_size=1",
        "GET /v2/alert_routes?page_size=1",
        "PUT /v2/alert_routes/R1",
    ]


def test_another_403_from_v3_is_an_error_not_a_fallback() -> None:
    forbidden = httpx.Response(403, json={"errors": [{"code": "forbidden", "message": "no"}]})
    seen, handler = _versions(forbidden)
    with pytest.raises(ApiError, match="403"):
        run(client_for(handler, route_api="auto"), lambda api: api.list_alert_routes())
    assert seen == ["GET /v3/alert_routes?page_size=50"]


LOOKUPS = [
    ("list_alert_sources", "/v2/alert_sources", "alert_sources"),
    ("list_alert_attributes", "/v2/alert_attributes", "alert_attributes"),
    ("list_severities", "/v1/severities", "severities"),
    ("list_incident_statuses", "/v1/incident_statuses", "incident_statuses"),
    ("list_incident_types", "/v1/incident_types", "incident_types"),
    ("list_custom_fields", "/v2/custom_fields", "custom_fields"),
]
PAGED = [
    ("list_escalation_paths", "/v2/escalation_paths", "escalation_paths", 25),
    ("list_users", "/v2/users", "users", 250),
    ("list_teams", "/v3/teams", "teams", 250),
]


@pytest.mark.parametrize(("method", "path", "key"), LOOKUPS)
def test_lookups_unwrap_their_list(method: str, path: str, key: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == path
        return httpx.Response(200, json={key: [{"id": "X", "name": "x"}]})

    assert run(client_for(handler), lambda api: getattr(api, method)()) == [{"id": "X", "name": "x"}]


@pytest.mark.parametrize(("method", "path", "key", "size"), PAGED)
def test_paginated_lookups_use_their_page_size(method: str, path: str, key: str, size: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == path and request.url.params["page_size"] == str(size)
        after = request.url.params.get("after")
        items = [] if after else [{"id": f"{key}{i}"} for i in range(size)]
        meta = {"page_size": size, **({"after": items[-1]["id"]} if items else {})}
        return httpx.Response(200, json={key: items, "pagination_meta": meta})

    client = client_for(handler)
    assert len(run(client, lambda api: getattr(api, method)())) == size
    assert len(client.request_log) == 2


def test_identity() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"identity": {"name": "ci key", "roles": ["viewer"]}})

    assert run(client_for(handler), lambda api: api.identity()) == {"name": "ci key", "roles": ["viewer"]}


# S7: the secret canary. Every error path, including responses that echo the request and httpx exceptions
# whose text carries the key, must come out without it, raw, Base64 or URL-encoded.
CANARY = f"inc_canary_{secrets.token_hex(8)}/+="
FORMS = [CANARY, quote(CANARY, safe=""), base64.b64encode(CANARY.encode()).decode()]


def _echo(status: int) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        key = auth.removeprefix("Bearer ")
        said = f"{auth} {quote(key, safe='')} {base64.b64encode(key.encode()).decode()}"
        body = {
            "type": "echo",
            "request_id": said,
            "errors": [{"code": said, "message": f"you sent {said}", "source": {"field": said}}],
            "rate_limit": {"retry_after": said},
        }
        return httpx.Response(status, json=body, headers={"Retry-After": said, "X-Request-Id": said})

    return handler


def _raises(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


CANARY_HANDLERS = [_echo(status) for status in (400, 401, 403, 404, 409, 412, 422, 429, 500, 503)] + [
    _raises(cls(f"failed with {CANARY} and Bearer {CANARY}"))
    for cls in (httpx.ConnectError, httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)
]


@pytest.mark.parametrize("handler", CANARY_HANDLERS)
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_key_never_appears_in_errors_or_logs(
    handler: Callable[[httpx.Request], httpx.Response], method: str
) -> None:
    client = IncidentIO(
        "https://api.example.test",
        CANARY,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(sleep=_no_sleep, attempts=2),
    )
    with pytest.raises(ApiError) as caught:
        run(client, lambda api: api.request(method, f"/v2/alert_routes/{CANARY}", json={"k": 1}))
    error = caught.value
    texts = [str(error), repr(error), *map(str, error.args), repr(client), repr(client.request_log)]
    texts += [str(v) for v in vars(error).values()]
    texts.append("".join(traceback.format_exception(error)))  # chained httpx exceptions would show here
    for text in texts:
        for form in FORMS:
            assert form not in text
