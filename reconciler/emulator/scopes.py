"""API keys and RBAC scopes: which scope each endpoint needs (from the spec's `x-rbac-scopes`), and the example keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Scope names as the official spec lists them in `x-rbac-scopes` for the operations the emulator serves.
ALERT_ROUTES_VIEW = "alert_routes.view"
ALERT_ROUTE_CREATE = "alert_route.create"
ALERT_ROUTE_UPDATE = "alert_route.update"
ALERT_ROUTE_DESTROY = "alert_route.destroy"
ALERT_SOURCES_VIEW = "alert_sources.view"
ALERT_SCHEMA_VIEW = "alert_schema.view"  # GET /v2/alert_attributes
ESCALATION_PATHS_VIEW = "escalation_paths.view"
SEVERITIES_VIEW = "severities.view"
INCIDENT_STATUSES_VIEW = "incident_statuses.view"
INCIDENT_TYPES_VIEW = "incident_types.view"
CUSTOM_FIELDS_VIEW = "custom_fields.view"
USERS_VIEW = "users.view"
CATALOG_ENTRIES_VIEW = "catalog_entries.view"  # GET /v3/teams
INCIDENT_ROLES_VIEW = "incident_roles.view"
INCIDENTS_VIEW = "incidents.view"
INCIDENTS_CREATE = "incidents.create"
ALERTS_VIEW = "alerts.view"  # GET /v2/alerts, GET /v2/alerts/{id}
INCIDENTS_EDIT = "incidents.edit"  # assumption: the spec gives `Incidents V2#Edit` no x-rbac-scopes

ALL_SCOPES: tuple[str, ...] = (
    ALERT_ROUTES_VIEW,
    ALERT_ROUTE_CREATE,
    ALERT_ROUTE_UPDATE,
    ALERT_ROUTE_DESTROY,
    ALERT_SOURCES_VIEW,
    ALERT_SCHEMA_VIEW,
    ESCALATION_PATHS_VIEW,
    SEVERITIES_VIEW,
    INCIDENT_STATUSES_VIEW,
    INCIDENT_TYPES_VIEW,
    CUSTOM_FIELDS_VIEW,
    USERS_VIEW,
    CATALOG_ENTRIES_VIEW,
    INCIDENT_ROLES_VIEW,
    INCIDENTS_VIEW,
    INCIDENTS_CREATE,
    INCIDENTS_EDIT,
    ALERTS_VIEW,
)
READ_SCOPES: tuple[str, ...] = tuple(s for s in ALL_SCOPES if s.endswith((".view", ".read")))
WRITE_SCOPES: tuple[str, ...] = tuple(s for s in ALL_SCOPES if s not in READ_SCOPES)

# The example organisation's published keys (example values, not secrets): key -> scopes.
EXAMPLE_KEYS: dict[str, tuple[str, ...]] = {
    "example-admin": ALL_SCOPES,
    "example-readonly": READ_SCOPES,
    "example-no-severities": tuple(s for s in ALL_SCOPES if s != SEVERITIES_VIEW),
}


@dataclass(frozen=True)
class ApiKey:
    """One API key: the secret value, a display name (the identity and 429 bodies show it) and its scopes."""

    key: str = field(repr=False)  # state dumps and test failures show the name, never the secret
    name: str
    scopes: frozenset[str]

    @property
    def roles(self) -> list[str]:
        """The identity endpoint's `roles`: the spec restricts them to an enum of role names, not scopes."""
        roles = ["viewer"]
        if any(s in self.scopes for s in WRITE_SCOPES):
            roles.append("manage_settings")
        return roles


def expand_scopes(patterns: Iterable[str]) -> frozenset[str]:
    """Scopes from a state file: exact names, `*` for every scope, `*.view` for every read scope, `-name` removes."""
    scopes: set[str] = set()
    removed: set[str] = set()
    for pattern in patterns:
        if pattern == "*":
            scopes.update(ALL_SCOPES)
        elif pattern in ("*.view", "*.read"):
            scopes.update(READ_SCOPES)
        elif pattern.startswith("-"):
            removed.add(pattern[1:])
        else:
            scopes.add(pattern)
    return frozenset(scopes - removed)
