"""The lookups a reconciler resolves names against (and incidents use), and `/v1/identity`. Those that page follow
paging.py's one cursor rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from reconciler.emulator import paging, scopes
from reconciler.emulator.errors import WireError, json_response
from reconciler.emulator.runtime import Call, Emulator, Handler
from reconciler.emulator.state import Obj


def _plain(kind: str) -> Handler:
    async def handler(emu: Emulator, call: Call) -> Response:
        return json_response({kind: list(getattr(emu.state, kind).values())})

    return handler


def _paged(kind: str, maximum: int, filter_: Callable[[Call, Obj], bool] | None = None) -> Handler:
    async def handler(emu: Emulator, call: Call) -> Response:
        params = call.request.query_params
        size = paging.page_size(params, maximum)
        items: dict[str, Obj] = getattr(emu.state, kind)  # kept in id order
        ids = list(items) if filter_ is None else [i for i, v in items.items() if filter_(call, v)]
        first = paging.start(ids, paging.after(params))
        page = [items[i] for i in ids[first : first + size]]
        return json_response({kind: page, "pagination_meta": paging.meta(page, size)})

    return handler


def _user_filter(call: Call, user: Obj) -> bool:
    q = call.request.query_params
    if "email" in q and str(user.get("email", "")).lower() != q["email"].lower():
        return False
    if "slack_user_id" in q and user.get("slack_user_id") != q["slack_user_id"]:
        return False
    return not (q.get("include_inactive") != "true" and not user.get("is_active", True))


def _options_filter(call: Call, option: Obj) -> bool:
    return bool(option["custom_field_id"] == call.request.query_params.get("custom_field_id"))


_paged_options = _paged("custom_field_options", 250, _options_filter)


async def custom_field_options(emu: Emulator, call: Call) -> Response:
    """`GET /v1/custom_field_options?custom_field_id=` (required): the options of one field, paged."""
    field_id = call.request.query_params.get("custom_field_id")
    if not field_id:
        raise WireError.one(422, "is_required", "custom_field_id is required", "custom_field_id")
    if field_id not in emu.state.custom_fields:
        raise WireError.one(422, "invalid_value", "referenced custom field not found in scope", "custom_field_id")
    return await _paged_options(emu, call)


async def identity(emu: Emulator, call: Call) -> Response:
    data: dict[str, Any] = {
        "name": call.key.name,
        "roles": call.key.roles,
        "team_roles": [],
        "teams": [],
        "dashboard_url": "https://app.incident.io/example",
    }
    return json_response({"identity": data})


ENDPOINTS = [
    ("GET", "/v2/alert_sources", scopes.ALERT_SOURCES_VIEW, False, _plain("alert_sources")),
    ("GET", "/v2/alert_attributes", scopes.ALERT_SCHEMA_VIEW, False, _plain("alert_attributes")),
    ("GET", "/v2/escalation_paths", scopes.ESCALATION_PATHS_VIEW, False, _paged("escalation_paths", 25)),
    ("GET", "/v1/severities", scopes.SEVERITIES_VIEW, False, _plain("severities")),
    ("GET", "/v1/incident_statuses", scopes.INCIDENT_STATUSES_VIEW, False, _plain("incident_statuses")),
    ("GET", "/v1/incident_types", scopes.INCIDENT_TYPES_VIEW, False, _plain("incident_types")),
    ("GET", "/v2/custom_fields", scopes.CUSTOM_FIELDS_VIEW, False, _plain("custom_fields")),
    ("GET", "/v2/users", scopes.USERS_VIEW, False, _paged("users", 10000, _user_filter)),
    ("GET", "/v3/teams", scopes.CATALOG_ENTRIES_VIEW, False, _paged("teams", 250)),
    ("GET", "/v2/incident_roles", scopes.INCIDENT_ROLES_VIEW, False, _plain("incident_roles")),
    ("GET", "/v2/incident_timestamps", None, False, _plain("incident_timestamps")),  # the spec names no scope
    ("GET", "/v1/custom_field_options", scopes.CUSTOM_FIELDS_VIEW, False, custom_field_options),
    ("GET", "/v1/identity", None, False, identity),
]
