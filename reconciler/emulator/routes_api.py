"""`/v2/alert_routes` and `/v3/alert_routes`: the slim paginated list, show, create (201), update (version must be
live + 1), delete (204). Both address the same stored routes (route_model.py) with one version counter; each renders
them in its own shape (views.py) and validates writes against its own payload (validation.py).

An organisation not yet moved to v3 (`organisation.v3_migrated: false`) answers every /v3/alert_routes call with
403 `api_not_yet_available` (runtime.py checks it before the key's scopes, as the provider's fallback expects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.responses import Response

from reconciler.emulator import paging, scopes
from reconciler.emulator.body import TooDeep, loads
from reconciler.emulator.errors import ErrorDetail, WireError, json_response, raw_json_response
from reconciler.emulator.route_model import from_v2, from_v3
from reconciler.emulator.runtime import Call, Emulator, Handler
from reconciler.emulator.state import Obj, RouteRecord, now_iso
from reconciler.emulator.validation import validate_route_payload, validate_route_payload_v3
from reconciler.emulator.views import render_v2, render_v3

ROUTES_PAGE_MAX = 50


@dataclass(frozen=True)
class Api:
    """What differs between the two versions of the alert-route API."""

    version: str  # "v2" | "v3"
    validate: Callable[..., list[ErrorDetail]]
    to_stored: Callable[[Obj], Obj]

    def render(self, emu: Emulator) -> Callable[[Obj], Obj]:
        if self.version == "v2":
            return partial(render_v2, state=emu.state)
        return partial(render_v3, state=emu.state, explicit_nulls=emu.settings.v3_explicit_nulls)

    def body(self, emu: Emulator, record: RouteRecord) -> bytes:
        return record.body(self.version, self.render(emu))


V2 = Api("v2", validate_route_payload, from_v2)
V3 = Api("v3", validate_route_payload_v3, from_v3)


async def json_body(call: Call) -> Any:
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


def _reject(problems: list[ErrorDetail]) -> None:
    if problems:
        raise WireError(422, problems)


async def list_routes(api: Api, emu: Emulator, call: Call) -> Response:
    params = call.request.query_params
    size = paging.page_size(params, ROUTES_PAGE_MAX)
    records = emu.state.routes.page(paging.after(params), size)
    items = [{"id": r.route["id"], "name": r.route["name"], "enabled": r.route["enabled"]} for r in records]
    return json_response({"alert_routes": items, "pagination_meta": paging.meta(items, size)})


async def show_route(api: Api, emu: Emulator, call: Call) -> Response:
    return raw_json_response(api.body(emu, _record(emu, call.request.path_params["id"])))


async def create_route(api: Api, emu: Emulator, call: Call) -> Response:
    body = await json_body(call)
    _reject(api.validate(body, emu.state, update=False))  # a `version` in the body is ignored
    stamp = now_iso()
    route = {
        "id": emu.state.routes.new_id(),
        **api.to_stored(body),
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }
    record = emu.state.routes.put(route)
    emu.commit(call, "POST", route["id"], 1, route["name"])
    return raw_json_response(api.body(emu, record), status=201)


async def update_route(api: Api, emu: Emulator, call: Call) -> Response:
    route_id = call.request.path_params["id"]
    live = _record(emu, route_id).route
    body = await json_body(call)
    _reject(api.validate(body, emu.state, update=True))
    if body["version"] != live["version"] + 1:
        s = emu.settings
        message = f"version must be one more than the route's latest version ({live['version']})"
        raise WireError.one(s.version_conflict_status, s.version_conflict_code, message, "version")
    route = {
        "id": route_id,
        **api.to_stored(body),  # a full replace: what this version cannot express is reset (route_model.py)
        "version": body["version"],
        "created_at": live.get("created_at") or now_iso(),
        "updated_at": now_iso(),
    }
    record = emu.state.routes.put(route)
    emu.commit(call, "PUT", route_id, route["version"], route["name"])
    return raw_json_response(api.body(emu, record))


async def delete_route(api: Api, emu: Emulator, call: Call) -> Response:
    route_id = call.request.path_params["id"]
    live = _record(emu, route_id).route
    emu.state.routes.delete(route_id)
    emu.commit(call, "DELETE", route_id, live["version"], live["name"])
    return Response(status_code=204)


def _endpoints(api: Api) -> list[tuple[str, str, str | None, bool, Handler]]:
    base = f"/{api.version}/alert_routes"
    return [
        ("GET", base, scopes.ALERT_ROUTES_VIEW, False, partial(list_routes, api)),
        ("POST", base, scopes.ALERT_ROUTE_CREATE, True, partial(create_route, api)),
        ("GET", base + "/{id}", scopes.ALERT_ROUTES_VIEW, False, partial(show_route, api)),
        ("PUT", base + "/{id}", scopes.ALERT_ROUTE_UPDATE, True, partial(update_route, api)),
        ("DELETE", base + "/{id}", scopes.ALERT_ROUTE_DESTROY, True, partial(delete_route, api)),
    ]


# (method, path, scope, is_write, handler): the spec's x-rbac-scopes are the same for v2 and v3. app.py mounts these.
ENDPOINTS = [*_endpoints(V2), *_endpoints(V3)]
