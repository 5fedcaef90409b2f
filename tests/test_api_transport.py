"""The lean request path (issue 16): requests built once and sent straight to one transport over httpcore's pools.

Over real loopback sockets (the emulator served in a thread) and fake transports: what goes on the wire, no cookie
jar, httpcore's errors as httpx's, the idle-connection check, and a transport failure still reported without the key.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reconciler.api import IncidentIO, RetryPolicy, TransportFailure
from reconciler.api.network import _readable
from reconciler.api.transport import ShardedTransport
from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.run import live

KEY = "example-admin"


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(create_app()) as found:
        yield found


def test_reads_and_writes_over_real_sockets(url: str) -> None:
    """The whole path, httpcore pools included: the list, every GET, and a version-pinned PUT with its body."""

    async def go() -> tuple[int, int, int, list[int]]:
        async with IncidentIO(url, KEY) as api:
            routes = await live.read_all(api)
            first = routes[0]
            assert first.version is not None
            written = await live.update(api, first.route_id, first.route, first.version + 1)
            assert written.version is not None
            return len(routes), first.version, written.version, [record.status for record in api.request_log]

    count, before, after, statuses = asyncio.run(go())
    assert count == 6 and after == before + 1
    assert set(statuses) == {200} and len(statuses) == 1 + 6 + 1


def test_what_goes_on_the_wire() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"alert_route": {"id": "R1"}, "alert_routes": []})

    async def go(api: IncidentIO) -> None:
        await api.request("GET", "/v2/alert_routes", params={"page_size": 50, "after": "a b"})
        await api.request("PUT", "/v2/alert_routes/R1", json={"name": "Ünïcode", "version": 2})
        await api.request("DELETE", "/v2/alert_routes/R1")

    client = IncidentIO("https://api.example.test/base/", "test-key-1234", transport=httpx.MockTransport(handler))
    asyncio.run(_using(client, go))
    get, put, delete = seen
    assert str(get.url) == "https://api.example.test/base/v2/alert_routes?page_size=50&after=a+b"
    assert get.headers["host"] == "api.example.test"
    assert get.headers["authorization"] == "Bearer test-key-1234"
    assert "content-length" not in get.headers and get.content == b""
    body = json.dumps({"name": "Ünïcode", "version": 2}, ensure_ascii=False, separators=(",", ":")).encode()
    assert put.content == body
    assert put.headers["content-length"] == str(len(body)) and put.headers["content-type"] == "application/json"
    assert delete.method == "DELETE" and "content-length" not in delete.headers


def test_no_cookie_is_kept_or_sent() -> None:
    cookies: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=abc; Path=/"})

    async def go(api: IncidentIO) -> None:
        await api.request("GET", "/v1/identity")
        await api.request("GET", "/v1/identity")

    asyncio.run(
        _using(IncidentIO("https://api.example.test", "k-12345678", transport=httpx.MockTransport(handler)), go)
    )
    assert cookies == [None, None]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def test_httpcore_errors_arrive_as_httpx_errors() -> None:
    async def go() -> None:
        transport = ShardedTransport(4)
        try:
            await transport.handle_async_request(httpx.Request("GET", f"http://127.0.0.1:{_free_port()}/"))
        finally:
            await transport.aclose()

    with pytest.raises(httpx.ConnectError):
        asyncio.run(go())


def test_a_connection_refused_is_a_failure_before_sending_without_the_key() -> None:
    key = "sk-very-secret-1234"

    async def go() -> None:
        retry = RetryPolicy(sleep=_no_sleep, attempts=2)
        async with IncidentIO(f"http://127.0.0.1:{_free_port()}", key, retry=retry) as api:
            await api.request("PUT", "/v2/alert_routes/R1", json={})

    with pytest.raises(TransportFailure) as caught:
        asyncio.run(go())
    assert caught.value.sent is False
    assert "ConnectError" in str(caught.value) and key not in str(caught.value)


def test_an_idle_connection_is_readable_once_the_server_closes_it() -> None:
    ours, theirs = socket.socketpair()
    try:
        assert not _readable(ours)
        theirs.close()
        assert _readable(ours)
    finally:
        ours.close()
    assert _readable(ours)  # closed: fileno() is -1
    assert _readable(None)


async def _using(client: IncidentIO, call: Any) -> None:
    async with client:
        await call(client)
