"""`reconciler check`: which scopes the API key has, probed with the cheapest request that proves each one.

The plan is data (`PROBES`); `run_probes` sends it and turns each outcome into a `Row`. Severities go first: the
cheapest call that proves the key at all, so a 401 stops everything before any other request. Reads are probed by
listing (one item where the endpoint pages). Writes are probed with requests the API must refuse whatever the key
(an empty create; an edit, update or delete of an id that cannot exist): 403 means the scope is missing, a validation
or not-found answer means the key got past the permission check. Nothing is created, changed or deleted. This relies
on incident.io checking permissions before content, as the emulator does; the real order is not documented.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from reconciler.api.errors import (
    ApiError,
    Forbidden,
    NotFound,
    ServerError,
    TransportFailure,
    Unauthorized,
    ValidationFailed,
)

Purpose = Literal["plan", "apply", "incidents", "replay"]
PURPOSES: tuple[Purpose, ...] = ("plan", "apply", "incidents", "replay")  # replay: `plan --replay`, plan's and more
State = Literal["ok", "missing", "failed"]
ProbeKind = Literal["read", "invalid-write"]
ROUTES_TOOL: frozenset[Purpose] = frozenset({"plan", "apply"})
EVERYTHING: frozenset[Purpose] = frozenset(PURPOSES)
# Ids no incident or route can have: writing to them can only be refused (403 without the scope, else 404).
NO_SUCH_INCIDENT = "01RECONCILERCHECKPROBE0000"
NO_SUCH_ROUTE = "01RECONCILERCHECKPROBE0000"


@dataclass(frozen=True)
class Probe:
    """One scope, the request that proves it, and what reconciler needs it for."""

    scope: str
    needed_for: str
    used_by: frozenset[Purpose]
    method: str = "GET"
    path: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    kind: ProbeKind = "read"


SEVERITIES = Probe("severities.view", "severity names (routes, incidents)", EVERYTHING, path="/v1/severities")
PROBES: tuple[Probe, ...] = (
    SEVERITIES,
    Probe("alert_routes.view", "reading live routes (plan, drift)", ROUTES_TOOL, path="/v2/alert_routes",
          params={"page_size": 1}),
    Probe("alert_sources.view", "alert source names", ROUTES_TOOL, path="/v2/alert_sources"),
    Probe("alert_schema.view", "alert attribute names", ROUTES_TOOL, path="/v2/alert_attributes"),
    Probe("escalation_paths.view", "escalation path names", ROUTES_TOOL, path="/v2/escalation_paths",
          params={"page_size": 1}),
    Probe("incident_types.view", "incident type names (routes, incidents)", EVERYTHING, path="/v1/incident_types"),
    Probe("incident_statuses.view", "incident status names", frozenset({"incidents"}), path="/v1/incident_statuses"),
    Probe("custom_fields.view", "custom field names", ROUTES_TOOL, path="/v2/custom_fields"),
    Probe("users.view", "user emails in escalation targets", ROUTES_TOOL, path="/v2/users", params={"page_size": 1}),
    Probe("catalog_entries.view", "team names", ROUTES_TOOL, path="/v3/teams", params={"page_size": 1}),
    Probe("alerts.view", "recent alerts (plan --replay)", frozenset({"replay"}), path="/v2/alerts",
          params={"page_size": 1}),
    Probe("incidents.view", "incidents get and list", frozenset({"incidents"}), path="/v2/incidents",
          params={"page_size": 1}),
    Probe("incidents.create", "incidents create, drift --open-incident", frozenset({"incidents"}), method="POST",
          path="/v2/incidents", body={}, kind="invalid-write"),
    Probe("incidents.edit", "incidents update", frozenset({"incidents"}), method="POST",
          path=f"/v2/incidents/{NO_SUCH_INCIDENT}/actions/edit",
          body={"incident": {}, "notify_incident_channel": False}, kind="invalid-write"),
    Probe("alert_route.create", "apply: new routes", frozenset({"apply"}), method="POST", path="/v2/alert_routes",
          body={}, kind="invalid-write"),
    Probe("alert_route.update", "apply: changed routes", frozenset({"apply"}), method="PUT",
          path=f"/v2/alert_routes/{NO_SUCH_ROUTE}", body={}, kind="invalid-write"),
    Probe("alert_route.destroy", "apply: deleted routes", frozenset({"apply"}), method="DELETE",
          path=f"/v2/alert_routes/{NO_SUCH_ROUTE}", kind="invalid-write"),
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One line of the check table."""

    probe: Probe
    state: State
    error: ApiError | None = None

    @property
    def blocking(self) -> bool:
        """Whether this row makes the check fail."""
        return self.state in ("missing", "failed")


def probes_for(purpose: Purpose | None) -> list[Probe]:
    """The probes a purpose needs, in table order; None means everything the tool uses."""
    wanted = {purpose, "plan"} if purpose == "replay" else {purpose}  # a replay is a plan that also reads alerts
    return [p for p in PROBES if purpose is None or wanted & p.used_by]


def interpret(probe: Probe, error: ApiError | None) -> Row:
    """A probe's outcome as a row; 401, 5xx and transport failures are not per-scope answers and raise."""
    if isinstance(error, Unauthorized | ServerError | TransportFailure):
        raise error
    if error is None:
        return Row(probe, "ok")
    if isinstance(error, Forbidden):
        return Row(probe, "missing", error)
    if probe.kind == "invalid-write" and isinstance(error, ValidationFailed | NotFound):
        return Row(probe, "ok")  # refused for its content, so the key got past the permission check
    return Row(probe, "failed", error)


class Requester(Protocol):
    """The one method of `IncidentIO` the check needs (any object with it will do in tests)."""

    async def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any: ...


async def _send(api: Requester, probe: Probe) -> Row:
    try:
        await api.request(probe.method, probe.path, params=probe.params or None, json=probe.body)
    except ApiError as error:
        return interpret(probe, error)
    return interpret(probe, None)


async def run_probes(api: Requester, probes: Sequence[Probe]) -> list[Row]:
    """Severities first (a 401 or 5xx there raises before anything else is sent), then the rest at once."""
    first = [p for p in probes if p is SEVERITIES]
    rest = [p for p in probes if p is not SEVERITIES]
    rows = [await _send(api, p) for p in first]
    # Wait for every probe before raising, so no request is left running when the caller closes the client.
    outcomes = await asyncio.gather(*(_send(api, p) for p in rest), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        rows.append(outcome)
    return rows


def missing_scopes(rows: Sequence[Row]) -> list[str]:
    """Scopes the key lacks (403), in table order."""
    return [r.probe.scope for r in rows if r.state == "missing"]


def severities_forbidden(rows: Sequence[Row]) -> bool:
    """True when the key could not even list severities: the read access everything starts from."""
    return any(r.probe is SEVERITIES and r.state == "missing" for r in rows)
