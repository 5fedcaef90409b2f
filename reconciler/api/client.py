"""The incident.io endpoints reconciler uses: alert routes, the lookups names resolve against, identity.

Methods return the inner objects (the `alert_route` dict, the list of `severities`), never the envelope. Alert routes
are spoken in one API version (`route_version`, "v3" or "v2"): given, or, with "auto", v3 unless the organisation
answers it with 403 `api_not_yet_available` (or 404), in which case the client says so once (`on_notice`) and uses
v2. The version is found on the first list of routes, which every command that does not know it starts with.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from reconciler.api.core import ApiCore, segment
from reconciler.api.errors import expect
from reconciler.errors import Forbidden, NotFound

AUTO = "auto"
NOT_MIGRATED = "api_not_yet_available"
ROUTE_PAGE_SIZE = 50  # the API's maximum for alert routes
ESCALATION_PATH_PAGE_SIZE = 25  # the API's maximum for escalation paths
TEAM_PAGE_SIZE = 250
USER_PAGE_SIZE = 250


class IncidentIO(ApiCore):
    """An incident.io API client: `async with IncidentIO(url, key) as api: await api.read_all_alert_routes()`."""

    def __init__(
        self, *args: Any, route_api: str = AUTO, on_notice: Callable[[str], None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.route_version: str | None = None if route_api == AUTO else route_api
        self.on_notice = on_notice
        self._detecting = asyncio.Lock()

    # Alert routes

    async def routes_path(self) -> str:
        """`/v3/alert_routes` or `/v2/alert_routes`; finds the version with one small list when it is not known."""
        if self.route_version is None:
            async with self._detecting:
                if self.route_version is None:
                    await self._first_page({"page_size": 1})
        return f"/{self.route_version}/alert_routes"

    async def _first_page(self, params: dict[str, Any]) -> Any:
        """GET the route list through v3, falling back to v2 when the organisation has no v3 yet; sets the version."""
        try:
            body = await self.request("GET", "/v3/alert_routes", params=params)
        except (Forbidden, NotFound) as error:
            if isinstance(error, Forbidden) and error.code != NOT_MIGRATED:
                raise
            self.route_version = "v2"
            reason = f"403 {NOT_MIGRATED}" if isinstance(error, Forbidden) else "404"
            if self.on_notice is not None:
                self.on_notice(f"incident.io has no v3 alert-route API for this organisation yet ({reason}): using v2.")
            return await self.request("GET", "/v2/alert_routes", params=params)
        self.route_version = "v3"
        return body

    async def _route_pages(self) -> AsyncIterator[list[Any]]:
        if self.route_version is None:
            async with self._detecting:
                if self.route_version is None:
                    body = await self._first_page({"page_size": ROUTE_PAGE_SIZE})
                    async for page in self.pages_from(body, await self.routes_path(), "alert_routes", ROUTE_PAGE_SIZE):
                        yield page
                    return
        async for page in self.iter_pages(await self.routes_path(), "alert_routes", page_size=ROUTE_PAGE_SIZE):
            yield page

    async def list_alert_routes(self) -> list[dict[str, Any]]:
        """Every route as the slim list gives it: `{id, name, enabled}`, no body and no version."""
        return [item async for page in self._route_pages() for item in page]

    async def get_alert_route(self, route_id: str) -> dict[str, Any]:
        """One full route, with its `version`."""
        path = f"{await self.routes_path()}/{segment(route_id)}"
        route: dict[str, Any] = expect(await self.request("GET", path), "alert_route", "GET", path)
        return route

    async def read_all_alert_routes(
        self,
        *,
        on_progress: Callable[[int, int], None] | None = None,
        transform: Callable[[dict[str, Any]], Any] | None = None,
        select: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[Any]:
        """Every full route, in list order: pages in sequence, each page's GETs started as soon as it arrives.

        `select(slim)` (a list item: `{id, name, enabled}`) limits the GETs to the routes it accepts, so reading k
        routes of N costs ceil(N / page size) list requests plus k GETs.

        A route deleted between the list and its GET (404) is left out: it is no longer live. `transform` turns each
        body into what the caller keeps as soon as it arrives (so the raw bodies need not be held). Reports progress
        to `on_progress(done, total known so far)`.
        """
        tasks: list[asyncio.Task[Any]] = []
        seen: set[str] = set()
        done = 0
        report = on_progress or self.on_progress

        def progress(done: int, total: int) -> None:
            if report is not None:
                report(done, total)

        def finished(_: object) -> None:
            nonlocal done
            done += 1
            progress(done, len(tasks))

        try:
            async for page in self._route_pages():
                for slim in page:
                    route_id = slim.get("id") if isinstance(slim, dict) else None
                    if not isinstance(route_id, str) or route_id in seen:
                        continue
                    seen.add(route_id)
                    if select is not None and not select(slim):
                        continue
                    task = asyncio.create_task(self._get_if_live(route_id, transform))
                    task.add_done_callback(finished)
                    tasks.append(task)
                progress(done, len(tasks))
            progress(done, len(tasks))  # the list is complete: the total is final
            routes = await asyncio.gather(*tasks)
        except BaseException:
            # Stop the GETs still running and collect every outcome, so no task is left behind unobserved.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [route for route in routes if route is not None]

    async def _get_if_live(self, route_id: str, transform: Callable[[dict[str, Any]], Any] | None) -> Any:
        try:
            route = await self.get_alert_route(route_id)
        except NotFound:
            return None
        return route if transform is None else transform(route)

    async def create_alert_route(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new route (201); returns it as created. Never retried after sending (no idempotency key)."""
        path = await self.routes_path()
        route: dict[str, Any] = expect(
            await self.request("POST", path, json=dict(payload)), "alert_route", "POST", path
        )
        return route

    async def update_alert_route(self, route_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """PUT a full replacement; `payload["version"]` must be the observed version + 1."""
        path = f"{await self.routes_path()}/{segment(route_id)}"
        route: dict[str, Any] = expect(await self.request("PUT", path, json=dict(payload)), "alert_route", "PUT", path)
        return route

    async def delete_alert_route(self, route_id: str) -> None:
        """DELETE a route (204)."""
        await self.request("DELETE", f"{await self.routes_path()}/{segment(route_id)}")

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
