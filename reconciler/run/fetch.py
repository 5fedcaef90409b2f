"""Step 4 of the pipeline: read live state from incident.io (the lookups names resolve against, and every route).

The only pipeline step that does I/O, and only through the `IncidentIO` client, which paces and retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.api import IncidentIO
from reconciler.api.tasks import both, gather_all
from reconciler.model import Catalog, Entity

__all__ = ["both", "read_catalog", "read_live_routes"]


def _named(item: Any, name_key: str = "name") -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("id"), str) and isinstance(item.get(name_key), str)


def _entities(items: Iterable[Any], *, name_key: str = "name") -> tuple[Entity, ...]:
    return tuple(Entity(id=item["id"], name=item[name_key]) for item in items if _named(item, name_key))


async def read_catalog(
    api: IncidentIO, *, slack_channels: Mapping[str, str], teams_channels: Mapping[str, str] | None = None
) -> Catalog:
    """Every lookup a route file can name, fetched concurrently, plus the channel map from git.

    Attributes carry `extra={"type": ...}` (conditions depend on it); users are named by email (users without
    one cannot be named and are left out).
    """
    sources, attributes, paths, severities, types, fields, users, teams = await gather_all(
        api.list_alert_sources(),
        api.list_alert_attributes(),
        api.list_escalation_paths(),
        api.list_severities(),
        api.list_incident_types(),
        api.list_custom_fields(),
        api.list_users(),
        api.list_teams(),
    )
    return Catalog(
        alert_sources=_entities(sources),
        alert_attributes=tuple(
            Entity(id=item["id"], name=item["name"], extra={"type": item.get("type")})
            for item in attributes
            if _named(item)
        ),
        escalation_paths=_entities(paths),
        severities=_entities(severities),
        incident_types=_entities(types),
        custom_fields=_entities(fields),
        users=_entities(users, name_key="email"),
        teams=_entities(teams),
        slack_channels=dict(slack_channels),
        teams_channels=dict(teams_channels or {}),
    )


async def read_live_routes(api: IncidentIO) -> list[dict[str, Any]]:
    """Every live route in full (with `version`), in the API's list order."""
    return await api.read_all_alert_routes()
