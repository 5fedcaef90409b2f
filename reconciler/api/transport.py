"""httpx transports: a read-only guard, and the network transport: httpcore connection pools in small shards.

Why shards: httpcore's pool re-examines every connection (an O(connections²) scan plus a readability poll per idle
connection) each time a request starts or ends. At 32 connections that cost ~5 ms of CPU per request and made
concurrent reads slower than at 10; several pools of 4 connections keep the scan small.

Why the shards hold httpcore pools themselves rather than `httpx.AsyncHTTPTransport`s (issue 16, the lean request
path): one layer fewer per request, and the pools get their own network backend (`network.py`: asyncio transports
instead of anyio streams, each socket looked up once). Requests and responses are converted, and httpcore's errors
mapped to httpx's, as httpx's own transport does.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from reconciler.api.errors import SAFE_METHODS, ReadOnlyViolation
from reconciler.api.network import AsyncioBackend

SHARD_SIZE = 4
KEEPALIVE_SECONDS = 5.0  # httpx's default keep-alive expiry
# httpcore's exceptions; each has an httpx namesake (ConnectError, ReadTimeout, RemoteProtocolError ...).
_HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def read_only_text(method: str, path: str) -> str:
    return f"refused to send {method} {path}: this command only reads from incident.io (read-only client)"


class ReadOnlyTransport(httpx.AsyncBaseTransport):
    """Refuses every write at the transport, so a read-only client cannot send one whatever the code above does."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in SAFE_METHODS:
            path = request.url.path
            raise ReadOnlyViolation(read_only_text(request.method, path), method=request.method, path=path)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """httpcore's exceptions as their httpx namesakes (what callers of an httpx transport catch)."""
    try:
        yield
    except _HTTPCORE_ERRORS as exc:
        kind = next((getattr(httpx, k.__name__) for k in type(exc).__mro__ if hasattr(httpx, k.__name__)), None)
        if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
            kind = httpx.TransportError
        raise kind(str(exc), request=request) from exc


class _Body(httpx.AsyncByteStream):
    """A response body read from httpcore, its errors mapped."""

    def __init__(self, stream: Any, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        with _as_httpx_errors(self._request):
            await self._stream.aclose()


class ShardedTransport(httpx.AsyncBaseTransport):
    """Network transport: `max_connections` spread over pools of SHARD_SIZE; each request goes to the least busy."""

    def __init__(self, max_connections: int) -> None:
        shards = max(1, math.ceil(max_connections / SHARD_SIZE))
        per_shard = max(1, math.ceil(max_connections / shards))
        ssl_context = httpx.create_ssl_context()  # once: loading the CA bundle costs ~0.1 s of CPU each time
        self._shards = [
            httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=per_shard,
                max_keepalive_connections=per_shard,
                keepalive_expiry=KEEPALIVE_SECONDS,
                network_backend=AsyncioBackend(),
            )
            for _ in range(shards)
        ]
        self._busy = [0] * shards

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._shards)), key=self._busy.__getitem__)
        self._busy[index] += 1
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            with _as_httpx_errors(request):
                response = await self._shards[index].handle_async_request(core)
        finally:
            self._busy[index] -= 1
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, request),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


class _InProcessTransport(httpx.ASGITransport):
    """Calls an ASGI app in-process, failing the way a socket would when the app drops the connection."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionError as exc:
            # The emulator's "dropped connection" fault raises ConnectionResetError after a write commits; served
            # over a socket the same fault surfaces as this httpx error, so apply sees one ambiguous failure either way.
            raise httpx.RemoteProtocolError("Server disconnected without sending a response", request=request) from exc


def asgi_transport(app: Any) -> httpx.AsyncBaseTransport:
    """A transport that calls an ASGI app (the in-process emulator) instead of the network."""
    return _InProcessTransport(app=app)
