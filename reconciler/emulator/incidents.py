"""`/v2/incidents`: create (200, idempotent on `idempotency_key`), show (id or number), edit, the filtered list
(incident_filters.py). Custom field entries, role assignments and timestamp values are checked and echoed as
incident_fields.py says; an organisation with `severity_required` refuses an incident without a severity with the
spec's own 422 (`is_required` on `severity_id`, "A severity is required to open an incident").

Plus test endpoints: `GET /_emulator/notifications` (Slack notifications recorded by edits with
`notify_incident_channel: true`) and `POST /_emulator/incidents/bulk` (seed many incidents at once).

Assumptions where the spec is silent (INCIDENT_IO_API.md §5): a reused `idempotency_key` returns the incident it
created first, whatever the rest of the body; Edit carries no `x-rbac-scopes`, so the emulator asks for
`incidents.edit`; the list's cursor is given only while more incidents follow (paging.py); `page_size` is capped
at 250 as the endpoint's text says (its schema says 500).
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.emulator import paging
from reconciler.emulator.body import TooDeep, loads
from reconciler.emulator.control import bulk_endpoint
from reconciler.emulator.errors import WireError, json_response
from reconciler.emulator.incident_fields import apply_sections
from reconciler.emulator.incident_filters import MODES, select
from reconciler.emulator.incident_store import IncidentStore, add, find, store
from reconciler.emulator.runtime import Call, Emulator
from reconciler.emulator.scopes import INCIDENTS_CREATE, INCIDENTS_EDIT, INCIDENTS_VIEW
from reconciler.emulator.state import Obj, now_iso

__all__ = ["SCOPES", "IncidentStore", "find", "new_incident", "seed_incidents", "store"]
SCOPES = (INCIDENTS_VIEW, INCIDENTS_CREATE, INCIDENTS_EDIT)
PAGE_MAX = 250
SLACK_TEAM = "T02EXAMPLE1"
# Moves the edit endpoint allows between status categories (besides staying within one).
TRANSITIONS = {"triage": {"learning", "closed"}, "live": {"learning", "closed"}, "learning": {"closed"}}
CREATE_CATEGORIES = {"standard": {"triage", "live"}, "retrospective": {"triage", "live", "learning", "closed"}}


def _problem(field_name: str, message: str, code: str = "invalid_value") -> WireError:
    return WireError.one(422, code, message, field_name)


async def _body(call: Call) -> Obj:
    try:
        body = loads(await call.request.body() or b"null")
    except TooDeep as exc:
        raise _problem("body", str(exc)) from None
    except ValueError:
        raise _problem("body", "the request body must be valid JSON") from None
    if not isinstance(body, dict):
        raise _problem("body", "the request body must be a JSON object")
    return body


def _lookup(emu: Emulator, kind: str, field_name: str, value: Any) -> Obj:
    if not isinstance(value, str):
        raise _problem(field_name, f"{field_name} must be a string")
    found: Obj | None = getattr(emu.state, kind).get(value)
    if found is None:
        raise _problem(field_name, "referenced resource not found in scope")
    return found


def _optional_text(body: Obj, name: str, prefix: str = "") -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise _problem(prefix + name, f"{name} must be a string")
    return value


def _default_status(emu: Emulator, type_: Obj | None) -> Obj:
    category = "triage" if type_ is not None and type_.get("create_in_triage") == "always" else "live"
    statuses = sorted(emu.state.incident_statuses.values(), key=lambda s: (s.get("rank", 0), s["id"]))
    for status in statuses:
        if status["category"] == category:
            return status
    raise _problem("incident_status_id", f"the organisation has no {category} status to open the incident in")


def _api_key_actor(call: Call) -> Obj:
    digest = hashlib.sha256(call.key.name.encode()).hexdigest().upper()[:20]
    return {"api_key": {"id": f"01KEY{digest}0", "name": call.key.name}}


def new_incident(emu: Emulator, body: Obj, creator: Obj) -> Obj:
    """Validate a create payload and build the incident (not stored); raises WireError 422 naming the field."""
    for name in ("idempotency_key", "visibility"):
        if name not in body:
            raise _problem(name, f"{name} is required", "is_required")
    if not isinstance(body["idempotency_key"], str) or not body["idempotency_key"]:
        raise _problem("idempotency_key", "idempotency_key must be a non-empty string")
    if body["visibility"] not in ("public", "private"):
        raise _problem("visibility", "visibility must be one of public, private")
    mode = body.get("mode", "standard")
    if mode not in MODES:
        raise _problem("mode", f"mode must be one of {', '.join(MODES)}")
    severity = _lookup(emu, "severities", "severity_id", body["severity_id"]) if "severity_id" in body else None
    if severity is None and emu.state.organisation.severity_required:
        raise _problem("severity_id", "A severity is required to open an incident", "is_required")
    types = emu.state.incident_types
    if "incident_type_id" in body:
        type_: Obj | None = _lookup(emu, "incident_types", "incident_type_id", body["incident_type_id"])
    else:
        type_ = next((t for t in types.values() if t.get("is_default")), None)
    if "incident_status_id" in body:
        status = _lookup(emu, "incident_statuses", "incident_status_id", body["incident_status_id"])
        if status["category"] not in CREATE_CATEGORIES.get(mode, {"triage", "live"}):
            raise _problem("incident_status_id", f"a new {mode} incident cannot start in a {status['category']} status")
    else:
        status = _default_status(emu, type_)
    name = _optional_text(body, "name") or "Untitled incident"
    summary = _optional_text(body, "summary")
    number = len(store(emu).order) + 1
    stamp = now_iso()
    incident: Obj = {
        "id": f"01KINC{number:020d}",
        "reference": f"INC-{number}",
        "name": name,
        "visibility": body["visibility"],
        "mode": mode,
        "incident_status": status,
        "creator": creator,
        "incident_role_assignments": [],
        "custom_field_entries": [],
        "incident_timestamp_values": [],
        "duration_metrics": [],
        "slack_team_id": body.get("slack_team_id") or SLACK_TEAM,
        "slack_channel_id": f"C0INC{number:06d}",
        "slack_channel_name": _optional_text(body, "slack_channel_name_override") or f"inc-{number}",
        "permalink": f"https://app.incident.io/example/incidents/{number}",
        "has_debrief": False,
        "created_at": stamp,
        "updated_at": stamp,
    }
    apply_sections(emu.state, incident, body)
    if summary is not None:
        incident["summary"] = summary
    if severity is not None:
        incident["severity"] = severity
    if type_ is not None:
        incident["incident_type"] = type_
    return incident


async def create_incident(emu: Emulator, call: Call) -> Response:
    body = await _body(call)
    key = body.get("idempotency_key")
    existing = store(emu).by_key.get(key) if isinstance(key, str) else None
    if existing is not None:  # the same key never opens a second incident
        return json_response({"incident": store(emu).incidents[existing]})
    incident = new_incident(emu, body, _api_key_actor(call))
    add(emu, incident, body["idempotency_key"])
    emu.commit(call, "POST", incident["id"], None, incident["name"])
    return json_response({"incident": incident})


async def show_incident(emu: Emulator, call: Call) -> Response:
    return json_response({"incident": find(emu, call.request.path_params["id"])})


def _check_transition(current: Obj, target: Obj) -> None:
    before, after = current["category"], target["category"]
    if before != after and after not in TRANSITIONS.get(before, set()):
        message = f"cannot move an incident from a {before} status to a {after} status"
        raise _problem("incident.incident_status_id", message)


async def edit_incident(emu: Emulator, call: Call) -> Response:
    incident = find(emu, call.request.path_params["id"])
    body = await _body(call)
    changes = body.get("incident")
    if not isinstance(changes, dict):
        raise _problem("incident", "incident is required", "is_required")
    notify = body.get("notify_incident_channel")
    if not isinstance(notify, bool):
        raise _problem("notify_incident_channel", "notify_incident_channel is required", "is_required")
    updated = dict(incident)
    for name in ("name", "summary", "call_url"):
        value = _optional_text(changes, name, "incident.")
        if value is not None:
            updated[name] = value
    override = _optional_text(changes, "slack_channel_name_override", "incident.")
    if override is not None:
        updated["slack_channel_name"] = override
    if "severity_id" in changes:
        updated["severity"] = _lookup(emu, "severities", "incident.severity_id", changes["severity_id"])
    if "incident_status_id" in changes:
        target = _lookup(emu, "incident_statuses", "incident.incident_status_id", changes["incident_status_id"])
        _check_transition(incident["incident_status"], target)
        updated["incident_status"] = target
    apply_sections(emu.state, updated, changes, "incident.")
    changed = sorted(k for k in updated if updated[k] != incident.get(k))
    if changed:
        updated["updated_at"] = now_iso()
        store(emu).incidents[incident["id"]] = updated
        emu.commit(call, "POST", incident["id"], None, updated["name"])
    if notify:
        store(emu).notifications.append(
            {
                "incident_id": incident["id"],
                "reference": incident["reference"],
                "slack_channel_id": incident["slack_channel_id"],
                "changed": changed,
                "key": call.key.name,
                "at": now_iso(),
            }
        )
    return json_response({"incident": updated})


def matching(emu: Emulator, call: Call) -> list[Obj]:
    """The incidents the query's filters select (incident_filters.py), in the requested order."""
    s = store(emu)
    return select(emu.state, call.request.query_params, [s.incidents[i] for i in s.order])


async def list_incidents(emu: Emulator, call: Call) -> Response:
    params = call.request.query_params
    size = paging.page_size(params, PAGE_MAX)
    selected = matching(emu, call)
    newest_first = params.get("sort_by", "created_at_newest_first") == "created_at_newest_first"
    first = paging.start([i["id"] for i in selected], paging.after(params), descending=newest_first)
    page = selected[first : first + size]
    meta = paging.meta(page, size, more=first + size < len(selected)) | {"total_record_count": len(selected)}
    return json_response({"incidents": page, "pagination_meta": meta})


ENDPOINTS = [
    ("GET", "/v2/incidents", INCIDENTS_VIEW, False, list_incidents),
    ("POST", "/v2/incidents", INCIDENTS_CREATE, True, create_incident),
    ("GET", "/v2/incidents/{id}", INCIDENTS_VIEW, False, show_incident),
    ("POST", "/v2/incidents/{id}/actions/edit", INCIDENTS_EDIT, True, edit_incident),
]


def seed_incidents(
    emu: Emulator, count: int, *, status_id: str | None = None, mode: str = "standard", name_prefix: str = "Seeded"
) -> list[str]:
    """Add `count` incidents straight into state (not in the write log); returns their ids."""
    ids = []
    for n in range(count):
        body: Obj = {"idempotency_key": f"seed-{len(store(emu).order) + 1}", "visibility": "public", "mode": mode}
        body["name"] = f"{name_prefix} incident {n + 1}"
        if status_id is not None:
            body["incident_status_id"] = status_id
        incident = new_incident(emu, body, {"workflow": {"id": "01KSEED0000000000000000000", "name": "seed"}})
        add(emu, incident, body["idempotency_key"])
        ids.append(incident["id"])
    return ids


def _emulator(request: Request) -> Emulator:
    emu: Emulator = request.app.state.emulator
    return emu


async def notifications(request: Request) -> Response:
    return json_response({"notifications": store(_emulator(request)).notifications})


def _seed_incidents(emu: Emulator, data: Obj, count: int) -> list[str]:
    return seed_incidents(emu, count, status_id=data.get("incident_status_id"), mode=data.get("mode", "standard"))


bulk = bulk_endpoint(_seed_incidents)


ROUTES = [
    Route("/_emulator/notifications", notifications, methods=["GET"]),
    Route("/_emulator/incidents/bulk", bulk, methods=["POST"]),
]
