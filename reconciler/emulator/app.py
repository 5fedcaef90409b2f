"""The Starlette app: API endpoints through the runtime pipeline, `/_emulator/*` controls, envelope-shaped 404/405.

Paths: each path is one route that dispatches on the method, so a 405 names every method the path serves in its
`Allow` header (sorted; exactly the methods the spec defines, no implicit HEAD). A trailing slash is not redirected
(`/v2/alert_routes/` is another path, so a 404 envelope), since the real API's paths have none and a redirect would
hide a client's malformed URL.

Dropped connections ("the write committed but no response came back"):
- served (uvicorn): the underlying transport is closed before any byte of a response is written, so the client
  sees the connection close (httpx: `RemoteProtocolError: Server disconnected without sending a response`);
- in-process (httpx.ASGITransport): there is no socket to close, so the app raises `DroppedConnection` (a
  `ConnectionResetError`) out of the ASGI call; ASGITransport re-raises it into the caller's `client.request(...)`
  (with `raise_app_exceptions=False` the caller sees a bare 500 instead).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from reconciler.emulator import alerts, control, incidents, lookups_api, routes_api
from reconciler.emulator.body import capped, declared_too_large, too_large
from reconciler.emulator.errors import ErrorDetail, WireError, error_response
from reconciler.emulator.runtime import DROP_SCOPE_KEY, Emulator, Handler
from reconciler.emulator.settings import EmulatorSettings
from reconciler.emulator.state import EmulatorState, load_state


class DroppedConnection(ConnectionResetError):
    """In-process stand-in for a connection the server closed without responding (after a write committed)."""


class EmulatorApp(Starlette):
    """Starlette plus the gateway's body-size cap (reconciler.emulator.body) and a way for handlers to close the
    client connection without a response.

    The hook is installed here, outside Starlette's middleware, because only the server's own `send` leads to the
    connection: uvicorn passes its per-request cycle's bound `send`, and the cycle owns the transport.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if declared_too_large(scope):  # refused before the body is read, as a gateway does
            await error_response(too_large())(scope, receive, send)
            return
        receive = capped(receive)
        outcome: list[str] = []

        async def drop() -> None:
            transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is None or not hasattr(transport, "close"):
                outcome.append("in-process")
                return
            transport.close()
            # Let the protocol notice the close (connection_lost marks the request disconnected), so the
            # server neither writes a 500 nor logs "returned without starting response".
            for _ in range(5):
                await asyncio.sleep(0)
            outcome.append("served")

        scope[DROP_SCOPE_KEY] = drop
        await super().__call__(scope, receive, send)
        if outcome == ["in-process"]:
            raise DroppedConnection("the emulator dropped the connection after the write committed (injected fault)")


Endpoint = Callable[[Request], Awaitable[Response]]


def _endpoint(scope_name: str | None, write: bool, handler: Handler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        emu: Emulator = request.app.state.emulator
        return await emu.dispatch(request, scope_name, write, handler)

    return endpoint


class _ByMethod:
    """One path's endpoints by method, as a plain ASGI app, so that starlette routes every method to it (a function
    endpoint would be limited to GET) and a method the path does not serve gets a 405 listing all it does."""

    def __init__(self, path: str, endpoints: dict[str, Endpoint]):
        self.path, self.endpoints = path, endpoints
        self.allow = ", ".join(sorted(endpoints))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        endpoint = self.endpoints.get(request.method)
        if endpoint is None:
            error = WireError.one(405, "method_not_allowed", f"{request.method} is not allowed on {self.path}")
            response = error_response(error, {"Allow": self.allow})
        else:
            response = await endpoint(request)
        await response(scope, receive, send)


async def _api_error(request: Request, exc: Exception) -> Response:
    """A WireError no endpoint caught (a body over the cap while a control endpoint reads it): its envelope."""
    assert isinstance(exc, WireError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    return error_response(WireError(exc.status_code, [ErrorDetail(code, str(exc.detail))]), headers)


def create_app(state: EmulatorState | None = None, *, settings: EmulatorSettings | None = None) -> Starlette:
    """The emulator app holding `state` (default: the example organisation); `app.state.emulator` is its runtime."""
    paths: dict[str, dict[str, Endpoint]] = {}
    for method, path, scope_name, write, handler in (
        *routes_api.ENDPOINTS,
        *lookups_api.ENDPOINTS,
        *incidents.ENDPOINTS,
        *alerts.ENDPOINTS,
    ):
        paths.setdefault(path, {})[method] = _endpoint(scope_name, write, handler)
    for route in (*control.ROUTES, *incidents.ROUTES, *alerts.ROUTES):
        for method in route.methods or ():
            if method != "HEAD":  # starlette adds HEAD to every GET route
                paths.setdefault(route.path, {})[method] = route.endpoint
    routes: list[BaseRoute] = [Route(path, _ByMethod(path, endpoints)) for path, endpoints in paths.items()]
    app = EmulatorApp(
        routes=routes,
        exception_handlers={HTTPException: _http_error, WireError: _api_error},
    )
    app.router.redirect_slashes = False
    app.state.emulator = Emulator(state if state is not None else load_state(), settings or EmulatorSettings())
    return app
