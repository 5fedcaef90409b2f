"""httpcore's network backend on asyncio's own transports and protocols (httpcore's documented `network_backend`).

Why not httpcore's default (anyio) backend: every read and every write there enters a cancel scope for its timeout and
yields to the event loop once more (a checkpoint) even when the data is already there. Per request that was several
event-loop round trips and cancel scopes: about a seventh of the client's CPU per request (benchmarks/README.md).
Here a read returns at once what the protocol already holds, a write hands its bytes to the transport, and a timer is
armed only while a read or a paused write actually waits. The exceptions are httpcore's own, as its backends raise
them (ConnectError, ConnectTimeout, ReadError, ReadTimeout, WriteError, WriteTimeout), so everything above (httpcore's
pools and httpx's error mapping) behaves as before; TLS goes through asyncio's `start_tls`.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any, cast

import httpcore

# Bytes held unread before the socket is paused (httpcore reads 64 KiB at a time, so this is four of its reads).
_HIGH_WATER = 256 * 1024


class _Protocol(asyncio.Protocol):
    """Holds what arrived until httpcore reads it; wakes the one reader or writer that waits."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False  # the peer ended the stream or the connection is gone
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A cast, not an isinstance check: uvloop's transports implement the interface without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def wait(self, timeout: float | None, on_timeout: Callable[[], Exception]) -> None:
        """Until the next event (data, end, a resumed write), or raise `on_timeout()` after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        self.waiter = waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        except TimeoutError:
            raise on_timeout() from None
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


def _readable(sock: socket.socket | None) -> bool:
    """Whether a read would not block (data, or the peer closed): for an idle keep-alive connection, that it is dead.

    As httpcore's own check; a socket that is gone counts as readable (the next read would return the end).
    """
    if sock is None or sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: a transport and its `_Protocol`."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._socket: socket.socket | None = transport.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        while not protocol.buffer and not protocol.closed:
            await protocol.wait(timeout, lambda: httpcore.ReadTimeout(f"no data within {timeout} s"))
        if protocol.buffer:
            data = bytes(protocol.buffer[:max_bytes])
            del protocol.buffer[:max_bytes]
            if protocol.reading_paused and len(protocol.buffer) <= _HIGH_WATER // 2 and not protocol.closed:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
        return b""  # the end of the stream: httpcore decides what that means

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if protocol.closed or self._transport.is_closing():
            raise httpcore.WriteError(str(protocol.error) if protocol.error else "the connection is closed")
        self._transport.write(buffer)
        while protocol.writing_paused and not protocol.closed:  # the kernel's buffer is full: wait until it drains
            await protocol.wait(timeout, lambda: httpcore.WriteTimeout(f"could not write within {timeout} s"))
        if protocol.writing_paused:
            raise httpcore.WriteError(str(protocol.error) if protocol.error else "the connection closed while writing")

    async def aclose(self) -> None:
        # As anyio closes a stream: close, let the loop run the close, then drop whatever is still unsent (a write that
        # timed out leaves bytes the peer never took, and the connection is being given up).
        if not self._transport.is_closing():
            self._transport.close()
            await asyncio.sleep(0)
        if not self._protocol.closed:
            self._transport.abort()
            await asyncio.sleep(0)

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"the TLS handshake did not finish within {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # pragma: no cover - only when the loop refuses TLS altogether
            raise httpcore.ConnectError("the event loop could not start TLS on this connection")
        # The protocol now hears from the TLS transport (start_tls does not call connection_made again): pausing and
        # resuming reads must go to it, not to the raw transport underneath.
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return bool(self._protocol.buffer) or self._protocol.closed or _readable(self._socket)
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "socket":
            return self._socket
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections made with `loop.create_connection`, each an `AsyncioStream`."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        return await _connect(
            lambda: loop.create_connection(_Protocol, host, port, local_addr=local), timeout, socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        return await _connect(lambda: loop.create_unix_connection(_Protocol, path), timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connect(
    open_connection: Callable[[], Any], timeout: float | None, socket_options: Iterable[Any] | None
) -> AsyncioStream:
    try:
        async with asyncio.timeout(timeout):
            transport, protocol = await open_connection()
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    sock = transport.get_extra_info("socket")
    for option in socket_options or ():  # after connecting: asyncio makes the socket (httpx passes none by default)
        sock.setsockopt(*option)
    return AsyncioStream(transport, protocol)
