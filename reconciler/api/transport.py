"""httpx transports: a read-only guard, and a connection pool split into small shards.

Why shards: httpcore's pool re-examines every connection (an O(connections²) scan plus a readability poll per idle
connection) each time a request starts or ends. At 32 connections that cost ~5 ms of CPU per request and made
concurrent reads slower than at 10; several pools of 4 connections keep the scan small.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from reconciler.api.errors import SAFE_METHODS, ReadOnlyViolation

SHARD_SIZE = 4


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


class ShardedTransport(httpx.AsyncBaseTransport):
    """Network transport: `max_connections` spread over pools of SHARD_SIZE; each request goes to the least busy."""

    def __init__(self, max_connections: int) -> None:
        shards = max(1, math.ceil(max_connections / SHARD_SIZE))
        per_shard = max(1, math.ceil(max_connections / shards))
        limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
        ssl_context = httpx.create_ssl_context()  # once: loading the CA bundle costs ~0.1 s of CPU each time
        self._shards = [httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits) for _ in range(shards)]
        self._busy = [0] * shards

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._shards)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            return await self._shards[index].handle_async_request(request)
        finally:
            self._busy[index] -= 1

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
