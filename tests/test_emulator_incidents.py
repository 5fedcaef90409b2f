"""The emulator's incident endpoints: idempotent create, show by id or number, edit with limited status moves and
Slack notifications, the filtered paginated list; every response valid against the official spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator import EmulatorSettings, EmulatorState, create_app
from reconciler.emulator.incidents import SCOPES, seed_incidents, store
from tests.emulator_helpers import SpecSchemas, SyncClient

ADMIN = "test-admin"
READER = "test-reader"
ALL = ["*", *SCOPES]
ORG: dict[str, Any] = {
    "api_keys": [
        {"key": ADMIN, "name": "Admin key", "scopes": ALL},
        {"key": READER, "name": "Reader", "scopes": ["*.view", "incidents.view"]},
    ],
    "severities": [
        {"id": "01SEVCRITICAL0000000000000", "name": "Critical", "rank": 3},
        {"id": "01SEVMAJOR000000000000000", "name": "Major", "rank": 2},
        {"id": "01SEVMINOR000000000000000", "name": "Minor", "rank": 1},
    ],
    "incident_statuses": [
        {"id": "01STTRIAGE0000000000000000", "name": "Triage", "category": "triage", "rank": 0},
        {"id": "01STINVESTIGATING000000000", "name": "Investigating", "category": "live", "rank": 1},
        {"id": "01STFIXING0000000000000000", "name": "Fixing", "category": "live", "rank": 2},
        {"id": "01STDOCUMENTING00000000000", "name": "Documenting", "category": "learning", "rank": 3},
        {"id": "01STCLOSED0000000000000000", "name": "Closed", "category": "closed", "rank": 4},
        {"id": "01STDECLINED00000000000000", "name": "Declined", "category": "declined", "rank": 5},
    ],
    "incident_types": [
        {"id": "01TYDEFAULT000000000000000", "name": "Default", "is_default": True},
        {"id": "01TYOUTAGE0000000000000000", "name": "Production Outage"},
    ],
}
LIVE, FIXING, LEARNING, CLOSED, TRIAGE, DECLINED = (
    "01STINVESTIGATING000000000",
    "01STFIXING0000000000000000",
    "01STDOCUMENTING00000000000",
    "01STCLOSED0000000000000000",
    "01STTRIAGE0000000000000000",
    "01STDECLINED00000000000000",
)


def org_app() -> Any:
    settings_ = EmulatorSettings(rate_limit_enabled=False)
    return create_app(EmulatorState.from_dict(ORG), settings=settings_)


@pytest.fixture
def app() -> Any:
    return org_app()


@pytest.fixture
def client(app: Any) -> Iterator[SyncClient]:
    with SyncClient(app, base_url="http://emulator.test") as c:
        c.headers["Authorization"] = f"Bearer {ADMIN}"
        yield c


@pytest.fixture(scope="module")
def spec(openapi_spec: dict[str, Any]) -> SpecSchemas:
    return SpecSchemas(openapi_spec)


def conforms(spec: SpecSchemas, method: str, path: str, response: httpx.Response, body: Any = None) -> None:
    """The request body (if any) and the response against the official spec's schemas for that operation."""
    if body is not None:
        assert spec.request_errors(method, path, body) == []
    assert spec.response_errors(method, path, response.status_code, response.json()) == []


def create(client: SyncClient, **body: Any) -> Any:
    payload = {"idempotency_key": "k1", "visibility": "public", **body}
    return client.post("/v2/incidents", json=payload)


def test_create_returns_200_with_a_spec_valid_incident(client: SyncClient, spec: SpecSchemas) -> None:
    payload = {
        "idempotency_key": "k1",
        "visibility": "public",
        "name": "Database down",
        "summary": "Primary is unreachable",
        "severity_id": "01SEVCRITICAL0000000000000",
        "incident_type_id": "01TYOUTAGE0000000000000000",
        "mode": "standard",
    }
    response = client.post("/v2/incidents", json=payload)
    assert response.status_code == 200
    conforms(spec, "POST", "/v2/incidents", response, payload)
    body = response.json()
    incident = body["incident"]
    assert incident["reference"] == "INC-1"
    assert incident["severity"]["name"] == "Critical"
    assert incident["incident_status"]["name"] == "Investigating"  # the first live status
    assert incident["incident_type"]["name"] == "Production Outage"
    assert incident["creator"] == {"api_key": {"id": incident["creator"]["api_key"]["id"], "name": "Admin key"}}


def test_the_same_idempotency_key_never_opens_a_second_incident(client: SyncClient, app: Any) -> None:
    first = create(client, name="A").json()["incident"]
    again = create(client, name="A").json()["incident"]
    different_body = create(client, name="B").json()["incident"]
    assert first == again == different_body
    assert len(store(app.state.emulator).order) == 1
    assert len(app.state.emulator.write_log) == 1
    other = create(client, idempotency_key="k2", name="A").json()["incident"]
    assert other["reference"] == "INC-2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"visibility": "public"}, "idempotency_key"),
        ({"idempotency_key": "x"}, "visibility"),
        ({"idempotency_key": "x", "visibility": "secret"}, "visibility"),
        ({"idempotency_key": "x", "visibility": "public", "mode": "drill"}, "mode"),
        ({"idempotency_key": "x", "visibility": "public", "severity_id": "nope"}, "severity_id"),
        ({"idempotency_key": "x", "visibility": "public", "incident_status_id": CLOSED}, "incident_status_id"),
    ],
)
def test_invalid_creates_are_422_naming_the_field(
    client: SyncClient, spec: SpecSchemas, body: dict[str, Any], field: str
) -> None:
    response = client.post("/v2/incidents", json=body)
    assert response.status_code == 422
    conforms(spec, "POST", "/v2/incidents", response)
    error = response.json()
    assert error["type"] == "validation_error"
    assert error["errors"][0]["source"] == {"field": field}
    assert store(client.app.state.emulator).order == []


def test_show_by_id_or_reference_number(client: SyncClient, spec: SpecSchemas) -> None:
    incident = create(client, name="A").json()["incident"]
    by_id = client.get(f"/v2/incidents/{incident['id']}")
    by_number = client.get("/v2/incidents/1")
    assert by_id.status_code == by_number.status_code == 200
    conforms(spec, "GET", "/v2/incidents/{id}", by_id)
    assert by_id.json() == by_number.json() == {"incident": incident}
    missing = client.get("/v2/incidents/2")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "not_found"
    conforms(spec, "GET", "/v2/incidents/{id}", missing)


def test_edit_changes_only_the_given_fields_and_notifies(client: SyncClient, spec: SpecSchemas) -> None:
    incident = create(client, name="A", summary="first").json()["incident"]
    payload = {"incident": {"severity_id": "01SEVMAJOR000000000000000"}, "notify_incident_channel": True}
    response = client.post(f"/v2/incidents/{incident['id']}/actions/edit", json=payload)
    assert response.status_code == 200
    conforms(spec, "POST", "/v2/incidents/{id}/actions/edit", response, payload)
    edited = response.json()["incident"]
    assert edited["severity"]["name"] == "Major"
    unchanged = {k: v for k, v in edited.items() if k not in ("severity", "updated_at")}
    assert unchanged == {k: v for k, v in incident.items() if k not in ("severity", "updated_at")}
    notes = client.get("/_emulator/notifications").json()["notifications"]
    assert [(n["reference"], n["changed"]) for n in notes] == [("INC-1", ["severity"])]
    quiet = {"incident": {"name": "B"}, "notify_incident_channel": False}
    assert client.post("/v2/incidents/1/actions/edit", json=quiet).json()["incident"]["name"] == "B"
    assert len(client.get("/_emulator/notifications").json()["notifications"]) == 1


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (LIVE, FIXING, True),  # within a category
        (LIVE, LEARNING, True),  # resolve into post-incident
        (LIVE, CLOSED, True),  # resolve straight to closed
        (TRIAGE, CLOSED, True),
        (LEARNING, CLOSED, True),
        (LEARNING, LIVE, False),  # no way back
        (CLOSED, LIVE, False),
        (CLOSED, LEARNING, False),
        (LIVE, TRIAGE, False),
        (TRIAGE, DECLINED, False),
    ],
)
def test_status_transitions_are_limited(client: SyncClient, start: str, target: str, allowed: bool) -> None:
    incident = seed(client, start)
    body = {"incident": {"incident_status_id": target}, "notify_incident_channel": False}
    response = client.post(f"/v2/incidents/{incident}/actions/edit", json=body)
    assert response.status_code == (200 if allowed else 422)
    if not allowed:
        assert response.json()["errors"][0]["source"] == {"field": "incident.incident_status_id"}


def seed(client: SyncClient, status: str) -> str:
    """An incident in `status` (seeded as a retrospective import could: any category)."""
    emu = client.app.state.emulator
    [incident_id] = seed_incidents(emu, 1)
    store(emu).incidents[incident_id]["incident_status"] = emu.state.incident_statuses[status]
    return incident_id


def test_edit_requires_its_fields(client: SyncClient) -> None:
    create(client)
    assert client.post("/v2/incidents/1/actions/edit", json={"incident": {}}).status_code == 422
    assert client.post("/v2/incidents/1/actions/edit", json={"notify_incident_channel": True}).status_code == 422


def test_scopes_are_per_key(client: SyncClient, spec: SpecSchemas) -> None:
    create(client)
    reader = {"Authorization": f"Bearer {READER}"}
    assert client.get("/v2/incidents/1", headers=reader).status_code == 200
    denied = client.post("/v2/incidents", json={"idempotency_key": "r", "visibility": "public"}, headers=reader)
    assert denied.status_code == 403
    conforms(spec, "POST", "/v2/incidents", denied)
    assert denied.json()["errors"][0]["message"] == "This API key does not have the incidents.create scope"
    edit = {"incident": {"name": "x"}, "notify_incident_channel": False}
    assert client.post("/v2/incidents/1/actions/edit", json=edit, headers=reader).status_code == 403


def test_list_pages_filters_and_counts(client: SyncClient, spec: SpecSchemas) -> None:
    emu = client.app.state.emulator
    seed_incidents(emu, 30, status_id=LIVE)
    seed_incidents(emu, 20, status_id=TRIAGE)
    seed_incidents(emu, 5, mode="test")
    seen: list[str] = []
    after = None
    while True:
        params: dict[str, Any] = {"page_size": 7, "status_category[one_of]": "live"}
        if after:
            params["after"] = after
        response = client.get("/v2/incidents", params=params)
        conforms(spec, "GET", "/v2/incidents", response)
        body = response.json()
        assert body["pagination_meta"]["total_record_count"] == 30
        seen += [i["id"] for i in body["incidents"]]
        after = body["pagination_meta"].get("after")
        if not after:
            break
    assert len(seen) == len(set(seen)) == 30
    assert seen == sorted(seen, reverse=True)  # newest first by default
    everything = client.get("/v2/incidents", params={"page_size": 250}).json()["pagination_meta"]
    assert everything["total_record_count"] == 50  # test incidents are left out by default
    tests = client.get("/v2/incidents", params={"mode[one_of]": "test"}).json()["pagination_meta"]
    assert tests["total_record_count"] == 5
    not_live = client.get("/v2/incidents", params={"status_category[not_in]": "live"}).json()
    assert not_live["pagination_meta"]["total_record_count"] == 20


@pytest.mark.parametrize(
    "params",
    [{"page_size": 0}, {"page_size": 251}, {"page_size": "x"}, {"status_category[like]": "live"}, {"sort_by": "name"}],
)
def test_bad_list_parameters_are_422(client: SyncClient, params: dict[str, Any]) -> None:
    assert client.get("/v2/incidents", params=params).status_code == 422


@settings(max_examples=25, deadline=None)
@given(
    statuses=st.lists(st.sampled_from([LIVE, FIXING, TRIAGE, LEARNING, CLOSED]), max_size=40),
    page_size=st.integers(1, 12),
    categories=st.sets(st.sampled_from(["live", "triage", "learning", "closed"]), min_size=1),
    oldest_first=st.booleans(),
)
def test_walking_the_cursor_returns_each_match_once(
    statuses: list[str], page_size: int, categories: set[str], oldest_first: bool
) -> None:
    with SyncClient(org_app(), base_url="http://emulator.test") as c:
        emu = c.app.state.emulator
        for status in statuses:
            seed_incidents(emu, 1, status_id=status if status in (LIVE, FIXING, TRIAGE) else None)
            if status not in (LIVE, FIXING, TRIAGE):
                store(emu).incidents[store(emu).order[-1]]["incident_status"] = emu.state.incident_statuses[status]
        expected = [i for i in store(emu).order if store(emu).incidents[i]["incident_status"]["category"] in categories]
        params: dict[str, Any] = {"page_size": page_size, "status_category[one_of]": sorted(categories)}
        params["sort_by"] = "created_at_oldest_first" if oldest_first else "created_at_newest_first"
        seen: list[str] = []
        headers = {"Authorization": f"Bearer {ADMIN}"}
        while True:
            body = c.get("/v2/incidents", params=params, headers=headers).json()
            assert len(body["incidents"]) <= page_size
            seen += [i["id"] for i in body["incidents"]]
            if "after" not in body["pagination_meta"]:
                break
            params["after"] = body["pagination_meta"]["after"]
        assert seen == (expected if oldest_first else expected[::-1])


def test_bulk_seeding_endpoint(client: SyncClient) -> None:
    response = client.post("/_emulator/incidents/bulk", json={"count": 600, "incident_status_id": LIVE})
    assert response.status_code == 201
    assert len(response.json()["ids"]) == 600
    meta = client.get("/v2/incidents", params={"page_size": 1}).json()["pagination_meta"]
    assert meta["total_record_count"] == 600
    assert client.post("/_emulator/incidents/bulk", json={"count": -1}).status_code == 400


@pytest.mark.untraced
@pytest.mark.slow
def test_incident_operations_conform_under_generated_requests(openapi_spec: dict[str, Any]) -> None:
    """schemathesis over the spec's four incident operations (as the routes' run in test_emulator_schemathesis.py):
    no 5xx, 2xx bodies match the spec, undocumented statuses are error classes with the envelope."""
    import random

    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    from reconciler.emulator import serve_in_thread
    from tests.test_emulator_schemathesis import documented_or_enveloped_status, fuzz_settings

    app = org_app()
    seed_incidents(app.state.emulator, 3)
    wanted = {
        "GET /v2/incidents",
        "POST /v2/incidents",
        "GET /v2/incidents/{id}",
        "POST /v2/incidents/{id}/actions/edit",
    }
    schema = schemathesis.openapi.from_dict(openapi_spec).include(path_regex=r"^/v2/incidents")
    operations = [op for r in schema.get_all_operations() if (op := r.ok()).label in wanted]
    assert sorted(op.label for op in operations) == sorted(wanted)
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance, documented_or_enveloped_status]
    statuses: dict[str, set[int]] = {}
    rng = random.Random(11)
    with serve_in_thread(app) as url:
        for operation in operations:

            @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
            @fuzz_settings(20)
            def run(case: Any) -> None:
                if "id" in (case.path_parameters or {}) and rng.random() < 0.5:
                    case.path_parameters["id"] = rng.choice(store(app.state.emulator).order)
                body = case.body if isinstance(case.body, dict) else None
                if body is not None and rng.random() < 0.5:  # ids that exist, so success paths are reached too
                    for field in ("severity_id", "incident_status_id", "incident_type_id"):
                        body.pop(field, None)
                    body.get("incident", {}).pop("severity_id", None)
                    body.get("incident", {}).pop("incident_status_id", None)
                response = case.call_and_validate(
                    base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}, checks=checks
                )
                statuses.setdefault(case.operation.label, set()).add(response.status_code)

            run()
    assert 200 in statuses["POST /v2/incidents"] and 200 in statuses["GET /v2/incidents/{id}"], statuses
    assert 200 in statuses["POST /v2/incidents/{id}/actions/edit"], statuses
