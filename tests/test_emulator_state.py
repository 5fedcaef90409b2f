"""The example organisation matches docs/example-organisation.md; state files load; pagination is exact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator import Emulator, EmulatorSettings, load_state, seed_routes
from reconciler.emulator.state import example_state_data
from reconciler.emulator.views import render_v2, render_v3
from tests.emulator_helpers import ADMIN, in_process


def _by_name(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items.values()}


def test_example_lookups_match_the_doc() -> None:
    state = load_state()
    assert {n: s["source_type"] for n, s in _by_name(state.alert_sources).items()} == {
        "Alertmanager (Production)": "alertmanager",
        "Checkly (Production)": "checkly",
        "Alertmanager (Staging)": "alertmanager",
        "Checkly (Staging)": "checkly",
        "sev0@ Email": "email",
        "Grafana Cloud": "grafana",
        "PlanetScale": "http",
        "Axiom": "http",
        "Status Page Views": "http",
    }
    assert {n: a["type"] for n, a in _by_name(state.alert_attributes).items()} == {
        "severity": "String",
        "branch": "String",
    }
    assert list(_by_name(state.escalation_paths)) == ["Engineering On-Call"]
    assert {n: s["rank"] for n, s in _by_name(state.severities).items()} == {"Critical": 3, "Major": 2, "Minor": 1}
    assert [(s["name"], s["category"]) for s in state.incident_statuses.values()][:2] == [
        ("Triage", "triage"),
        ("Investigating", "live"),
    ]
    assert len(state.incident_statuses) == 10
    assert {n: t["is_default"] for n, t in _by_name(state.incident_types).items()} == {
        "Default": True,
        "Production Outage": False,
    }
    assert {n: f["field_type"] for n, f in _by_name(state.custom_fields).items()} == {
        "Affected Service": "text",
        "Customer Impact": "single_select",
    }
    assert [o["value"] for o in state.custom_field_options.values()] == ["None", "Some", "Widespread"]
    assert {n: r["role_type"] for n, r in _by_name(state.incident_roles).items()} == {
        "Incident Lead": "lead",
        "Reporter": "reporter",
        "Communications Lead": "custom",
    }
    assert [(t["name"], t["rank"]) for t in state.incident_timestamps.values()] == [
        ("Impact started", 1),
        ("Identified", 2),
        ("Fixed", 3),
    ]
    assert (state.organisation.v3_migrated, state.organisation.severity_required) == (True, False)
    assert {u["email"] for u in state.users.values()} == {"oncall@example.com", "admin@example.com"}
    assert set(_by_name(state.teams)) == {"Platform", "Database"}
    assert state.slack_channels == {"C07ALERTS01": "#alerts", "C07STAGING1": "#alerts-staging"}
    assert set(state.keys) == {"example-admin", "example-readonly", "example-no-severities"}


def _conditions(route: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    state = load_state()
    out = []
    for source in route["alert_sources"]:
        name = state.alert_sources[source["alert_source_id"]]["name"]
        for group in source["condition_groups"]:
            for c in group["conditions"]:
                attribute = state.alert_attributes[c["subject"]["reference"].rsplit(".", 1)[1]]["name"]
                values = [v["literal"] for b in c["param_bindings"] for v in b.get("array_value", [])]
                out.append((name, attribute, c["operation"]["value"], values))
    return out


def test_example_routes_match_the_doc_with_the_dashboard_edit() -> None:
    state = load_state()
    routes = {r["name"]: render_v2(r, state) for r in state.routes.routes()}
    assert list(routes) == [
        "Production Alerts",
        "Production Warnings",
        "Unrouted Alerts",
        "Database Alerts",
        "Staging Notifications",
        "Informational",
    ]
    assert routes["Production Alerts"]["version"] == 7 and routes["Production Warnings"]["version"] == 4
    assert all(1 <= routes[n]["version"] <= 3 for n in list(routes)[2:])
    # The edit made "in the dashboard": [warning] became [warning, info].
    assert _conditions(routes["Production Warnings"]) == [
        ("Alertmanager (Production)", "severity", "contains_one_of", ["warning", "info"])
    ]
    assert _conditions(routes["Production Alerts"]) == [
        ("Alertmanager (Production)", "severity", "contains_one_of", ["critical"])
    ]
    assert _conditions(routes["Unrouted Alerts"]) == [("Alertmanager (Production)", "severity", "is_blank", [])]
    assert _conditions(routes["Database Alerts"]) == [("PlanetScale", "branch", "contains_one_of", ["main"])]
    alerts = routes["Production Alerts"]
    assert alerts["escalation_config"]["auto_cancel_escalations"] is True
    target = alerts["escalation_config"]["escalation_targets"][0]
    assert target["users"] == target["escalation_paths"]  # the server's echo
    assert alerts["incident_config"]["grouping_window_seconds"] == 1800
    assert alerts["incident_template"]["severity"]["merge_strategy"] == "max"
    assert routes["Database Alerts"]["incident_template"]["severity"]["binding"]["value"]["label"] == "Major"
    assert routes["Informational"]["channel_config"] == []
    staging = routes["Staging Notifications"]["channel_config"][0]["slack_targets"]["binding"]["array_value"]
    assert staging == [{"label": "#alerts-staging", "literal": "C07STAGING1"}]


def test_example_routes_are_exactly_what_the_server_renders_from_their_payloads() -> None:
    """The state file holds the routes as AlertRouteV2; stored once, they render back byte for byte."""
    state = load_state()
    assert [render_v2(r, state) for r in state.routes.routes()] == example_state_data()["routes"]


def test_a_yaml_state_file_loads_with_defaults_filled(tmp_path: Path) -> None:
    data = {
        "api_keys": [{"key": "k1", "name": "Key one", "scopes": ["*.view", "-users.view"]}],
        "severities": [{"id": "S1", "name": "Bad", "rank": 1}],
        "users": [{"id": "U1", "name": "Una", "email": "una@example.com"}],
    }
    path = tmp_path / "state.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    state = load_state(path)
    assert "users.view" not in state.keys["k1"].scopes and "severities.view" in state.keys["k1"].scopes
    assert state.severities["S1"]["description"] == "Bad" and state.users["U1"]["is_active"] is True
    assert len(state.routes) == 0 and state.alert_sources == {}
    json_path = tmp_path / "state.json"
    json_path.write_text(json.dumps(data), encoding="utf-8")
    assert load_state(json_path).keys == state.keys


@settings(max_examples=25, deadline=None)
@given(count=st.integers(0, 60), size=st.integers(1, 50))
def test_paging_returns_every_route_once_in_order(count: int, size: int) -> None:
    async def run() -> tuple[list[str], list[str]]:
        async with in_process(settings=EmulatorSettings(rate_limit_enabled=False)) as (client, app):
            emu: Emulator = app.state.emulator
            seed_routes(emu, count)
            seen: list[str] = []
            after: str | None = None
            while True:
                params: dict[str, Any] = {"page_size": size} | ({"after": after} if after else {})
                page = (await client.get("/v2/alert_routes", headers=ADMIN, params=params)).json()
                seen += [r["id"] for r in page["alert_routes"]]
                assert len(page["alert_routes"]) <= size
                after = page["pagination_meta"].get("after")
                if after is None:
                    return seen, [r["id"] for r in emu.state.routes.routes()]

    seen, expected = asyncio.run(run())
    assert seen == expected and len(seen) == count + 6


def test_bulk_seeding_over_http() -> None:
    async def run() -> tuple[int, int]:
        async with in_process() as (client, app):
            response = await client.post("/_emulator/routes/bulk", json={"count": 250, "name_prefix": "Bench"})
            listed = await client.get("/v2/alert_routes", headers=ADMIN, params={"page_size": 50})
            assert listed.status_code == 200
            return response.status_code, len(app.state.emulator.state.routes)

    assert asyncio.run(run()) == (201, 256)


def test_a_state_file_holds_the_organisation_and_routes_in_either_form(tmp_path: Path) -> None:
    """Routes may be given as AlertRouteV2 or AlertRouteV3 (as either API returns them); both load into one store."""
    data = example_state_data()
    v2_route = data["routes"][0]
    state = load_state()
    v3_route = render_v3(state.routes.get(v2_route["id"]).route, state) | {"id": "01KV3ROUTE0000000000000001"}
    path = tmp_path / "state.json"
    path.write_text(
        json.dumps(data | {"routes": [v2_route, v3_route], "organisation": {"v3_migrated": False}}), encoding="utf-8"
    )
    loaded = load_state(path)
    assert loaded.organisation.v3_migrated is False and loaded.organisation.severity_required is False
    first, second = (render_v3(r, loaded) for r in loaded.routes.routes())
    assert first == v3_route | {"id": v2_route["id"]}  # the same route, whichever form the file held
    assert render_v2(loaded.routes.get(v3_route["id"]).route, loaded) == v2_route | {"id": v3_route["id"]}
    assert second["id"] == v3_route["id"]


def test_a_bad_organisation_in_a_state_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.yaml"
    path.write_text("organisation: {v3_migrated: maybe}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^state: organisation.v3_migrated must be true or false, got 'maybe'$"):
        load_state(path)
