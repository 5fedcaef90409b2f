"""The lookups a reconciler resolves names against, and `/v1/identity`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from reconciler.emulator import scopes
from reconciler.emulator.errors import json_response
from reconciler.emulator.routes_api import page_size_param
from reconciler.emulator.runtime import Call, Emulator, Handler
from reconciler.emulator.state import Obj


def _page(items: dict[str, Obj], call: Call, size: int) -> tuple[list[Obj], Obj]:
    """Lookups are small; their ids are kept in order, so `after` is a simple scan."""
    after = call.request.query_params.get("after") or None
    ids = [i for i in items if after is None or i > after][:size]
    meta: Obj = {"page_size": size}
    if len(ids) == size:
        meta["after"] = ids[-1]
    return [items[i] for i in ids], meta


def _plain(kind: str) -> Handler:
    async def handler(emu: Emulator, call: Call) -> Response:
        return json_response({kind: list(getattr(emu.state, kind).values())})

    return handler


def _paged(kind: str, maximum: int, filter_: Callable[[Call, Obj], bool] | None = None) -> Handler:
    async def handler(emu: Emulator, call: Call) -> Response:
        size = page_size_param(call, maximum)
        items: dict[str, Obj] = getattr(emu.state, kind)
        if filter_ is not None:
            items = {i: v for i, v in items.items() if filter_(call, v)}
        page, meta = _page(items, call, size)
        return json_response({kind: page, "pagination_meta": meta})

    return handler


def _user_filter(call: Call, user: Obj) -> bool:
    q = call.request.query_params
    if "email" in q and str(user.get("email", "")).lower() != q["email"].lower():
        return False
    if "slack_user_id" in q and user.get("slack_user_id") != q["slack_user_id"]:
        return False
    return not (q.get("include_inactive") != "true" and not user.get("is_active", True))


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
    ("GET", "/v1/identity", None, False, identity),
]
