"""The incident endpoints (`/v2/incidents`): create, show, edit, list; and the drift helper built on them.

Functions take an `IncidentIO` and return the inner `incident` objects, never the envelope. Payloads are built by
`reconciler.core.incidents` (pure); these functions only send them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.api.client import IncidentIO
from reconciler.api.core import segment
from reconciler.api.errors import expect
from reconciler.api.tasks import gather_all
from reconciler.core.incidents import create_payload, drift_idempotency_key, incident_path_id, resolve_names

INCIDENTS = "/v2/incidents"
MAX_PAGE_SIZE = 250  # the limit the endpoint's text states (its schema says 500)
Obj = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of `GET /v2/incidents`: the incidents, the cursor to the next page, the total of all pages."""

    incidents: list[Obj]
    after: str | None
    total: int | None


async def lookups(api: IncidentIO) -> dict[str, list[Obj]]:
    """Severities, statuses and types by kind (`severity`, `status`, `type`), fetched at once."""
    severities, statuses, types = await gather_all(
        api.list_severities(), api.list_incident_statuses(), api.list_incident_types()
    )
    return {"severity": severities, "status": statuses, "type": types}


async def create_incident(api: IncidentIO, payload: Mapping[str, Any]) -> Obj:
    """POST /v2/incidents (200). The payload's `idempotency_key` makes a resend return the same incident."""
    incident: Obj = expect(await api.request("POST", INCIDENTS, json=dict(payload)), "incident", "POST", INCIDENTS)
    return incident


async def get_incident(api: IncidentIO, incident: str) -> Obj:
    """GET /v2/incidents/{id}: `incident` is a full id, `INC-123` or `123`."""
    path = f"{INCIDENTS}/{segment(incident_path_id(incident))}"
    found: Obj = expect(await api.request("GET", path), "incident", "GET", path)
    return found


async def edit_incident(api: IncidentIO, incident: str, payload: Mapping[str, Any]) -> Obj:
    """POST /v2/incidents/{id}/actions/edit: only the fields in `payload["incident"]` change."""
    path = f"{INCIDENTS}/{segment(incident_path_id(incident))}/actions/edit"
    edited: Obj = expect(await api.request("POST", path, json=dict(payload)), "incident", "POST", path)
    return edited


async def list_page(
    api: IncidentIO, *, page_size: int, params: Mapping[str, Any] | None = None, after: str | None = None
) -> Page:
    """One page of GET /v2/incidents with the filters in `params` (see `reconciler.core.incidents.list_params`)."""
    query: dict[str, Any] = {**(params or {}), "page_size": page_size}
    if after:
        query["after"] = after
    body = await api.request("GET", INCIDENTS, params=query)
    items = expect(body, "incidents", "GET", INCIDENTS)
    meta = body.get("pagination_meta") or {}
    total = meta.get("total_record_count")
    return Page(list(items), meta.get("after") or None, total if isinstance(total, int) else None)


async def iter_incidents(
    api: IncidentIO, *, page_size: int, params: Mapping[str, Any] | None = None
) -> AsyncIterator[list[Obj]]:
    """Every page, following the cursor (the client's own walker: stops on a missing cursor or an empty page)."""
    async for page in api.iter_pages(INCIDENTS, "incidents", page_size=page_size, params=params):
        yield page


async def open_or_update_drift_incident(
    api: IncidentIO,
    *,
    fingerprint: str,
    title: str,
    summary: str,
    mode: str = "standard",
    severity: str | None = None,
) -> Obj:
    """One incident per distinct drift: create it with a key derived from `fingerprint` (a repeat returns the
    incident already open for that drift), then bring its name and summary up to date if they changed.

    `severity` is a severity name (or id); an unknown one raises `ConfigError` naming the closest.
    """
    severity_id = None
    if severity is not None:
        ids = resolve_names({"severity": await api.list_severities()}, [("severity", "--severity", severity)])
        severity_id = ids["--severity"]
    payload = create_payload(
        visibility="public",
        mode=mode,
        name=title,
        summary=summary,
        severity_id=severity_id,
        idempotency_key=drift_idempotency_key(fingerprint),
    )
    incident = await create_incident(api, payload)
    changed = {k: v for k, v in (("name", title), ("summary", summary)) if incident.get(k) != v}
    if changed:
        body = {"incident": changed, "notify_incident_channel": False}
        incident = await edit_incident(api, str(incident["id"]), body)
    return incident
