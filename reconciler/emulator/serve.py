"""Serve an ASGI app with uvicorn on loopback: in a background thread (tests, benchmarks) or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

_STARTUP_TIMEOUT_S = 10.0


def _config(app: Any, host: str, port: int, certfile: str | None = None) -> uvicorn.Config:
    # No access log: benchmarks push thousands of requests a second and logging would dominate.
    # The socket is bound by us (below) so that port 0 yields a known port before the server starts.
    # `certfile` holds the key and its chain in one PEM; None serves plain HTTP (uvicorn's defaults).
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ssl_certfile=certfile,
        ssl_keyfile=certfile,
    )


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and without
    # it every keep-alive response waits ~40 ms for a delayed ACK (Nagle), which swamps any latency measurement.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, *, certfile: str | None = None) -> Iterator[str]:
    """Run `app` under uvicorn in a daemon thread; yield its base URL ("http://127.0.0.1:PORT"); stop on exit.

    `certfile`: a PEM file holding the key and its certificate chain; the app is then served over TLS (https).
    """
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, host, bound_port, certfile))
    # uvicorn installs signal handlers only on the main thread, so a server in a thread leaves them alone.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="emulator-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"the server on {host}:{bound_port} did not start")
        time.sleep(0.01)
    try:
        yield f"{'https' if certfile else 'http'}://{host}:{bound_port}"
    finally:
        server.should_exit = True
        # Open keep-alive connections or hung requests must not hold the shutdown for long.
        server.force_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_S)
        sock.close()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0 picks a free one), so the caller knows the port before serving."""
    return _bind(host, port)


def serve_forever(app: Any, sock: socket.socket) -> None:
    """Serve `app` on an already bound socket in the foreground until Ctrl-C (uvicorn handles the signal)."""
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(_config(app, host, port))
    server.run(sockets=[sock])
