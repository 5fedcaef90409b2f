"""The incident.io endpoints reconciler uses: alert routes, the lookups names resolve against, identity.

Methods return the inner objects (the `alert_route` dict, the list of `severities`), never the envelope.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from reconciler.api.core import ApiCore, expect, segment
from reconciler.api.errors import NotFound

ROUTES = "/v2/alert_routes"
ROUTE_PAGE_SIZE = 50  # the API's maximum for alert routes
ESCALATION_PATH_PAGE_SIZE = 25  # the API's maximum for escalation paths
TEAM_PAGE_SIZE = 250
USER_PAGE_SIZE = 250


class IncidentIO(ApiCore):
    """An incident.io API client: `async with IncidentIO(url, key) as api: await api.read_all_alert_routes()`."""

    # Alert routes

    async def list_alert_routes(self) -> list[dict[str, Any]]:
        """Every route as the slim list gives it: `{id, name, enabled}`, no body and no version."""
        return await self.paginate(ROUTES, "alert_routes", page_size=ROUTE_PAGE_SIZE)

    async def get_alert_route(self, route_id: str) -> dict[str, Any]:
        """One full route, with its `version`."""
        path = f"{ROUTES}/{segment(route_id)}"
        route: dict[str, Any] = expect(await self.request("GET", path), "alert_route", "GET", path)
        return route

    async def read_all_alert_routes(self) -> list[dict[str, Any]]:
        """Every full route, in list order: pages in sequence, each page's GETs started as soon as it arrives.

        A route deleted between the list and its GET (404) is left out: it is no longer live.
        Reports progress to `on_progress(done, total known so far)`.
        """
        tasks: list[asyncio.Task[dict[str, Any] | None]] = []
        seen: set[str] = set()
        done = 0

        def finished(_: object) -> None:
            nonlocal done
            done += 1
            self._progress(done, len(tasks))

        try:
            async for page in self.iter_pages(ROUTES, "alert_routes", page_size=ROUTE_PAGE_SIZE):
                for slim in page:
                    route_id = slim.get("id") if isinstance(slim, dict) else None
                    if not isinstance(route_id, str) or route_id in seen:
                        continue
                    seen.add(route_id)
                    task = asyncio.create_task(self._get_if_live(route_id))
                    task.add_done_callback(finished)
                    tasks.append(task)
                self._progress(done, len(tasks))
            self._progress(done, len(tasks))  # the list is complete: the total is final
            routes = await asyncio.gather(*tasks)
        except BaseException:
            # Stop the GETs still running and collect every outcome, so no task is left behind unobserved.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [route for route in routes if route is not None]

    async def _get_if_live(self, route_id: str) -> dict[str, Any] | None:
        try:
            return await self.get_alert_route(route_id)
        except NotFound:
            return None

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total)

    async def create_alert_route(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new route (201); returns it as created. Never retried after sending (no idempotency key)."""
        route: dict[str, Any] = expect(
            await self.request("POST", ROUTES, json=dict(payload)), "alert_route", "POST", ROUTES
        )
        return route

    async def update_alert_route(self, route_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """PUT a full replacement; `payload["version"]` must be the observed version + 1."""
        path = f"{ROUTES}/{segment(route_id)}"
        route: dict[str, Any] = expect(await self.request("PUT", path, json=dict(payload)), "alert_route", "PUT", path)
        return route

    async def delete_alert_route(self, route_id: str) -> None:
        """DELETE a route (204)."""
        await self.request("DELETE", f"{ROUTES}/{segment(route_id)}")

    # Lookups

    async def _list(self, path: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = expect(await self.request("GET", path), key, "GET", path)
        return items

    async def list_alert_sources(self) -> list[dict[str, Any]]:
        return await self._list("/v2/alert_sources", "alert_sources")

    async def list_alert_attributes(self) -> list[dict[str, Any]]:
        return await self._list("/v2/alert_attributes", "alert_attributes")

    async def list_escalation_paths(self) -> list[dict[str, Any]]:
        return await self.paginate("/v2/escalation_paths", "escalation_paths", page_size=ESCALATION_PATH_PAGE_SIZE)

    async def list_severities(self) -> list[dict[str, Any]]:
        return await self._list("/v1/severities", "severities")

    async def list_incident_statuses(self) -> list[dict[str, Any]]:
        return await self._list("/v1/incident_statuses", "incident_statuses")

    async def list_incident_types(self) -> list[dict[str, Any]]:
        return await self._list("/v1/incident_types", "incident_types")

    async def list_custom_fields(self) -> list[dict[str, Any]]:
        return await self._list("/v2/custom_fields", "custom_fields")

    async def list_users(self) -> list[dict[str, Any]]:
        return await self.paginate("/v2/users", "users", page_size=USER_PAGE_SIZE)

    async def list_teams(self) -> list[dict[str, Any]]:
        return await self.paginate("/v3/teams", "teams", page_size=TEAM_PAGE_SIZE)

    async def identity(self) -> dict[str, Any]:
        """What the key is: `{name, roles, ...}` (GET /v1/identity)."""
        found: dict[str, Any] = expect(await self.request("GET", "/v1/identity"), "identity", "GET", "/v1/identity")
        return found
