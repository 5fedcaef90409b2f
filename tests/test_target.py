"""Targeting (`--target NAME`): exactly the named routes are selected, read, planned, applied, reported and exported."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.api import IncidentIO, asgi_transport
from reconciler.core.target import ListSelector, select_names, targets_from
from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.errors import ReconcilerError
from reconciler.model import Plan, Targets, name_key
from reconciler.planfile import dump_plan, load_plan, plan_checksum, plan_to_dict
from reconciler.run.pipeline import build_plan_from_repo
from tests.e2e_helpers import ADMIN, REPO, dashboard_edit, run_cli

# Names made of letters, digits and spaces: no glob characters, so a name used as a target selects by equality.
_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 ", min_size=1, max_size=12).filter(
    lambda name: name.strip() != ""
)


@given(
    names=st.lists(_names, min_size=1, max_size=30, unique_by=name_key),
    data=st.data(),
)
def test_targets_select_exactly_the_named_routes(names: list[str], data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True))
    # The targets as people type them: any case, padded with spaces.
    typed = [data.draw(st.sampled_from([n, n.upper(), n.lower(), f" {n} "])) for n in chosen]
    targets = targets_from(typed)
    if not chosen:
        assert targets is None
        return
    assert targets is not None
    assert select_names(names, targets) == [name for name in names if name in chosen]


@given(names=st.lists(_names, min_size=1, max_size=30, unique_by=name_key), prefix=st.sampled_from("abcxyz"))
def test_a_glob_selects_the_names_it_matches_and_the_list_read_counts_the_others(names: list[str], prefix: str) -> None:
    targets = Targets(patterns=(f"{prefix.upper()}*",))
    selector = ListSelector(targets)
    selected = [name for index, name in enumerate(names) if selector({"id": f"r{index}", "name": name})]
    assert selected == [name for name in names if name_key(name).startswith(prefix)]
    assert selector.skipped == len(names) - len(selected)


def test_a_target_may_name_a_route_id_and_a_literal_bracket() -> None:
    targets = Targets(patterns=("Prod [EU]",), ids=("01ABC",))
    assert targets.matches("prod [eu]")  # equal as people read it, though "[EU]" is a glob character class
    assert targets.matches("anything", "01ABC")
    assert targets.matches("Prod E")  # and as a glob: [EU] is E or U
    assert not targets.matches("Prod X")
    assert targets_from(["a", "a", "b"]) == Targets(patterns=("a", "b"))


EXAMPLE_NAMES = [
    "Database Alerts",
    "Informational",
    "Production Alerts",
    "Production Warnings",
    "Staging Notifications",
    "Unrouted Alerts",
]


def _targeted_plan(patterns: list[str]) -> Plan:
    async def go() -> Plan:
        async with IncidentIO("https://emulator.invalid", ADMIN, transport=asgi_transport(create_app())) as api:
            plan, _catalog = await build_plan_from_repo(api, REPO / "routes", targets=targets_from(patterns))
            return plan

    return asyncio.run(go())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_pipeline_reads_and_plans_exactly_the_targeted_routes(data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(EXAMPLE_NAMES), unique=True, min_size=1))
    typed = [data.draw(st.sampled_from([n, n.upper(), n.lower()])) for n in chosen]
    plan = _targeted_plan(typed)
    planned = {c.name for c in plan.changes} | {u.name for u in plan.unmanaged}
    assert planned <= set(chosen)
    assert len(plan.snapshot) == len(chosen) == plan.live_count  # each targeted live route read, no other
    assert plan.in_sync + len(plan.changes) == len(chosen)  # every targeted file planned, no other
    assert plan.targets is not None and plan.targets.unread == len(EXAMPLE_NAMES) - len(chosen)


# End to end: the emulator on loopback, the CLI as a subprocess.

EXTRA = 60  # more routes than one list page (50), so the list costs two requests


def _add_routes(url: str, count: int) -> None:
    """`count` more live routes named `Extra NN`, copies of the example organisation's Informational route."""
    # One client for all of them: each `httpx.post` would build a client (and its TLS context) anew.
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as client:
        listed = client.get("/v2/alert_routes", params={"page_size": 50}).json()["alert_routes"]
        route_id = next(r["id"] for r in listed if r["name"] == "Informational")
        body: dict[str, Any] = client.get(f"/v2/alert_routes/{route_id}").json()["alert_route"]
        body = {k: v for k, v in body.items() if k not in {"id", "version", "created_at", "updated_at"}}
        for index in range(count):
            created = client.post("/v2/alert_routes", json={**body, "name": f"Extra {index:02}"})
            assert created.status_code == 201, created.text


def _requests(url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{url}/_emulator/requests").json()["requests"]
    return found


@pytest.mark.slow
def test_a_targeted_plan_reads_only_the_targeted_routes_and_records_the_targets(tmp_path: Path) -> None:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    with serve_in_thread(create_app()) as url:
        _add_routes(url, EXTRA)
        before = len(_requests(url))
        planned = run_cli(
            tmp_path, url, "plan", "--target", "production w*", "--target", "EXTRA 07", "--out", "plan.json"
        )
        assert planned.returncode == 0, planned.stderr
        assert planned.stderr == (
            "Targeted: only routes matching 'production w*', 'EXTRA 07'; 64 other live routes were not read or "
            "planned.\n"
        )
        assert planned.stdout.startswith("~ update Production Warnings  (routes/production-warnings.yaml;")
        assert "0 to create, 1 to update, 0 to delete\n" in planned.stdout
        route_reads = [r for r in _requests(url)[before:] if "alert_routes" in r["path"]]
        lists = [r for r in route_reads if r["path"].rstrip("/").endswith("alert_routes")]
        gets = sorted(r["path"].rsplit("/", 1)[1] for r in route_reads if r not in lists)
        live_count = 6 + EXTRA
        assert len(lists) == math.ceil(live_count / 50)  # ceil(N/50) + k requests, k = 2 targeted routes
        assert len(gets) == 2

        saved = load_plan((tmp_path / "plan.json").read_bytes())
        assert saved.plan.targets == Targets(patterns=("production w*", "EXTRA 07"), unread=64)
        document = json.loads((tmp_path / "plan.json").read_text())
        assert document["targets"] == {"patterns": ["production w*", "EXTRA 07"], "ids": [], "unread": 64}
        assert len(document["snapshot"]) == 2
        # "Extra 07" has no file: unmanaged, and the only unmanaged route the targeted plan mentions.
        assert [u["name"] for u in document["unmanaged"]] == ["Extra 07"]

        # The safety limits measure against all 66 live routes: deleting 10 is 15%, not 100% of what was targeted.
        pruned = run_cli(tmp_path, url, "plan", "--prune", "--target", "Extra 0*", "--format", "json")
        assert pruned.returncode == 0, pruned.stderr
        assert json.loads(pruned.stdout)["counts"] == {"create": 0, "update": 0, "delete": 10}
        too_many = run_cli(tmp_path, url, "plan", "--prune", "--target", "Extra*")
        assert too_many.returncode == 1
        assert "too much change: the plan deletes 60 of 66 live routes" in too_many.stdout

        applied = run_cli(tmp_path, url, "apply", "plan.json")
        assert applied.returncode == 0, applied.stderr + applied.stdout
        again = run_cli(tmp_path, url, "plan", "--detailed-exitcode", "--target", "Production Warnings")
        assert again.returncode == 0, again.stdout


@pytest.mark.slow
def test_targeted_prune_apply_and_drift_never_touch_routes_outside_the_targets(tmp_path: Path) -> None:
    routes = tmp_path / "routes"
    shutil.copytree(REPO / "routes", routes)
    (routes / "informational.yaml").unlink()  # Informational becomes unmanaged; a prune would delete it
    with serve_in_thread(create_app()) as url:
        dashboard_edit(url, "Production Alerts", enabled=False)
        one_shot = run_cli(tmp_path, url, "apply", "--auto-approve", "--prune", "--target", "Production Alerts")
        assert one_shot.returncode == 0, one_shot.stderr
        assert "0 to create, 1 to update, 0 to delete\n" in one_shot.stdout
        assert "Informational" not in one_shot.stdout

        drift = run_cli(tmp_path, url, "drift", "--format", "json", "--target", "Informational", "--target", "Prod*")
        assert drift.returncode == 2, drift.stderr
        report = json.loads(drift.stdout)
        kinds = {(r["name"], r["kind"]) for r in report["routes"]}
        assert ("Informational", "unmanaged") in kinds
        assert all(name in {"Informational", "Production Warnings"} for name, _kind in kinds)
        clean = run_cli(tmp_path, url, "plan", "--prune", "--detailed-exitcode", "--target", "Production Alerts")
        assert clean.returncode == 0, clean.stdout


@pytest.mark.slow
def test_export_target_writes_just_that_route(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        exported = run_cli(tmp_path, url, "export", "--target", "production alerts")
        assert (exported.returncode, exported.stdout) == (0, "Exported 1 route to routes.\n")
        assert sorted(p.name for p in (tmp_path / "routes").iterdir() if p.stem != "channels") == [
            "production-alerts.yaml"
        ]
        nothing = run_cli(tmp_path, url, "export", "--target", "No such route", "--out", "other")
        assert (nothing.returncode, nothing.stderr) == (1, "Error: no live route matches --target No such route\n")
        assert not (tmp_path / "other").exists()


def test_a_saved_plan_is_applied_as_reviewed_not_retargeted(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    result = run_cli(tmp_path, "http://127.0.0.1:9", "apply", str(plan), "--target", "x")
    assert result.returncode == 1
    assert "--target" in result.stderr


def test_the_plan_file_records_targets_only_on_a_targeted_plan() -> None:
    when = {"api_url": "https://api.incident.io", "created_at": "2026-01-01T00:00:00Z"}
    assert "targets" not in plan_to_dict(Plan(), **when)
    targeted = Plan(targets=Targets(patterns=("Prod*",), ids=("01ABC",), unread=7))
    assert load_plan(dump_plan(targeted, **when)).plan == targeted

    document = plan_to_dict(targeted, **when)
    document["targets"]["unread"] = -1
    document["checksum"] = plan_checksum(document)
    with pytest.raises(ReconcilerError) as refused:
        load_plan(json.dumps(document))
    assert "$.targets.unread" in str(refused.value)
