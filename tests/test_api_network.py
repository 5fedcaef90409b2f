"""The network backend (`reconciler/api/network.py`): asyncio transports under httpcore's pools, on real loopback
sockets. TLS against a certificate signed by a test CA (trustme), refused connections, read and write timeouts, a body
larger than the read buffer, a peer that closes, and the exceptions httpcore's own backends raise for each."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpcore
import pytest
import trustme

from reconciler.api import IncidentIO, RetryPolicy, TransportFailure
from reconciler.api.network import AsyncioBackend
from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.run import live

KEY = "example-admin"


async def _no_sleep(_: float) -> None:
    return None


@contextmanager
def serve_tls(cert: trustme.LeafCert) -> Iterator[int]:
    """The emulator over TLS in a thread; yields its port."""
    with cert.private_key_and_cert_chain_pem.tempfile() as pem, serve_in_thread(create_app(), certfile=pem) as url:
        yield int(url.rsplit(":", 1)[1])


@contextmanager
def raw_server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback server that hands each accepted connection to `handle` in its own thread; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve_one, args=(handle, conn), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


def _serve_one(handle: Callable[[socket.socket], None], conn: socket.socket) -> None:
    with conn, suppress(OSError):
        handle(conn)


def _read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            break
        data += part
    return data


def _get(port: int, timeout: float = 10.0) -> tuple[int, bytes]:
    async def go() -> tuple[int, bytes]:
        async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
            extensions = {"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}}
            response = await pool.request("GET", f"http://127.0.0.1:{port}/big", extensions=extensions)
            return response.status, response.content

    return asyncio.run(go())


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def test_tls_to_a_server_whose_ca_is_trusted(ca: trustme.CA, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The whole client over TLS: the CA comes from SSL_CERT_FILE, as httpx reads it for a corporate CA."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    async def go(port: int) -> tuple[int, list[int]]:
        async with IncidentIO(f"https://localhost:{port}", KEY) as api:
            routes = await live.read_all(api)
            first = routes[0]
            assert first.version is not None
            await live.update(api, first.route_id, first.route, first.version + 1)
            return len(routes), [record.status for record in api.request_log]

    with serve_tls(ca.issue_cert("localhost")) as port:
        count, statuses = asyncio.run(go(port))
    assert count == 6
    assert statuses == [200] * (1 + 6 + 1)


def test_tls_to_a_server_whose_ca_is_not_trusted_is_refused_before_sending(
    ca: trustme.CA, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))

    async def go(port: int) -> None:
        async with IncidentIO(f"https://localhost:{port}", KEY, retry=RetryPolicy(sleep=_no_sleep, attempts=2)) as api:
            await api.identity()

    with serve_tls(ca.issue_cert("localhost")) as port, pytest.raises(TransportFailure) as caught:
        asyncio.run(go(port))
    assert not caught.value.sent
    assert str(caught.value).startswith("could not reach incident.io for GET /v1/identity (ConnectError: ")
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_refused_connection_is_a_connect_error() -> None:
    async def go(port: int) -> None:
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

    # Bound but not listening: the port is ours for the test (no other process can take it) and refuses connections.
    with socket.socket() as bound, pytest.raises(httpcore.ConnectError):
        bound.bind(("127.0.0.1", 0))
        asyncio.run(go(bound.getsockname()[1]))


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    release = threading.Event()

    def silent(conn: socket.socket) -> None:
        _read_head(conn)
        release.wait(30)

    with raw_server(silent) as port, pytest.raises(httpcore.ReadTimeout):
        try:
            _get(port, timeout=0.2)
        finally:
            release.set()


def test_a_body_larger_than_the_read_buffer_arrives_whole() -> None:
    """4 MiB at once: the socket is paused while 256 KiB wait unread and resumed as httpcore reads them."""
    body = bytes(range(256)) * (16 * 1024)

    def big(conn: socket.socket) -> None:
        _read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    with raw_server(big) as port:
        assert _get(port) == (200, body)


def test_a_peer_that_closes_is_readable_then_ends_and_refuses_writes() -> None:
    closed = threading.Event()

    def close_at_once(conn: socket.socket) -> None:
        closed.set()

    async def go(port: int) -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
        assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"
        assert stream.get_extra_info("ssl_object") is None
        assert stream.get_extra_info("socket").fileno() >= 0
        assert stream.get_extra_info("unknown") is None
        assert await stream.read(100, timeout=5) == b""  # the end of the stream, as httpcore expects it
        assert stream.get_extra_info("is_readable")
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"GET / HTTP/1.1\r\n\r\n", timeout=5)
        await stream.write(b"", timeout=5)  # nothing to write is no error
        await stream.aclose()

    with raw_server(close_at_once) as port:
        asyncio.run(go(port))
    assert closed.is_set()


def test_a_write_the_peer_does_not_read_times_out_and_one_it_reads_completes() -> None:
    release = threading.Event()
    received: list[int] = []

    def never_reads(conn: socket.socket) -> None:
        release.wait(30)

    def reads_all(conn: socket.socket) -> None:
        total = 0
        while part := conn.recv(1 << 20):
            total += len(part)
        received.append(total)

    payload = b"x" * (64 << 20)  # far more than the kernel's buffers hold: the transport pauses writing

    async def write(port: int, timeout: float) -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        try:
            await stream.write(payload, timeout=timeout)
        finally:
            await stream.aclose()

    with raw_server(never_reads) as port, pytest.raises(httpcore.WriteTimeout):
        try:
            asyncio.run(write(port, 0.2))
        finally:
            release.set()
    with raw_server(reads_all) as port:
        asyncio.run(write(port, 30))


def test_a_backlog_pauses_the_socket_until_it_is_read() -> None:
    """1 MiB arrives while nothing reads: the socket is paused past 256 KiB held, and resumed as the reads drain it."""
    body = bytes(range(256)) * 4096

    def send(conn: socket.socket) -> None:
        conn.sendall(body)

    async def go(port: int) -> bytes:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await asyncio.sleep(0.2)  # the loop takes in what arrives meanwhile
        parts = []
        while part := await stream.read(65536, timeout=5):
            parts.append(part)
        await stream.aclose()
        return b"".join(parts)

    with raw_server(send) as port:
        assert asyncio.run(go(port)) == body


def test_a_unix_socket_with_socket_options(tmp_path: Any) -> None:
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    async def go() -> bytes:
        backend = AsyncioBackend()
        option = (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        stream = await backend.connect_unix_socket(path, timeout=5, socket_options=[option])
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"hello")
            data = await stream.read(100, timeout=5)
        await backend.sleep(0)
        await stream.aclose()
        return data

    try:
        assert asyncio.run(go()) == b"hello"
    finally:
        listener.close()


def test_a_backlog_over_tls_is_paused_and_resumed_on_the_tls_transport(ca: trustme.CA) -> None:
    body = bytes(range(256)) * 4096
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    def send(conn: socket.socket) -> None:
        with server_context.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(body)
            tls.recv(1)  # until the client closes

    async def go(port: int) -> bytes:
        plain = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        stream = await plain.start_tls(client_context, server_hostname="localhost", timeout=5)
        assert stream.get_extra_info("ssl_object") is not None
        await asyncio.sleep(0.2)  # the loop takes in what arrives meanwhile: more than the 256 KiB held unread
        parts = []
        while len(received := b"".join(parts)) < len(body):
            parts.append(await stream.read(65536, timeout=5))
        await stream.aclose()
        return received

    with raw_server(send) as port:
        assert asyncio.run(go(port)) == body
