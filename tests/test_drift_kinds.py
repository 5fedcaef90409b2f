"""Why each route drifted: classification against the route file's committed versions, and end to end (A..E)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.core.drift import DriftKind, classify
from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.model import Catalog
from reconciler.route import Route
from tests.drift_scenario import set_up
from tests.e2e_helpers import READ_ONLY, REPO, run_cli

CATALOG = Catalog()


def _route(**fields: object) -> Route:
    return Route(**{"name": "R", "enabled": True, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("live", "history", "kind"),
    [
        # Live equals an older committed version; the file moved on: apply what was merged.
        ({"enabled": False}, [{}, {"enabled": False}], DriftKind.UNAPPLIED_MERGE),
        # Live equals no version, and the closest version is the file now: edited in the dashboard.
        ({"enabled": False}, [{}], DriftKind.DASHBOARD_EDIT),
        # Live equals no version, and is closest to an older one: both sides changed.
        ({"enabled": False, "is_private": True}, [{}, {"is_private": True}], DriftKind.BOTH),
        # No history (not in git): no telling why.
        ({"enabled": False}, [], DriftKind.DIFFERS),
    ],
)
def test_classify(live: dict[str, object], history: list[dict[str, object]], kind: DriftKind) -> None:
    assert classify(_route(), _route(**live), [_route(**h) for h in history], CATALOG) is kind


@pytest.mark.slow
def test_drift_classifies_each_route_end_to_end(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        set_up(tmp_path, url)
        drift = run_cli(tmp_path, url, "drift", "--format", "json", key=READ_ONLY)
        assert drift.returncode == 2, drift.stderr
        report = json.loads(drift.stdout)
        assert {r["name"]: r["kind"] for r in report["routes"]} == {
            "Production Alerts": "dashboard_edit",
            "Informational": "unapplied_merge",
            "Database Alerts": "both",
            "Dashboard Only": "unmanaged",
            "Unrouted Alerts": "missing",
        }
        assert [r["kind"] for r in report["routes"]] == [
            "dashboard_edit",
            "unapplied_merge",
            "both",
            "unmanaged",
            "missing",
        ]

        text = run_cli(tmp_path, url, "drift", key=READ_ONLY)
        assert text.returncode == 2
        assert text.stdout == (
            "Edited in the dashboard: adopt the edit into git (`reconciler drift --adopt`), or apply git to undo it\n"
            "  ~ Production Alerts (01JQ3ZROUTE000000000000001, v8): enabled\n"
            "Merged in git, not applied: apply git (`reconciler apply`)\n"
            "  ~ Informational (01JQ3ZROUTE000000000000006, v1): enabled\n"
            "Edited in the dashboard and in git: merge the dashboard edit into the file by hand, then apply\n"
            "  ~ Database Alerts (01JQ3ZROUTE000000000000004, v4): enabled, grouping.window_seconds\n"
            "Unmanaged live route (no file): adopt it as a file (`reconciler drift --adopt`), or delete it "
            "(`reconciler apply --prune`)\n"
            "  ? Dashboard Only (01KRTE00000000000000000001, v1): unmanaged live route (no file declares it)\n"
            "Missing from live: apply git to create it, or remove the file\n"
            "  - Unrouted Alerts (routes/unrouted-alerts.yaml): missing from live\n"
            "Drift: 3 differ from git (1 dashboard edit, 1 unapplied merge, 1 both), 1 unmanaged, 1 missing from "
            "live; 2 in sync.\n"
        )


def test_drift_reports_progress_while_reading_like_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reconciler.cli.drift as drift_cli

    shutil.copytree(REPO / "routes", tmp_path / "routes")
    seen: list[tuple[str, int, int]] = []

    @contextmanager
    def recording(label: str) -> Iterator[Callable[[int, int], None]]:
        yield lambda done, total: seen.append((label, done, total))

    monkeypatch.setattr(drift_cli, "progress", recording)
    monkeypatch.setenv("INCIDENT_IO_API_KEY", "example-admin")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["drift", "--emulator"])
    assert result.exit_code == 2, result.output
    assert seen[-1] == ("Reading live routes", 6, 6)
