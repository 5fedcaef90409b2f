"""The fetch step: the catalog of lookups (concurrent, paginated where the API pages) and the live routes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import looptime
import pytest

from reconciler.api import Forbidden, IncidentIO, RetryPolicy
from reconciler.model import Catalog, Entity, LiveRoute
from reconciler.route import Route
from reconciler.run import live
from reconciler.run.fetch import read_catalog, read_live_routes

PATHS = [{"id": f"EP{i:02d}", "name": f"Path {i}"} for i in range(30)]  # two pages of 25
LOOKUPS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "/v2/alert_sources": ("alert_sources", [{"id": "AS1", "name": "Alertmanager Prod", "source_type": "alertmanager"}]),
    "/v2/alert_attributes": (
        "alert_attributes",
        [{"id": "AT1", "name": "severity", "type": "String", "array": False}, {"id": "AT2", "name": None}],
    ),
    "/v1/severities": ("severities", [{"id": "SEV1", "name": "Critical", "rank": 1}]),
    "/v1/incident_types": ("incident_types", [{"id": "IT1", "name": "Default"}]),
    "/v2/custom_fields": ("custom_fields", [{"id": "CF1", "name": "Affected service"}]),
    "/v2/users": ("users", [{"id": "U1", "name": "Ada", "email": "ada@example.com"}, {"id": "U2", "name": "Bot"}]),
    "/v3/teams": ("teams", [{"id": "T1", "name": "Platform"}]),
}


class FakeLookups:
    def __init__(self, *, forbidden: str | None = None) -> None:
        self.in_flight = 0
        self.peak = 0
        self.paths: list[str] = []
        self.forbidden = forbidden

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(path)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        if path == self.forbidden:
            return httpx.Response(403, json={"errors": [{"code": "forbidden", "message": "missing scope"}]})
        if path == "/v2/escalation_paths":
            assert request.url.params["page_size"] == "25"
            start = 25 if request.url.params.get("after") else 0
            page = PATHS[start : start + 25]
            meta = {"page_size": 25, **({"after": page[-1]["id"]} if len(page) == 25 else {})}
            return httpx.Response(200, json={"escalation_paths": page, "pagination_meta": meta})
        if path == "/v2/alert_routes":
            slim = [{"id": "R1", "name": "a", "enabled": True}]
            return httpx.Response(200, json={"alert_routes": slim, "pagination_meta": {"page_size": 50}})
        if path == "/v2/alert_routes/R1":
            return httpx.Response(200, json={"alert_route": {"id": "R1", "name": "a", "version": 2}})
        key, items = LOOKUPS[path]
        body: dict[str, Any] = {key: items}
        if path in ("/v2/users", "/v3/teams"):
            body["pagination_meta"] = {"page_size": 250}
        return httpx.Response(200, json=body)


async def _no_sleep(_: float) -> None:
    return None


def run(fake: FakeLookups, call: Any) -> Any:
    async def go() -> Any:
        transport = httpx.MockTransport(fake)
        async with IncidentIO(
            "https://api.example.test",
            "k-1234",
            transport=transport,
            retry=RetryPolicy(sleep=_no_sleep),
            route_api="v2",
        ) as api:
            return await call(api)

    # A fake clock (looptime): the fake's 10 ms answers end only when every task is waiting, so how many lookups are
    # in flight together does not depend on how busy the machine is.
    loop = looptime.new_event_loop(start=0)
    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()


def test_read_catalog_builds_entities_from_every_lookup() -> None:
    fake = FakeLookups()
    catalog = run(fake, lambda api: read_catalog(api, slack_channels={"#alerts": "C07ALERTS01"}))
    assert catalog == Catalog(
        alert_sources=(Entity("AS1", "Alertmanager Prod"),),
        alert_attributes=(Entity("AT1", "severity", {"type": "String"}),),  # unnamed AT2 cannot be referenced
        escalation_paths=tuple(Entity(p["id"], p["name"]) for p in PATHS),
        severities=(Entity("SEV1", "Critical"),),
        incident_types=(Entity("IT1", "Default"),),
        custom_fields=(Entity("CF1", "Affected service"),),
        users=(Entity("U1", "ada@example.com"),),  # users are named by email; U2 has none
        teams=(Entity("T1", "Platform"),),
        slack_channels={"#alerts": "C07ALERTS01"},
    )
    assert sorted(fake.paths).count("/v2/escalation_paths") == 2
    assert len(fake.paths) == 9


def test_lookups_are_fetched_concurrently() -> None:
    fake = FakeLookups()
    run(fake, lambda api: read_catalog(api, slack_channels={}))
    assert fake.peak >= 7  # after the first answer, the other lookups are all in flight together


def test_a_failing_lookup_raises_its_own_error() -> None:
    fake = FakeLookups(forbidden="/v1/severities")
    with pytest.raises(Forbidden, match="GET /v1/severities"):
        run(fake, lambda api: read_catalog(api, slack_channels={}))


def test_read_live_routes_returns_full_routes() -> None:
    assert run(FakeLookups(), read_live_routes) == [{"id": "R1", "name": "a", "version": 2}]


def test_live_routes_are_read_into_the_model_with_their_version() -> None:
    [route] = run(FakeLookups(), live.read_all)
    assert route == LiveRoute(route_id="R1", version=2, route=Route(name="a"), api_version="v2")
