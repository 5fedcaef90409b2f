"""Diff: empty exactly when the canonical forms are equal; changes read in the file format, with names."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.diff import diff_payloads
from reconciler.model import FieldChange
from reconciler.normalize import canonicalize
from tests.strategies import (
    EXAMPLE_CATALOG,
    EXAMPLE_PAYLOADS,
    PROPERTY_CATALOG,
    TEAM_PLATFORM,
    canonical_payloads,
    route_payloads,
    server_echo,
)

WARNINGS = EXAMPLE_PAYLOADS["routes/production-warnings.yaml"]
ALERTS = EXAMPLE_PAYLOADS["routes/production-alerts.yaml"]


def test_example_routes_are_in_sync_with_their_live_echo() -> None:
    for payload in EXAMPLE_PAYLOADS.values():
        assert diff_payloads(payload, server_echo(payload, EXAMPLE_CATALOG), EXAMPLE_CATALOG) == ()


def test_dashboard_edit_of_production_warnings() -> None:
    live = copy.deepcopy(WARNINGS)
    live["alert_sources"][0]["condition_groups"][0]["conditions"][0]["param_bindings"] = [
        {"array_value": [{"literal": "warning"}, {"literal": "info"}]}
    ]
    changes = diff_payloads(WARNINGS, server_echo(live, EXAMPLE_CATALOG, version=4), EXAMPLE_CATALOG)
    assert changes == (
        FieldChange(path="alert_sources[0].conditions[0].values", old=["warning", "info"], new=["warning"]),
    )


def test_defaults_show_their_values_and_names_replace_ids() -> None:
    live = {**ALERTS, "enabled": False, "owning_team_ids": [TEAM_PLATFORM]}
    live["escalation_config"] = {"auto_cancel_escalations": True, "escalation_targets": []}
    assert diff_payloads(ALERTS, live, EXAMPLE_CATALOG) == (
        FieldChange(path="enabled", old=False, new=True),
        FieldChange(path="owning_teams", old=["Platform"], new=[]),
        FieldChange(
            path="escalation_config.escalation_targets",
            old=[],
            new=[{"escalation_paths": ["Engineering On-Call"]}],
        ),
    )


def test_list_length_changes_are_reported_whole() -> None:
    live = {**ALERTS, "alert_sources": ALERTS["alert_sources"][:2]}
    [change] = diff_payloads(ALERTS, live, EXAMPLE_CATALOG)
    assert change.path == "alert_sources"
    assert [s["alert_source"] for s in change.old] == ["Alertmanager (Production)", "Checkly (Production)"]
    assert len(change.new) == 4


def test_rename_and_template_change() -> None:
    live = copy.deepcopy(ALERTS)
    live["name"] = "Prod Alerts"
    live["incident_template"]["severity"]["merge_strategy"] = "first-wins"
    del live["incident_template"]["name"]
    assert diff_payloads(ALERTS, live, EXAMPLE_CATALOG) == (
        FieldChange(path="name", old="Prod Alerts", new="Production Alerts"),
        FieldChange(path="incident_template.name", old=None, new="{{ alert.title }}"),
        FieldChange(path="incident_template.severity.merge_strategy", old="first-wins", new="max"),
    )


@settings(max_examples=100, deadline=None)
@given(route_payloads(PROPERTY_CATALOG))
def test_a_route_equals_itself_and_its_echo(payload: dict[str, Any]) -> None:
    assert diff_payloads(payload, payload, PROPERTY_CATALOG) == ()
    assert diff_payloads(payload, server_echo(payload, PROPERTY_CATALOG), PROPERTY_CATALOG) == ()


@settings(max_examples=100, deadline=None)
@given(canonical_payloads(PROPERTY_CATALOG), canonical_payloads(PROPERTY_CATALOG))
def test_different_routes_differ(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert (diff_payloads(a, b, PROPERTY_CATALOG) == ()) == (a == b)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path]


@settings(max_examples=100, deadline=None)
@given(canonical_payloads(PROPERTY_CATALOG), st.data())
def test_any_single_edit_is_a_change(a: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_leaves(a)))
    b = copy.deepcopy(a)
    parent = b
    for part in path[:-1]:
        parent = parent[part]
    old = parent[path[-1]]
    parent[path[-1]] = (not old) if isinstance(old, bool) else (old + 1 if isinstance(old, int) else f"{old}x")
    changes = diff_payloads(b, a, PROPERTY_CATALOG)
    assert (changes == ()) == (canonicalize(b, PROPERTY_CATALOG) == a)
    for change in changes:
        assert change.old != change.new


def test_cast_and_concatenate_options_the_server_never_reports_are_not_changes() -> None:
    returns = {"array": False, "type": "String"}
    payload = {
        **ALERTS,
        "expressions": [
            {
                "label": "Team",
                "reference": "abc",
                "root_reference": "alert.title",
                "operations": [
                    {"operation_type": "cast", "cast": {"returns": returns}},
                    {"operation_type": "concatenate", "concatenate": {"reference": "alert.description"}},
                ],
            }
        ],
    }
    live = server_echo(payload, EXAMPLE_CATALOG)
    assert "cast" not in live["expressions"][0]["operations"][0]
    assert diff_payloads(payload, live, EXAMPLE_CATALOG) == ()
    # a change the server does report still shows
    changed = copy.deepcopy(payload)
    changed["expressions"][0]["label"] = "Owner"
    [change] = diff_payloads(changed, live, EXAMPLE_CATALOG)
    assert change.path == "expressions[0].label"
