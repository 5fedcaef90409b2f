"""`/v2/alert_routes`: the slim paginated list, show, create (201), update (version must be live+1), delete (204)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from reconciler.emulator import scopes
from reconciler.emulator.body import TooDeep, loads
from reconciler.emulator.errors import ErrorDetail, WireError, json_response, raw_json_response
from reconciler.emulator.response_form import render_route
from reconciler.emulator.runtime import Call, Emulator
from reconciler.emulator.state import Obj, RouteRecord, now_iso
from reconciler.emulator.validation import validate_route_payload

_INT = re.compile(r"-?[0-9]+")
ROUTES_PAGE_MAX = 50


def page_size_param(call: Call, maximum: int, minimum: int = 1, default: int = 25) -> int:
    """`page_size` as the spec bounds it; anything else (including a non-integer) is a 422."""
    raw = call.request.query_params.get("page_size")
    if raw is None:
        return default
    if not _INT.fullmatch(raw.strip()) or not minimum <= int(raw) <= maximum:
        message = f"page_size must be an integer between {minimum} and {maximum}"
        raise WireError.one(422, "invalid_value", message, "page_size")
    return int(raw)


async def _json_body(call: Call) -> Any:
    raw = await call.request.body()
    try:
        return loads(raw)
    except TooDeep as exc:
        raise WireError.one(422, "invalid_value", str(exc)) from None
    except ValueError:
        raise WireError.one(422, "invalid_value", "the request body must be valid JSON") from None


def _record(emu: Emulator, route_id: str) -> RouteRecord:
    record = emu.state.routes.get(route_id)
    if record is None:
        raise WireError.one(404, "not_found", "The alert route was not found", "id")
    return record


async def list_routes(emu: Emulator, call: Call) -> Response:
    size = page_size_param(call, ROUTES_PAGE_MAX)
    records = emu.state.routes.page(call.request.query_params.get("after") or None, size)
    meta: Obj = {"page_size": size}
    if len(records) == size:  # like the real API, a full page always yields a cursor (the next may be empty)
        meta["after"] = records[-1].route["id"]
    items = [{"id": r.route["id"], "name": r.route["name"], "enabled": r.route["enabled"]} for r in records]
    return json_response({"alert_routes": items, "pagination_meta": meta})


async def show_route(emu: Emulator, call: Call) -> Response:
    return raw_json_response(_record(emu, call.request.path_params["id"]).body)


def _reject(problems: list[ErrorDetail]) -> None:
    if problems:
        raise WireError(422, problems)


async def create_route(emu: Emulator, call: Call) -> Response:
    body = await _json_body(call)
    _reject(validate_route_payload(body, emu.state, update=False))  # a `version` in the body is ignored
    route_id = emu.state.routes.new_id()
    stamp = now_iso()
    route = render_route(body, emu.state, route_id=route_id, version=1, created_at=stamp, updated_at=stamp)
    record = emu.state.routes.put(route)
    emu.commit(call, "POST", route_id, 1, route["name"])
    return raw_json_response(record.body, status=201)


async def update_route(emu: Emulator, call: Call) -> Response:
    route_id = call.request.path_params["id"]
    live = _record(emu, route_id).route
    body = await _json_body(call)
    _reject(validate_route_payload(body, emu.state, update=True))
    if body["version"] != live["version"] + 1:
        s = emu.settings
        message = f"version must be one more than the route's latest version ({live['version']})"
        raise WireError.one(s.version_conflict_status, s.version_conflict_code, message, "version")
    route = render_route(
        body,
        emu.state,
        route_id=route_id,
        version=body["version"],
        created_at=live.get("created_at") or now_iso(),
        updated_at=now_iso(),
    )
    record = emu.state.routes.put(route)
    emu.commit(call, "PUT", route_id, route["version"], route["name"])
    return raw_json_response(record.body)


async def delete_route(emu: Emulator, call: Call) -> Response:
    route_id = call.request.path_params["id"]
    live = _record(emu, route_id).route
    emu.state.routes.delete(route_id)
    emu.commit(call, "DELETE", route_id, live["version"], live["name"])
    return Response(status_code=204)


# (method, path, scope, is_write, handler) — app.py mounts these.
ENDPOINTS = [
    ("GET", "/v2/alert_routes", scopes.ALERT_ROUTES_VIEW, False, list_routes),
    ("POST", "/v2/alert_routes", scopes.ALERT_ROUTE_CREATE, True, create_route),
    ("GET", "/v2/alert_routes/{id}", scopes.ALERT_ROUTES_VIEW, False, show_route),
    ("PUT", "/v2/alert_routes/{id}", scopes.ALERT_ROUTE_UPDATE, True, update_route),
    ("DELETE", "/v2/alert_routes/{id}", scopes.ALERT_ROUTE_DESTROY, True, delete_route),
]
