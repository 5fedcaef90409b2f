"""Incidents: custom field entries, role assignments and timestamps stored, checked and echoed as the spec shapes
them; a severity required where the organisation requires one; every list filter the spec documents applied."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.emulator import EmulatorSettings, EmulatorState, create_app
from reconciler.emulator.incidents import store
from tests.emulator_helpers import SpecSchemas, SyncClient
from tests.test_emulator_incidents import ADMIN, ORG, conforms

TEXT, SELECT, MULTI, NUMBER, LINK = (f"01CF{kind:0>22}" for kind in ("TEXT", "SELECT", "MULTI", "NUMBER", "LINK"))
LOW, HIGH, EU, US = (f"01OPT{name:0>21}" for name in ("LOW", "HIGH", "EU", "US"))
LEAD, COMMS = "01ROLELEAD0000000000000000", "01ROLECOMMS000000000000000"
STARTED, FIXED = "01TSSTARTED000000000000000", "01TSFIXED00000000000000000"
ALEX, SAM = "01USERALEX0000000000000000", "01USERSAM00000000000000000"
FIELDS_ORG: dict[str, Any] = copy.deepcopy(ORG) | {
    "custom_fields": [
        {"id": TEXT, "name": "Service", "field_type": "text"},
        {"id": SELECT, "name": "Impact", "field_type": "single_select"},
        {"id": MULTI, "name": "Regions", "field_type": "multi_select"},
        {"id": NUMBER, "name": "Customers", "field_type": "numeric"},
        {"id": LINK, "name": "Runbook", "field_type": "link"},
    ],
    "custom_field_options": [
        {"id": LOW, "custom_field_id": SELECT, "value": "Low", "sort_key": 1},
        {"id": HIGH, "custom_field_id": SELECT, "value": "High", "sort_key": 2},
        {"id": EU, "custom_field_id": MULTI, "value": "EU"},
        {"id": US, "custom_field_id": MULTI, "value": "US"},
    ],
    "incident_roles": [
        {"id": LEAD, "name": "Incident Lead", "role_type": "lead"},
        {"id": COMMS, "name": "Comms", "role_type": "custom"},
    ],
    "incident_timestamps": [
        {"id": STARTED, "name": "Impact started", "rank": 1},
        {"id": FIXED, "name": "Fixed", "rank": 2},
    ],
    "users": [
        {"id": ALEX, "name": "Alex", "email": "alex@example.com", "slack_user_id": "U1ALEX", "role": "responder"},
        {"id": SAM, "name": "Sam", "email": "sam@example.com", "role": "administrator"},
    ],
}


def fields_app(**organisation: bool) -> Any:
    data = FIELDS_ORG | {"organisation": organisation}
    return create_app(EmulatorState.from_dict(data), settings=EmulatorSettings(rate_limit_enabled=False))


@pytest.fixture
def client() -> Iterator[SyncClient]:
    with SyncClient(fields_app()) as c:
        c.headers["Authorization"] = f"Bearer {ADMIN}"
        yield c


@pytest.fixture(scope="module")
def spec(openapi_spec: dict[str, Any]) -> SpecSchemas:
    return SpecSchemas(openapi_spec)


EVERYTHING: dict[str, Any] = {
    "idempotency_key": "k1",
    "visibility": "public",
    "name": "Checkout down",
    "custom_field_entries": [
        {"custom_field_id": TEXT, "values": [{"value_text": "checkout"}]},
        {"custom_field_id": SELECT, "values": [{"value_option_id": HIGH}]},
        {"custom_field_id": MULTI, "values": [{"value_option_id": EU}, {"value_option_id": US}]},
        {"custom_field_id": NUMBER, "values": [{"value_numeric": "1200"}]},
        {"custom_field_id": LINK, "values": [{"value_link": "https://runbooks.example.com/checkout"}]},
    ],
    "incident_role_assignments": [
        {"incident_role_id": LEAD, "assignee": {"email": "ALEX@example.com"}},
        {"incident_role_id": COMMS, "assignee": {"id": SAM}},
    ],
    "incident_timestamp_values": [{"incident_timestamp_id": STARTED, "value": "2026-03-01T09:30:00Z"}],
}


def test_fields_roles_and_timestamps_are_stored_and_echoed_as_the_spec_shapes_them(
    client: SyncClient, spec: SpecSchemas
) -> None:
    response = client.post("/v2/incidents", json=EVERYTHING)
    assert response.status_code == 200, response.text
    conforms(spec, "POST", "/v2/incidents", response, EVERYTHING)
    incident = response.json()["incident"]
    entries = {e["custom_field"]["name"]: e for e in incident["custom_field_entries"]}
    assert entries["Service"]["values"] == [{"value_text": "checkout"}]
    assert [v["value_option"]["value"] for v in entries["Regions"]["values"]] == ["EU", "US"]
    assert entries["Impact"]["custom_field"]["options"][0] == {
        "id": LOW,
        "custom_field_id": SELECT,
        "value": "Low",
        "sort_key": 1,
    }
    assert entries["Customers"]["values"] == [{"value_numeric": "1200"}]
    roles = {a["role"]["name"]: a["assignee"] for a in incident["incident_role_assignments"]}
    assert roles == {
        "Incident Lead": {
            "id": ALEX,
            "name": "Alex",
            "role": "responder",
            "email": "alex@example.com",
            "slack_user_id": "U1ALEX",
        },
        "Comms": {"id": SAM, "name": "Sam", "role": "administrator", "email": "sam@example.com"},
    }
    assert incident["incident_timestamp_values"] == [
        {
            "incident_timestamp": {"id": STARTED, "name": "Impact started", "rank": 1},
            "value": {"value": "2026-03-01T09:30:00Z"},
        }
    ]
    shown = client.get("/v2/incidents/1")
    conforms(spec, "GET", "/v2/incidents/{id}", shown)
    assert shown.json()["incident"] == incident


def test_an_edit_replaces_only_what_it_names(client: SyncClient, spec: SpecSchemas) -> None:
    client.post("/v2/incidents", json=EVERYTHING)
    edit = {
        "incident": {
            "custom_field_entries": [
                {"custom_field_id": SELECT, "values": [{"value_option_id": LOW}]},
                {"custom_field_id": TEXT, "values": []},  # clears the field
            ],
            "incident_role_assignments": [{"incident_role_id": COMMS}],  # unassigns
            "incident_timestamp_values": [{"incident_timestamp_id": FIXED, "value": "2026-03-01T11:00:00+01:00"}],
        },
        "notify_incident_channel": False,
    }
    response = client.post("/v2/incidents/1/actions/edit", json=edit)
    assert response.status_code == 200, response.text
    conforms(spec, "POST", "/v2/incidents/{id}/actions/edit", response, edit)
    incident = response.json()["incident"]
    values = {e["custom_field"]["name"]: e["values"] for e in incident["custom_field_entries"]}
    assert "Service" not in values and values["Impact"][0]["value_option"]["id"] == LOW
    assert [v["value_option"]["id"] for v in values["Regions"]] == [EU, US]  # untouched
    assert [a["role"]["id"] for a in incident["incident_role_assignments"]] == [LEAD]
    assert [t["incident_timestamp"]["name"] for t in incident["incident_timestamp_values"]] == [
        "Impact started",
        "Fixed",
    ]


@pytest.mark.parametrize(
    ("section", "item", "field"),
    [
        (
            "custom_field_entries",
            {"custom_field_id": "01NOPE", "values": []},
            "custom_field_entries[0].custom_field_id",
        ),
        ("custom_field_entries", {"custom_field_id": TEXT}, "custom_field_entries[0].values"),
        (
            "custom_field_entries",
            {"custom_field_id": TEXT, "values": [{"value_link": "https://x"}]},
            "custom_field_entries[0].values[0].value_link",
        ),
        (
            "custom_field_entries",
            {"custom_field_id": SELECT, "values": [{"value_option_id": EU}]},  # another field's option
            "custom_field_entries[0].values[0].value_option_id",
        ),
        (
            "custom_field_entries",
            {"custom_field_id": SELECT, "values": [{"value_option_id": LOW}, {"value_option_id": HIGH}]},
            "custom_field_entries[0].values",
        ),
        (
            "custom_field_entries",
            {"custom_field_id": NUMBER, "values": [{"value_numeric": "many"}]},
            "custom_field_entries[0].values[0].value_numeric",
        ),
        (
            "custom_field_entries",
            {"custom_field_id": TEXT, "values": [{"value_text": "a", "value_link": "b"}]},
            "custom_field_entries[0].values[0]",
        ),
        (
            "custom_field_entries",
            {"custom_field_id": MULTI, "values": [{"value_catalog_entry_id": "01CAT"}]},
            "custom_field_entries[0].values[0].value_catalog_entry_id",
        ),
        ("incident_role_assignments", {"incident_role_id": "01NOPE"}, "incident_role_assignments[0].incident_role_id"),
        (
            "incident_role_assignments",
            {"incident_role_id": LEAD, "assignee": {"email": "nobody@example.com"}},
            "incident_role_assignments[0].assignee.email",
        ),
        (
            "incident_role_assignments",
            {"incident_role_id": LEAD, "assignee": {"id": ALEX, "email": "sam@example.com"}},
            "incident_role_assignments[0].assignee",
        ),
        (
            "incident_role_assignments",
            {"incident_role_id": LEAD, "assignee": {}},
            "incident_role_assignments[0].assignee",
        ),
        (
            "incident_timestamp_values",
            {"incident_timestamp_id": "01NOPE"},
            "incident_timestamp_values[0].incident_timestamp_id",
        ),
        (
            "incident_timestamp_values",
            {"incident_timestamp_id": STARTED, "value": "yesterday"},
            "incident_timestamp_values[0].value",
        ),
        (
            "incident_timestamp_values",
            {"incident_timestamp_id": STARTED, "value": "2026-03-01T09:30:00"},  # no zone
            "incident_timestamp_values[0].value",
        ),
    ],
)
def test_bad_entries_are_422s_naming_the_field(
    client: SyncClient, section: str, item: dict[str, Any], field: str
) -> None:
    created = client.post("/v2/incidents", json={"idempotency_key": "k", "visibility": "public", section: [item]})
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["source"] == {"field": field}
    client.post("/v2/incidents", json={"idempotency_key": "ok", "visibility": "public"})
    edited = client.post(
        "/v2/incidents/1/actions/edit", json={"incident": {section: [item]}, "notify_incident_channel": False}
    )
    assert edited.json()["errors"][0]["source"] == {"field": f"incident.{field}"}
    assert store(client.app.state.emulator).order == ["01KINC00000000000000000001"]


def test_a_severity_is_required_where_the_organisation_requires_one(spec: SpecSchemas) -> None:
    with SyncClient(fields_app(severity_required=True)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        refused = client.post("/v2/incidents", json={"idempotency_key": "k", "visibility": "public"})
        conforms(spec, "POST", "/v2/incidents", refused)
        body = refused.json()
        assert (refused.status_code, body["type"]) == (422, "validation_error")
        assert body["errors"] == [
            {
                "code": "is_required",
                "message": "A severity is required to open an incident",
                "source": {"field": "severity_id"},
            }
        ]
        with_severity = {"idempotency_key": "k", "visibility": "public", "severity_id": "01SEVMINOR000000000000000"}
        assert client.post("/v2/incidents", json=with_severity).status_code == 200
        assert client.get("/_emulator/organisation").json() == {"v3_migrated": True, "severity_required": True}


def _seed(client: SyncClient) -> None:
    """Five incidents with distinct creation times, fields and roles (created through the API)."""
    rows = [
        ("2026-01-01T10:00:00Z", HIGH, [EU], ALEX),
        ("2026-01-02T10:00:00Z", LOW, [US], None),
        ("2026-01-02T23:59:59Z", None, [EU, US], SAM),
        ("2026-01-03T00:00:00Z", HIGH, [], ALEX),
        ("2026-01-05T08:00:00Z", None, [], None),
    ]
    for n, (created, impact, regions, lead) in enumerate(rows, start=1):
        body: dict[str, Any] = {"idempotency_key": f"k{n}", "visibility": "public", "custom_field_entries": []}
        if impact:
            body["custom_field_entries"].append({"custom_field_id": SELECT, "values": [{"value_option_id": impact}]})
        if regions:
            body["custom_field_entries"].append(
                {"custom_field_id": MULTI, "values": [{"value_option_id": r} for r in regions]}
            )
        if lead:
            body["incident_role_assignments"] = [{"incident_role_id": LEAD, "assignee": {"id": lead}}]
        incident = client.post("/v2/incidents", json=body).json()["incident"]
        stored = store(client.app.state.emulator).incidents[incident["id"]]
        stored["created_at"] = created
        stored["updated_at"] = created.replace("2026-01", "2026-02")


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({"created_at[gte]": "2026-01-02"}, [2, 3, 4, 5]),
        ({"created_at[lte]": "2026-01-02"}, [1]),  # a bare date is its midnight, as the spec's text reads
        ({"created_at[lte]": "2026-01-02T10:00:00Z"}, [1, 2]),
        ({"created_at[date_range]": "2026-01-02~2026-01-03"}, [2, 3, 4]),  # the second date covers its day
        ({"updated_at[gte]": "2026-02-03"}, [4, 5]),
        ({"custom_field[" + SELECT + "][one_of]": HIGH}, [1, 4]),
        ({"custom_field[" + SELECT + "][not_in]": HIGH}, [2, 3, 5]),
        ({"custom_field[" + MULTI + "][one_of]": [EU, US]}, [1, 2, 3]),
        ({"custom_field[" + SELECT + "][is_blank]": "true"}, [3, 5]),
        ({"incident_role[" + LEAD + "][one_of]": ALEX}, [1, 4]),
        ({"incident_role[" + LEAD + "][is_set]": "true"}, [1, 3, 4]),
        ({"incident_role[" + LEAD + "][is_blank]": "true"}, [2, 5]),
        ({"custom_field[" + SELECT + "][one_of]": LOW, "incident_role[" + LEAD + "][one_of]": SAM}, []),
        (
            {
                "custom_field[" + SELECT + "][one_of]": LOW,
                "incident_role[" + LEAD + "][one_of]": SAM,
                "filter_mode": "any",
            },
            [2, 3],
        ),
        ({"created_at[gte]": "2026-01-03", "sort_by": "created_at_oldest_first"}, [4, 5]),
    ],
)
def test_list_filters_are_applied(
    client: SyncClient, spec: SpecSchemas, params: dict[str, Any], numbers: list[int]
) -> None:
    _seed(client)
    response = client.get("/v2/incidents", params=params)
    conforms(spec, "GET", "/v2/incidents", response)
    found = [int(i["reference"].split("-")[1]) for i in response.json()["incidents"]]
    assert sorted(found) == numbers
    assert response.json()["pagination_meta"]["total_record_count"] == len(numbers)
    if params.get("sort_by") == "created_at_oldest_first":
        assert found == numbers


@pytest.mark.parametrize(
    "params",
    [
        {"created_at[gte]": "soon"},
        {"created_at[date_range]": "2026-01-01"},
        {"created_at[one_of]": "2026-01-01"},
        {"custom_field[01NOPE][one_of]": "x"},
        {"custom_field[" + SELECT + "][gte]": "x"},
        {"custom_field[" + SELECT + "][is_blank]": "maybe"},
        {"incident_role[01NOPE][is_set]": "true"},
        {"filter_mode": "some"},
        {"mode[one_of]": "drill"},
    ],
)
def test_bad_filters_are_422s_naming_the_parameter(client: SyncClient, params: dict[str, Any]) -> None:
    response = client.get("/v2/incidents", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"field": next(iter(params))}
