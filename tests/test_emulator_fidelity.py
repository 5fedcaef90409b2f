"""Fidelity fixes found while probing the emulator: `Allow` on every 405, no trailing-slash redirects, and one rule
for `after` on every list (a position, never an error)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator import EmulatorSettings, create_app, seed_routes
from reconciler.emulator.incidents import seed_incidents
from tests.emulator_helpers import ADMIN, ERROR_ENVELOPE, SyncClient

ROUTE = "01JQ3ZROUTE000000000000002"


@pytest.fixture(scope="module")
def client() -> Iterator[SyncClient]:
    with SyncClient(create_app(settings=EmulatorSettings(rate_limit_enabled=False))) as c:
        c.headers.update(ADMIN)
        yield c


@pytest.mark.parametrize(
    ("path", "method", "allow"),
    [
        ("/v2/alert_routes", "DELETE", "GET, POST"),
        ("/v3/alert_routes", "PUT", "GET, POST"),
        (f"/v2/alert_routes/{ROUTE}", "POST", "DELETE, GET, PUT"),
        (f"/v3/alert_routes/{ROUTE}", "PATCH", "DELETE, GET, PUT"),
        ("/v2/incidents", "PUT", "GET, POST"),
        ("/v2/incidents/1", "DELETE", "GET"),
        ("/v2/incidents/1/actions/edit", "GET", "POST"),
        ("/v1/severities", "POST", "GET"),
        ("/_emulator/faults", "DELETE", "GET, POST"),
        ("/_emulator/organisation", "PUT", "GET, POST"),
    ],
)
def test_a_405_names_every_method_the_path_serves(client: SyncClient, path: str, method: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    body = response.json()
    jsonschema.validate(body, ERROR_ENVELOPE)
    assert (body["type"], body["errors"][0]["code"]) == ("method_not_allowed", "method_not_allowed")


@pytest.mark.parametrize(
    "path", ["/v2/alert_routes/", "/v3/alert_routes/", f"/v2/alert_routes/{ROUTE}/", "/v1/severities/"]
)
def test_a_trailing_slash_is_another_path_not_a_redirect(client: SyncClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "location" not in response.headers
    body = response.json()
    jsonschema.validate(body, ERROR_ENVELOPE)
    assert body["errors"][0]["code"] == "not_found"


def _walk(client: SyncClient, path: str, key: str, params: dict[str, Any], size: int) -> tuple[list[str], int]:
    """Every id a list yields by following its cursor, and the number of requests it took."""
    seen: list[str] = []
    query = dict(params, page_size=size)
    for requests in range(1, 1000):
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body[key]]
        after = body["pagination_meta"].get("after")
        if after is None:
            return seen, requests
        query["after"] = after
    raise AssertionError("the cursor never ended")


LISTS = [  # (path, key, params, largest page)
    ("/v2/alert_routes", "alert_routes", {}, 50),
    ("/v3/alert_routes", "alert_routes", {}, 50),
    ("/v2/users", "users", {}, 10000),
    ("/v3/teams", "teams", {}, 250),
    ("/v2/escalation_paths", "escalation_paths", {}, 25),
    ("/v1/custom_field_options", "custom_field_options", {"custom_field_id": "01JQ3ZCFIELD00000000000002"}, 250),
    ("/v2/incidents", "incidents", {}, 250),
    ("/v2/incidents", "incidents", {"sort_by": "created_at_oldest_first"}, 250),
]


@pytest.fixture(scope="module")
def stocked() -> Iterator[SyncClient]:
    app = create_app(settings=EmulatorSettings(rate_limit_enabled=False))
    seed_routes(app.state.emulator, 14)
    seed_incidents(app.state.emulator, 9)
    with SyncClient(app) as c:
        c.headers.update(ADMIN)
        yield c


@pytest.mark.parametrize(("path", "key", "params", "largest"), LISTS)
def test_one_after_rule_for_every_list(
    stocked: SyncClient, path: str, key: str, params: dict[str, Any], largest: int
) -> None:
    everything = stocked.get(path, params=params | {"page_size": largest}).json()[key]
    ids = [item["id"] for item in everything]
    for size in (1, 2, 3):
        assert _walk(stocked, path, key, params, size)[0] == ids  # each item once, in order
    # `after` is a position: an id that names nothing (deleted, or never there) still places the page...
    middle = ids[len(ids) // 2]
    gone = middle + "0"  # sorts right after `middle` (incidents newest first: right before it)
    page = stocked.get(path, params=params | {"after": gone, "page_size": largest}).json()[key]
    newest_first = path == "/v2/incidents" and not params
    expected = ids[ids.index(middle) :] if newest_first else ids[ids.index(middle) + 1 :]
    assert [item["id"] for item in page] == expected
    # ...and nothing about it is an error, wherever it points.
    for after in ("", "zzzzzz", "00", "not an id"):
        assert stocked.get(path, params=params | {"after": after}).status_code == 200


def test_a_full_last_page_carries_a_cursor_except_on_incidents(stocked: SyncClient) -> None:
    routes = len(stocked.get("/v2/alert_routes", params={"page_size": 50}).json()["alert_routes"])
    assert _walk(stocked, "/v3/alert_routes", "alert_routes", {}, routes)[1] == 2  # a full page, then an empty one
    incidents = len(stocked.get("/v2/incidents", params={"page_size": 250}).json()["incidents"])
    assert _walk(stocked, "/v2/incidents", "incidents", {}, incidents)[1] == 1  # it counts, so it knows


@settings(max_examples=20, deadline=None)
@given(count=st.integers(0, 30), size=st.integers(1, 12), deleted=st.integers(0, 5))
def test_a_walk_survives_deletions_between_pages(count: int, size: int, deleted: int) -> None:
    """Routes deleted while a client pages through the list never break the walk: every survivor is seen once."""
    app = create_app(settings=EmulatorSettings(rate_limit_enabled=False))
    seed_routes(app.state.emulator, count)
    with SyncClient(app) as client:
        client.headers.update(ADMIN)
        first = [r["id"] for r in client.get("/v3/alert_routes", params={"page_size": size}).json()["alert_routes"]]
        for route_id in first[len(first) - deleted :]:  # the route the cursor names among them
            assert client.delete(f"/v2/alert_routes/{route_id}").status_code == 204
        survivors = [r["id"] for r in app.state.emulator.state.routes.routes()]
        rest: list[str] = []
        after = first[-1] if len(first) == size else None
        while after:
            page = client.get("/v3/alert_routes", params={"page_size": size, "after": after}).json()
            rest += [r["id"] for r in page["alert_routes"]]
            after = page["pagination_meta"].get("after")
        assert rest == [i for i in survivors if not first or i > first[-1]]
