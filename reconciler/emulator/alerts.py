"""Alerts: `POST /v2/alert_events/http/{alert_source_config_id}` takes events in, `GET /v2/alerts` (filtered,
paged) and `GET /v2/alerts/{id}` read them back, as the spec says.

An event authenticates with its alert source's secret token (the `token` query parameter, or `Authorization:
Bearer <token>` / Basic with the token as password), not with an API key. Its `metadata` keys that name an alert
attribute (by name or id) become the alert's attribute values (a list for an array value); other keys are kept out
of the alert, as incident.io keeps only what the source's template parses. An event whose `deduplication_key`
matches an alert of the same source updates that alert (title, status, attributes, `resolved_at`) instead of
creating another. Filters of the list (deepObject query parameters):

    created_at[gte|lte|date_range]=2024-05-01 | RFC 3339 | 2024-05-01~2024-05-08
    alert_source[one_of|not_in]=<source id>      status[one_of|not_in]=firing|resolved
    deduplication_key[is]=<key>                  alert_group_id[one_of]=<group id>
    attributes[<attribute id>][one_of|not_in]=<value> ; [is_set|is_blank]=true|false
    has_notes[is]=true|false (the emulator keeps no notes)  include_maintenance_window[is]=true|false (no windows)

Assumptions where the spec is silent: the list is newest first; the HTTP endpoint accepts events for any of the
organisation's sources (the real API has one path per source type); a source's secret token is its
`secret_token` from the state file, else `example-token-<source id>`; an event without a deduplication key gets
one derived from its body. Alerts live beside the state (alert_seed.py seeds the example organisation's week).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.emulator import paging
from reconciler.emulator.alert_seed import seed_week
from reconciler.emulator.alert_store import AlertStore, record_event
from reconciler.emulator.body import TooDeep, loads
from reconciler.emulator.errors import WireError, error_response, json_response
from reconciler.emulator.incident_filters import _time_test
from reconciler.emulator.runtime import Call, Emulator
from reconciler.emulator.scopes import ALERTS_VIEW
from reconciler.emulator.state import EmulatorState, Obj

PAGE_MAX = 50
_KEY = re.compile(r"^(?P<name>[a-z_]+)\[(?P<first>[^\]]+)\](?:\[(?P<second>[^\]]+)\])?$")
_OPERATORS = {
    "created_at": ("gte", "lte", "date_range"),
    "alert_source": ("one_of", "not_in"),
    "status": ("one_of", "not_in"),
    "deduplication_key": ("is",),
    "alert_group_id": ("one_of",),
    "attributes": ("one_of", "not_in", "is_set", "is_blank"),
    "has_notes": ("is",),
    "include_maintenance_window": ("is",),
}


def alert_store(state: EmulatorState) -> AlertStore:
    """The alerts of `state` (kept beside it; the example organisation's sources start with a week of alerts)."""
    found = getattr(state, "_alert_store", None)
    if not isinstance(found, AlertStore):
        found = AlertStore()
        setattr(state, "_alert_store", found)  # noqa: B010 - kept beside the state, under this name
        seed_week(state, found, datetime.now(UTC))
    return found


def _token(request: Request) -> str | None:
    if request.query_params.get("token"):
        return request.query_params["token"]
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def source_token(source: Obj) -> str:
    return str(source.get("secret_token") or f"example-token-{source['id']}")


def _invalid(field_name: str, message: str) -> WireError:
    return WireError.one(422, "invalid_value", message, field_name)


def _event(raw: bytes) -> Obj:
    try:
        body = loads(raw or b"null")
    except TooDeep as exc:
        raise _invalid("body", str(exc)) from None
    except ValueError:
        raise _invalid("body", "the request body must be valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid("body", "the request body must be a JSON object")
    for name in ("title", "status"):
        if not isinstance(body.get(name), str):
            raise _invalid(name, f"{name} is required and must be a string")
    if body["status"] not in ("firing", "resolved"):
        raise _invalid("status", "status must be firing or resolved")
    for name in ("deduplication_key", "description", "source_url"):
        if name in body and not isinstance(body[name], str):
            raise _invalid(name, f"{name} must be a string")
    if "metadata" in body and not isinstance(body["metadata"], dict):
        raise _invalid("metadata", "metadata must be an object")
    if not body.get("deduplication_key"):
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]
        body["deduplication_key"] = digest
    return body


async def create_event(request: Request) -> Response:
    emu: Emulator = request.app.state.emulator
    try:
        source = emu.state.alert_sources.get(request.path_params["alert_source_config_id"])
        if source is None:
            raise WireError.one(404, "not_found", "The alert source config was not found", "alert_source_config_id")
        if _token(request) != source_token(source):
            raise WireError.one(401, "authentication_error", "The alert source token is not valid")
        event = _event(await request.body())
    except WireError as error:
        return error_response(error)
    record_event(emu.state, alert_store(emu.state), source["id"], event, datetime.now(UTC))
    body = {"deduplication_key": event["deduplication_key"], "message": "Event accepted for processing"}
    return json_response(body | {"status": "success"}, status=202)


def _literals(alert: Obj, attribute_id: str) -> set[str]:
    for entry in alert["attributes"]:
        if entry["attribute"]["id"] == attribute_id:
            values = entry.get("array_value") or ([entry["value"]] if "value" in entry else [])
            return {str(v.get("literal", v.get("label", ""))) for v in values}
    return set()


def _flag(key: str, values: list[str]) -> bool:
    if not values or any(v not in ("true", "false") for v in values):
        raise _invalid(key, f"{key} takes true or false")
    return values[-1] == "true"


def _test(state: EmulatorState, key: str, values: list[str]) -> Any:
    """One query parameter as a test on an alert; None when it is not a filter."""
    match = _KEY.match(key)
    if match is None or match["name"] not in _OPERATORS:
        return None
    name, nested = match["name"], match["name"] == "attributes"
    op = match["second"] if nested else match["first"]
    if op not in _OPERATORS[name] or (match["second"] is not None) != nested:
        raise _invalid(key, f"unsupported filter {key} (operators: {', '.join(_OPERATORS[name])})")
    wanted = set(values)
    if name == "created_at":
        return _time_test(key, name, op, values)
    if nested:
        ident = match["first"]
        if ident not in state.alert_attributes:
            raise _invalid(key, f"alert attribute {ident} not found in scope")
        if op in ("is_set", "is_blank"):
            blank = _flag(key, values) == (op == "is_blank")
            return lambda a: (not _literals(a, ident)) == blank
        return lambda a: bool(_literals(a, ident) & wanted) == (op == "one_of")
    if name in ("has_notes", "include_maintenance_window"):
        flag = _flag(key, values)
        return (lambda a: not flag) if name == "has_notes" else (lambda a: True)
    if name == "alert_group_id":
        return lambda a: bool(set(a["alert_group_ids"]) & wanted)
    pick = {"alert_source": "alert_source_id", "status": "status", "deduplication_key": "deduplication_key"}[name]
    return lambda a: (a[pick] in wanted) == (op != "not_in")


def select(state: EmulatorState, params: Any) -> list[Obj]:
    """The alerts the query's filters select, newest first."""
    store = alert_store(state)
    tests = [t for k in dict.fromkeys(params) if (t := _test(state, k, params.getlist(k))) is not None]
    newest_first = [store.alerts[i] for i in reversed(store.order)]
    return [a for a in newest_first if all(t(a) for t in tests)]


async def list_alerts(emu: Emulator, call: Call) -> Response:
    params = call.request.query_params
    size = paging.page_size(params, PAGE_MAX)
    selected = select(emu.state, params)
    first = paging.start([a["id"] for a in selected], paging.after(params), descending=True)
    page = selected[first : first + size]
    return json_response({"alerts": page, "pagination_meta": paging.meta(page, size)})


async def show_alert(emu: Emulator, call: Call) -> Response:
    found = alert_store(emu.state).alerts.get(call.request.path_params["id"])
    if found is None:
        raise WireError.one(404, "not_found", "The alert was not found", "id")
    return json_response({"alert": found})


ENDPOINTS = [
    ("GET", "/v2/alerts", ALERTS_VIEW, False, list_alerts),
    ("GET", "/v2/alerts/{id}", ALERTS_VIEW, False, show_alert),
]
ROUTES = [Route("/v2/alert_events/http/{alert_source_config_id}", create_event, methods=["POST"])]
