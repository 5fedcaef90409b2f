"""Step 4 of the pipeline: read live state from incident.io (the lookups names resolve against, and every route).

The only pipeline step that does I/O, and only through the `IncidentIO` client, which paces and retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, TypeVar, cast

from reconciler.api import IncidentIO
from reconciler.model import Catalog, Entity

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


async def _all(*awaitables: Awaitable[T]) -> list[T]:
    """Run concurrently; on the first failure cancel the rest and raise that failure (not an ExceptionGroup)."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_wrap(aw)) for aw in awaitables]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Two reads at once, with `_all`'s rule: the first failure cancels the other, which is awaited, then raised.

    Unlike `asyncio.gather`, which returns on the first failure and leaves the other read running: that read then
    outlives the client it uses and `asyncio.run` prints its failure as a traceback at shutdown.
    """
    a, b = await _all(first, second)
    return cast(A, a), cast(B, b)


def _named(item: Any, name_key: str = "name") -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("id"), str) and isinstance(item.get(name_key), str)


def _entities(items: Iterable[Any], *, name_key: str = "name") -> tuple[Entity, ...]:
    return tuple(Entity(id=item["id"], name=item[name_key]) for item in items if _named(item, name_key))


async def read_catalog(api: IncidentIO, *, slack_channels: Mapping[str, str]) -> Catalog:
    """Every lookup a route file can name, fetched concurrently, plus the channel map from git.

    Attributes carry `extra={"type": ...}` (conditions depend on it); users are named by email (users without
    one cannot be named and are left out).
    """
    sources, attributes, paths, severities, types, fields, users, teams = await _all(
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
    )


async def read_live_routes(api: IncidentIO) -> list[dict[str, Any]]:
    """Every live route in full (with `version`), in the API's list order."""
    return await api.read_all_alert_routes()
