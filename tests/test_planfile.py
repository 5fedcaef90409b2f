"""The plan file: the writer, the seal, the review fingerprint, the schema as the contract of `plan --format json`.

The malformed files are in test_planfile_malformed.py, the every-leaf property in test_planfile_properties.py; the
plans built here are shared with both.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reconciler.cli import main
from reconciler.core.plan import build_plan
from reconciler.errors import Location, Problem, UnsafePlan
from reconciler.files.decode import DesiredRoute
from reconciler.files.validate import make_validator
from reconciler.model import Action, LiveRoute, LiveRouteSummary, Plan, SafetyLimits
from reconciler.planfile import (
    dump_plan,
    load_plan,
    plan_checksum,
    plan_schema,
    plan_to_dict,
    review_fingerprint,
    safe_api_url,
)
from reconciler.planfile.write import FORMAT_VERSION, sha256_hex
from reconciler.route import Route
from reconciler.run.live import live_route
from reconciler.wire import encode, refusal
from tests.strategies import PROPERTY_CATALOG, server_echo, server_echo_v3

API = "https://api.incident.io"
AT = "2026-01-01T00:00:00Z"
CATALOG = PROPERTY_CATALOG
REVIEWED_KEYS = ("action", "name", "route_id", "live_version", "desired", "live", "desired_doc", "live_doc", "fields")


def _desired(route: Route, *, pinned: str | None = None) -> DesiredRoute:
    slug = route.name.lower().replace(" ", "-")
    return DesiredRoute(route=route, source=f"routes/{slug}.yaml", pinned_id=pinned)


def _live(route: Route, route_id: str, version: int) -> LiveRoute:
    """`route` as the API holds it: sent (through v2 when v2 can carry it), echoed by the server, read back."""
    if refusal(route, "v2") is None:
        return live_route(server_echo(encode(route, "v2"), CATALOG, route_id=route_id, version=version), "v2")
    return live_route(server_echo_v3(encode(route, "v3"), CATALOG, route_id=route_id, version=version), "v3")


def sample_plan(routes: Sequence[Route] = ()) -> Plan:
    """A plan with every part a plan file has: a create, an update, deletes (one refused: protected), an unmanaged
    route, a warning (a pinned id that is gone), plan-wide refusals (over tight limits) and the snapshot.

    `routes` (up to five, e.g. drawn by `tests.strategies.routes`) give the routes their content; by default each
    route has only its name. The plan is written through v2: a route only v3 can carry makes its change refused.
    """
    names = ["New Route", "Changed Route", "Same Route", "Old Route", "Protected Route"]
    content = [routes[i] if i < len(routes) else Route(name="") for i in range(len(names))]
    new, changed, same, old, protected = [replace(r, name=n) for r, n in zip(content, names, strict=True)]
    flipped = replace(changed, enabled=not changed.enabled)
    live = [
        _live(flipped, "01JQ3ZROUTECHANGED0000001", 4),
        _live(same, "01JQ3ZROUTESAME0000000001", 2),
        _live(old, "01JQ3ZROUTEOLD00000000001", 7),
        _live(protected, "01JQ3ZROUTEPROTECTED00001", 1),
        _live(Route(name="Dashboard Route"), "01JQ3ZROUTEDASHBOARD00001", 3),
    ]
    plan = build_plan(
        [_desired(new), _desired(changed), _desired(same, pinned="01JQ3ZROUTEGONE0000000001")],
        live,
        CATALOG,
        prune=True,
        protected=["Protected Route"],
        limits=SafetyLimits(min_routes=1, max_update_share=0.1, max_delete_share=0.25),
        api_version="v2",
    )
    # --prune deletes every unmatched route; keep one as unmanaged, so that the file has both.
    kept = next(c for c in plan.changes if c.name == "Dashboard Route")
    return replace(
        plan,
        changes=tuple(c for c in plan.changes if c is not kept),
        unmanaged=(LiveRouteSummary(str(kept.route_id), kept.name, kept.live_version),),
    )


def document(plan: Plan | None = None, *, api_url: str = API, created_at: str = AT) -> dict[str, Any]:
    return plan_to_dict(plan if plan is not None else sample_plan(), api_url=api_url, created_at=created_at)


def text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def reseal(doc: dict[str, Any], *, review: bool = True) -> dict[str, Any]:
    """What a forger does: recompute the review fingerprint (from the changes as they now are) and the seal."""
    if review and isinstance(doc.get("changes"), list):
        reviewed = [{key: change.get(key) for key in REVIEWED_KEYS} for change in doc["changes"]]
        doc["review"] = sha256_hex({"format_version": FORMAT_VERSION, "changes": reviewed})
    doc["checksum"] = plan_checksum(doc)
    return doc


def test_the_sample_has_every_part_of_a_plan() -> None:
    plan = sample_plan()
    assert [(c.action, c.name, bool(c.refused)) for c in plan.changes] == [
        (Action.CREATE, "New Route", False),
        (Action.UPDATE, "Changed Route", False),
        (Action.DELETE, "Old Route", False),
        (Action.DELETE, "Protected Route", True),
    ]
    assert plan.unmanaged and plan.warnings and plan.refusals and plan.in_sync == 1 and len(plan.snapshot) == 5


def test_round_trip_gives_an_equal_plan_with_the_same_seal_and_review() -> None:
    plan = sample_plan()
    written = dump_plan(plan, api_url="http://127.0.0.1:8080/v2?key=x", created_at=AT)
    saved = load_plan(written.encode("utf-8"), source="plan.json")
    assert saved.plan == plan
    assert [str(w) for w in saved.plan.warnings] == [str(w) for w in plan.warnings]
    assert saved.checksum == plan_checksum(plan, api_url="http://127.0.0.1:8080", created_at=AT)
    assert saved.checksum == json.loads(written)["checksum"]
    assert saved.review == review_fingerprint(plan)
    assert (saved.api_url, saved.created_at) == ("http://127.0.0.1:8080", AT)
    # Written again, the plan read back is the same file, byte for byte.
    assert dump_plan(saved.plan, api_url=saved.api_url, created_at=saved.created_at) == written
    assert load_plan(written).plan == plan  # text is read as well as bytes


def test_the_document_has_exactly_the_documented_keys() -> None:
    doc = document()
    optional = {"targets", "impact"}  # written only on a targeted plan, and with plan --replay
    assert sorted(doc) == sorted(plan_schema()["required"]) == sorted(set(plan_schema()["properties"]) - optional)
    assert doc["format_version"] == 3 and doc["api_version"] == "v2" and doc["refused"] is True
    assert doc["summary"] == "1 to create, 1 to update, 2 to delete"
    assert doc["counts"] == {"create": 1, "update": 1, "delete": 2}
    assert doc["limits"] == {"min_routes": 1, "max_update_share": 0.1, "max_delete_share": 0.25}
    assert doc["snapshot"]["01JQ3ZROUTECHANGED0000001"] == 4
    assert [c["refused"] for c in doc["changes"]] == [
        "",
        "",
        "",
        "refusing to delete protected route 'Protected Route' (01JQ3ZROUTEPROTECTED00001): it is marked protect: true",
    ]
    assert doc["checksum"] == plan_checksum(doc) == sha256_hex({k: v for k, v in doc.items() if k != "checksum"})


def test_the_writer_needs_where_and_when() -> None:
    with pytest.raises(ValueError, match="API URL"):
        dump_plan(sample_plan(), api_url="", created_at=AT)
    with pytest.raises(ValueError, match="API URL"):
        plan_checksum(sample_plan())
    with pytest.raises(ValueError, match="created_at"):
        dump_plan(sample_plan(), api_url=API, created_at="yesterday")


def test_the_seal_covers_what_is_only_shown_and_where_and_when() -> None:
    base = document()
    assert document(created_at="2027-01-01T00:00:00Z")["checksum"] != base["checksum"]
    assert document(api_url="http://127.0.0.1:1")["checksum"] != base["checksum"]
    plan = sample_plan()
    moved = replace(plan, changes=tuple(replace(c, source="elsewhere.yaml") for c in plan.changes))
    assert document(moved)["checksum"] != base["checksum"]


def test_the_review_fingerprint_ignores_when_where_and_untouched_routes() -> None:
    plan = sample_plan()
    base = review_fingerprint(plan)
    assert document(api_url="http://127.0.0.1:1", created_at="2027-06-01T12:00:00Z")["review"] == base
    untouched = "01JQ3ZROUTESAME0000000001"
    others = [
        replace(plan, unmanaged=()),
        replace(plan, snapshot={**plan.snapshot, untouched: 9, "01JQ3ZROUTENEW00000000001": 1}),
        replace(plan, in_sync=7, live_count=99, warnings=(), refusals=(), limits=SafetyLimits()),
        replace(plan, changes=tuple(replace(c, source="elsewhere.yaml", protected=True) for c in plan.changes)),
    ]
    assert [review_fingerprint(other) for other in others] == [base] * len(others)


@pytest.mark.parametrize(
    "edit",
    [
        {"action": Action.DELETE},
        {"name": "Changed Route 2"},
        {"route_id": "01JQ3ZROUTEOTHER000000001"},
        {"live_version": 5},
        {"desired": {"is_private": True}},
        {"live": {"is_private": True}},
        {"desired_doc": {"name": "Harmless looking route"}},
        {"live_doc": {"enabled": True}},
        {"fields": ()},
    ],
    ids=lambda edit: next(iter(edit)),
)
def test_the_review_fingerprint_changes_with_any_change_content(edit: dict[str, Any]) -> None:
    plan = sample_plan()
    index = next(i for i, c in enumerate(plan.changes) if c.action is Action.UPDATE)
    change = plan.changes[index]
    key, value = next(iter(edit.items()))
    if isinstance(getattr(change, key), Route):
        value = replace(getattr(change, key), **value)
    elif isinstance(value, dict):
        value = {**(getattr(change, key) or {}), **value}
    changes = list(plan.changes)
    changes[index] = replace(change, **{key: value})
    assert review_fingerprint(replace(plan, changes=tuple(changes))) != review_fingerprint(plan)


def test_the_review_fingerprint_changes_with_the_order_of_changes() -> None:
    plan = sample_plan()
    assert review_fingerprint(replace(plan, changes=plan.changes[::-1])) != review_fingerprint(plan)


def test_the_same_plan_is_the_same_file_under_any_key_order() -> None:
    plan = sample_plan()
    shuffled = replace(
        plan,
        changes=tuple(
            replace(c, desired_doc=dict(reversed(c.desired_doc.items())) if c.desired_doc else None)
            for c in plan.changes
        ),
        snapshot=dict(reversed(plan.snapshot.items())),
    )
    assert dump_plan(shuffled, api_url=API, created_at=AT) == dump_plan(plan, api_url=API, created_at=AT)


def test_the_api_url_keeps_no_user_info_path_or_query() -> None:
    assert safe_api_url("https://user:secret@api.incident.io/v2?key=secret") == "https://api.incident.io"
    assert document(api_url="https://user:secret@api.incident.io:8443/v2?key=secret")["api_url"] == (
        "https://api.incident.io:8443"
    )


def test_brackets_and_depth_inside_strings_are_text() -> None:
    plan = sample_plan()
    deep = "[" * 500 + '{"\\"' + "]" * 3
    create = replace(plan.changes[0], desired_doc={**plan.changes[0].desired_doc, "description": deep})
    deeper = replace(plan, changes=(create, *plan.changes[1:]))
    assert load_plan(dump_plan(deeper, api_url=API, created_at=AT)).plan == deeper


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            Problem,
            st.builds(Location, st.text(), st.integers(0, 10**12), st.integers(0, 10**12)),
            st.text().map(lambda t: "$" + t),
            st.text(),
            st.just("warning"),
        ),
        max_size=3,
    )
)
def test_any_warning_reads_back_as_the_same_line(warnings: list[Problem]) -> None:
    plan = replace(sample_plan(), warnings=tuple(warnings))
    saved = load_plan(dump_plan(plan, api_url=API, created_at=AT))
    assert [str(w) for w in saved.plan.warnings] == [str(w) for w in warnings]


# --- the JSON Schema ----------------------------------------------------------------------------------------------


def _properties(node: Any, where: str = "$") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found.extend((f"{where}.{name}", schema) for name, schema in value.items())
            found.extend(_properties(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_properties(value, f"{where}[{index}]"))
    return found


def test_the_schema_is_valid_closed_and_describes_every_property() -> None:
    schema = plan_schema()
    Draft202012Validator.check_schema(schema)
    undescribed = [where for where, prop in _properties(schema) if not prop.get("description")]
    assert undescribed == []
    objects = [schema, *schema["$defs"].values(), schema["properties"]["counts"], schema["properties"]["limits"]]
    assert all(node.get("additionalProperties") is False for node in objects)


def test_the_writers_documents_follow_the_schema() -> None:
    validator = make_validator(plan_schema())
    assert list(validator.iter_errors(document())) == []
    assert list(validator.iter_errors(document(Plan()))) == []


def test_plan_format_json_is_a_plan_file_that_follows_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    monkeypatch.setenv("INCIDENT_IO_API_KEY", "example-admin")
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    result = CliRunner().invoke(main, ["plan", "--emulator", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert list(make_validator(plan_schema()).iter_errors(printed)) == []
    saved = load_plan(result.stdout, source="stdout")
    assert (saved.api_url, saved.plan.summary) == ("http://emulator.invalid", "0 to create, 1 to update, 0 to delete")


def test_the_schema_ships_with_the_package() -> None:
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "schema/*.json" in package_data["reconciler"]
    assert (root / "reconciler" / "schema" / "plan.schema.json").is_file()


def test_the_documented_example_and_limits_are_the_readers() -> None:
    from pathlib import Path

    from reconciler.planfile import MAX_DEPTH, MAX_INT_DIGITS, MAX_PLAN_BYTES
    from reconciler.planfile.decode import MAX_BRACKETS

    docs = (Path(__file__).resolve().parent.parent / "docs" / "plan-format.md").read_text(encoding="utf-8")
    example = docs.split("```json\n")[-1].split("```")[0]
    saved = load_plan(example, source="docs/plan-format.md")
    assert (saved.plan.summary, saved.api_url) == ("1 to create, 0 to update, 0 to delete", API)
    assert dump_plan(saved.plan, api_url=saved.api_url, created_at=saved.created_at) == example
    for limit in (
        f"{MAX_PLAN_BYTES // 2**20} MiB",
        f"{MAX_BRACKETS:,}",
        f"{MAX_DEPTH} levels",
        f"{MAX_INT_DIGITS} digits",
    ):
        assert limit in docs


def test_a_file_copy_is_not_the_document() -> None:
    # The reader never mutates what it is given, and two reads of one file agree.
    doc = document()
    before = copy.deepcopy(doc)
    first, second = load_plan(text(doc)), load_plan(text(doc))
    assert doc == before and first == second


def test_the_impact_replay_is_recorded_under_the_seal() -> None:
    from reconciler.core.impact import Example, Impact, Reroute, impact_from_json, impact_to_json

    example = Example("DiskFillingUp", "Alertmanager (Production)", "2026-01-05T10:00:00Z")
    impact = Impact("7d", 1840, 12, 0, 5000, False, (Reroute(("Production Warnings",), (), 12, (example,)),))
    recorded = impact_to_json(impact)
    written = dump_plan(sample_plan(), api_url=API, created_at=AT, impact=recorded)
    doc = json.loads(written)
    assert (doc["impact"]["alerts_replayed"], doc["impact"]["alerts_rerouted"]) == (1840, 12)
    saved = load_plan(written)
    assert saved.impact == recorded and impact_from_json(saved.impact) == impact
    assert doc["checksum"] != json.loads(dump_plan(sample_plan(), api_url=API, created_at=AT))["checksum"]
    doc["impact"]["alerts_rerouted"] = 0  # an edited impact no longer matches the seal
    with pytest.raises(UnsafePlan, match="the plan was modified after it was written"):
        load_plan(text(doc))
