"""The saved plan: round trip, a checksum that pins the decisive data only, tamper detection."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ConfigError, UnsafePlan
from reconciler.model import Action, Change, FieldChange, LiveRouteSummary, Plan
from reconciler.planfile import dump_plan, load_plan, plan_checksum, safe_api_url


def sample_plan() -> Plan:
    return Plan(
        changes=(
            Change(
                Action.CREATE, "New", source="routes/new.yaml", desired={"name": "New"}, desired_doc={"name": "New"}
            ),
            Change(
                Action.UPDATE,
                "Warnings",
                route_id="R2",
                live_version=4,
                source="routes/warnings.yaml",
                desired={"name": "Warnings", "enabled": True},
                live={"name": "Warnings", "enabled": False},
                fields=(FieldChange("enabled", False, True),),
            ),
            Change(Action.DELETE, "Old", route_id="R3", live_version=2, live={"name": "Old"}),
        ),
        unmanaged=(LiveRouteSummary("R9", "Kept", 1),),
        in_sync=3,
        live_count=6,
    )


def test_round_trip_keeps_every_change() -> None:
    plan = sample_plan()
    text = dump_plan(plan, api_url="http://127.0.0.1:8080/v2?x=1", created_at="2026-01-01T00:00:00Z")
    saved = load_plan(text)
    assert saved.plan == plan
    assert saved.checksum == plan_checksum(plan)
    assert saved.api_url == "http://127.0.0.1:8080"
    data = json.loads(text)
    assert data["changes"][1]["live_version"] == 4
    assert data["summary"] == "1 to create, 1 to update, 1 to delete"
    expected = ["format_version", "checksum", "created_at", "api_url", "summary", "counts", "changes"]
    assert sorted(data) == sorted([*expected, "unmanaged", "in_sync", "live_count", "warnings"])


def test_checksum_ignores_time_host_and_sources_but_not_versions() -> None:
    plan = sample_plan()
    a = json.loads(dump_plan(plan, api_url="https://api.incident.io", created_at="2026-01-01T00:00:00Z"))
    b = json.loads(dump_plan(plan, api_url="http://127.0.0.1:1", created_at="2027-01-01T00:00:00Z"))
    assert a["checksum"] == b["checksum"]
    moved = Plan(changes=tuple(c if c.action is not Action.UPDATE else _with(c, live_version=5) for c in plan.changes))
    assert plan_checksum(moved) != plan_checksum(plan)
    resourced = Plan(changes=tuple(_with(c, source="elsewhere.yaml") for c in plan.changes))
    assert plan_checksum(resourced) == plan_checksum(Plan(changes=plan.changes))


def _with(change: Change, **kwargs: object) -> Change:
    from dataclasses import replace

    return replace(change, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["changes"][1].__setitem__("live_version", 5),
        lambda d: d["changes"][0]["desired"].__setitem__("name", "Evil"),
        lambda d: d["changes"].pop(),
        lambda d: d.__setitem__("checksum", "0" * 64),
    ],
)
def test_a_modified_plan_is_refused(edit: object) -> None:
    data = json.loads(dump_plan(sample_plan()))
    edit(data)  # type: ignore[operator]
    with pytest.raises(UnsafePlan, match="modified after it was written"):
        load_plan(json.dumps(data), source="plan.json")


@pytest.mark.parametrize("text", ["not json", "[]", '{"format_version": 99}', '{"format_version": 1}'])
def test_not_a_plan_file(text: str) -> None:
    with pytest.raises(ConfigError):
        load_plan(text)


def test_api_url_keeps_no_user_info_or_path() -> None:
    assert safe_api_url("https://user:secret@api.incident.io/v2?key=secret") == "https://api.incident.io"


@given(st.randoms(use_true_random=False))
def test_plan_json_is_byte_identical_under_any_order_of_keys(rng: random.Random) -> None:
    plan = sample_plan()
    shuffled = []
    for change in plan.changes:
        desired = change.desired
        if isinstance(desired, dict):
            items = list(desired.items())
            rng.shuffle(items)
            desired = dict(items)
        shuffled.append(_with(change, desired=desired))
    other = Plan(changes=tuple(shuffled), unmanaged=plan.unmanaged, in_sync=3, live_count=6)
    assert dump_plan(other, created_at="x") == dump_plan(plan, created_at="x")
