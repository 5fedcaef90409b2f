"""`plan --replay` end to end: alerts posted through the spec's alert-events endpoint of the served emulator, a route
file edited, and the CLI (a subprocess) reports exactly the alerts whose routing changes, counted independently."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.emulator import create_app, serve_in_thread
from reconciler.emulator.alert_store import AlertStore
from reconciler.planfile import load_plan
from tests.e2e_helpers import READ_ONLY, REPO, run_cli

pytestmark = pytest.mark.slow

SOURCES = {
    "Alertmanager (Production)": "01JQ3ZSRC00000000000000001",
    "Alertmanager (Staging)": "01JQ3ZSRC00000000000000003",
    "PlanetScale": "01JQ3ZSRC00000000000000007",
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The example organisation with no alerts but the ones posted here (recorded for the independent count)."""
    app = create_app()
    setattr(app.state.emulator.state, "_alert_store", AlertStore())  # noqa: B010 - no seeded week: only ours
    rng = random.Random(5)
    posted: list[dict[str, Any]] = []
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as http:
        for n in range(120):
            source = rng.choice(sorted(SOURCES))
            metadata: dict[str, Any] = {}
            if source == "PlanetScale":
                metadata["branch"] = rng.choice(["main", "dev", "add-index"])
            elif rng.random() < 0.8:
                metadata["severity"] = rng.choice(["critical", "warning", "info"])
            event = {"title": f"alert {n}", "status": "firing", "deduplication_key": f"e2e-{n}", "metadata": metadata}
            sid = SOURCES[source]
            response = http.post(f"/v2/alert_events/http/{sid}", params={"token": f"example-token-{sid}"}, json=event)
            assert response.status_code == 202
            posted.append({"source": source, **metadata})
        yield url, posted


def expected_reroutes(posted: list[dict[str, Any]]) -> Counter[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Worked out by hand from the routes, not by the evaluator. Live Production Warnings takes warning and info
    (the example's drift); the files take warning only. The edited Database Alerts file also takes branch dev."""
    out: Counter[tuple[tuple[str, ...], tuple[str, ...]]] = Counter()
    for alert in posted:
        if alert["source"] == "Alertmanager (Production)" and alert.get("severity") == "info":
            out[(("Production Warnings",), ())] += 1
        if alert["source"] == "PlanetScale" and alert.get("branch") == "dev":
            out[((), ("Database Alerts",))] += 1
    return out


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    database = tmp_path / "routes" / "database-alerts.yaml"
    database.write_text(database.read_text().replace("values: [main]", "values: [main, dev]"))
    return tmp_path


def test_replay_reports_exactly_the_rerouted_alerts(served: tuple[str, list[dict[str, Any]]], workdir: Path) -> None:
    url, posted = served
    result = run_cli(workdir, url, "plan", "--replay", "1d", "--format", "json", "--out", "plan.json", key=READ_ONLY)
    assert result.returncode == 0, result.stderr
    impact = json.loads(result.stdout)["impact"]
    expected = expected_reroutes(posted)
    assert impact["alerts_replayed"] == len(posted) == 120
    assert impact["alerts_rerouted"] == sum(expected.values()) > 0
    assert {(tuple(r["before"]), tuple(r["after"])): r["count"] for r in impact["reroutes"]} == dict(expected)
    assert (impact["limit"], impact["limit_hit"], impact["alerts_undecided"]) == (5000, False, 0)
    assert all(len(r["examples"]) == min(3, r["count"]) for r in impact["reroutes"])
    # the plan file records it under the seal, and reads back
    saved = (workdir / "plan.json").read_text()
    assert json.loads(saved)["impact"] == impact
    load_plan(saved)
    comment = CliRunner().invoke(main, ["comment", "--plan", str(workdir / "plan.json"), "--print"])
    assert comment.exit_code == 0, comment.output
    assert "### 🔀 Impact on recent alerts" in comment.stdout
    assert f"| {expected[(('Production Warnings',), ())]} | Production Warnings | no route |" in comment.stdout

    text = run_cli(workdir, url, "plan", "--replay", "1d", key=READ_ONLY)
    info, dev = expected[(("Production Warnings",), ())], expected[((), ("Database Alerts",))]
    lines = text.stdout.splitlines()
    assert f"Impact: {info + dev} of 120 alerts of the last 1d would route differently:" in lines
    assert f"  {info} Production Warnings → no route" in lines
    assert f"  {dev} no route → Database Alerts" in lines


def test_replay_limit_is_honoured_and_reported(served: tuple[str, list[dict[str, Any]]], workdir: Path) -> None:
    url, _posted = served
    result = run_cli(workdir, url, "plan", "--replay", "1d", "--replay-limit", "7", "--format", "json")
    impact = json.loads(result.stdout)["impact"]
    assert (impact["alerts_replayed"], impact["limit"], impact["limit_hit"]) == (7, 7, True)
    text = run_cli(workdir, url, "plan", "--replay", "1d", "--replay-limit", "7")
    assert (
        "  Note: only the newest 7 alerts of the period were replayed (--replay-limit 7)." in text.stdout.splitlines()
    )


def test_a_bad_duration_is_a_usage_error(served: tuple[str, list[dict[str, Any]]], workdir: Path) -> None:
    result = run_cli(workdir, served[0], "plan", "--replay", "7 days")
    assert result.returncode == 64
    assert "'7 days' is not a duration: write a number and a unit, like 7d, 24h, 90m or 2w" in result.stderr


def test_the_quick_start_replay_shows_the_drifted_routes_real_impact() -> None:
    """`plan --emulator --replay 7d` (README quick start): the example week's info alerts from Alertmanager
    (Production), which only the drifted live Production Warnings takes, counted from the seeded alerts directly."""
    from datetime import UTC, datetime

    from reconciler.emulator import load_state
    from reconciler.emulator.alert_seed import seed_week

    state, store = load_state(), AlertStore()
    total = seed_week(state, store, datetime(2026, 1, 8, tzinfo=UTC))
    prod = SOURCES["Alertmanager (Production)"]
    info = sum(
        1
        for alert in store.alerts.values()
        if alert["alert_source_id"] == prod and any(a["value"].get("literal") == "info" for a in alert["attributes"])
    )
    assert info > 100
    routes = str(REPO / "routes")
    result = CliRunner().invoke(main, ["plan", "--emulator", "--replay", "7d", "--routes", routes, "--format", "json"])
    assert result.exit_code == 0, result.output
    impact = json.loads(result.stdout)["impact"]
    assert (impact["alerts_replayed"], impact["alerts_rerouted"], impact["limit_hit"]) == (total, info, False)
    assert [(r["before"], r["after"], r["count"]) for r in impact["reroutes"]] == [(["Production Warnings"], [], info)]
    text = CliRunner().invoke(main, ["plan", "--emulator", "--replay", "7d", "--routes", routes]).stdout.splitlines()
    assert f"Impact: {info} of {total:,} alerts of the last 7d would route differently:" in text
    assert f"  {info} Production Warnings → no route" in text
