"""Live routes through the API in the route model: read, create, update and delete a `Route`.

I/O through the `IncidentIO` client only. The client knows which alert-route API version it speaks; this module
decodes what it reads and encodes what it writes with that version's codec (`reconciler.wire`), so everything above
it handles only the model. A route the version cannot carry whole raises `WireRefusal` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from reconciler.errors import NotFound
from reconciler.model import LiveRoute
from reconciler.route import Route
from reconciler.wire import ApiVersion, decode, encode


class RoutesApi(Protocol):
    """What the live routes need of the client (`reconciler.api.IncidentIO` has it)."""

    route_version: str | None

    async def routes_path(self) -> str: ...
    async def list_alert_routes(self) -> list[dict[str, Any]]: ...
    async def get_alert_route(self, route_id: str) -> dict[str, Any]: ...
    async def read_all_alert_routes(
        self,
        *,
        on_progress: Callable[[int, int], None] | None = None,
        transform: Callable[[dict[str, Any]], Any] | None = None,
        select: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[Any]: ...
    async def create_alert_route(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...
    async def update_alert_route(self, route_id: str, payload: Mapping[str, Any]) -> dict[str, Any]: ...
    async def delete_alert_route(self, route_id: str) -> None: ...


async def version_of(api: RoutesApi) -> ApiVersion:
    """The alert-route API version the client speaks (found with one small list when not known yet)."""
    if api.route_version is None:
        await api.routes_path()
    return "v2" if api.route_version == "v2" else "v3"


def live_route(raw: Mapping[str, Any], version: ApiVersion) -> LiveRoute:
    """A full route as the API returned it → `LiveRoute`."""
    found = raw.get("version")
    return LiveRoute(
        route_id=str(raw.get("id", "")),
        version=found if isinstance(found, int) and not isinstance(found, bool) else None,
        route=decode(raw, version),
        api_version=version,
    )


async def read_all(
    api: RoutesApi,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    select: Callable[[dict[str, Any]], bool] | None = None,
) -> list[LiveRoute]:
    """Every live route (or those `select` accepts from the list), in the API's list order; each body is decoded as
    it arrives and not kept."""

    def decoded(raw: dict[str, Any]) -> LiveRoute:
        return live_route(raw, "v2" if api.route_version == "v2" else "v3")  # known once the list has begun

    routes: list[LiveRoute] = await api.read_all_alert_routes(on_progress=on_progress, transform=decoded, select=select)
    return routes


async def read(api: RoutesApi, route_id: str) -> LiveRoute | None:
    """One live route, or None when it is gone."""
    try:
        raw = await api.get_alert_route(route_id)
    except NotFound:
        return None
    return live_route(raw, await version_of(api))


async def list_slim(api: RoutesApi) -> list[dict[str, Any]]:
    """`{id, name, enabled}` of every live route."""
    return await api.list_alert_routes()


async def create(api: RoutesApi, route: Route) -> LiveRoute:
    version = await version_of(api)
    return live_route(await api.create_alert_route(encode(route, version)), version)


async def update(api: RoutesApi, route_id: str, route: Route, new_version: int) -> LiveRoute:
    """PUT `route` as version `new_version` (the planned live version + 1)."""
    version = await version_of(api)
    payload = {**encode(route, version), "version": new_version}
    return live_route(await api.update_alert_route(route_id, payload), version)


async def delete(api: RoutesApi, route_id: str) -> None:
    await api.delete_alert_route(route_id)
