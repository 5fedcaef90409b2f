"""End to end over a real socket: the emulator on loopback, the CLI as a subprocess (`python -m reconciler`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import create_app, serve_in_thread
from tests.e2e_helpers import dashboard_edit, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def served() -> Iterator[tuple[Any, str]]:
    app = create_app()
    with serve_in_thread(app) as url:
        yield app, url


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_export_plan_edit_apply_converge(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    exported = run_cli(tmp_path, url, "export")
    assert (exported.returncode, exported.stdout, exported.stderr) == (0, "Exported 6 routes to routes.\n", "")

    clean = run_cli(tmp_path, url, "plan", "--detailed-exitcode")
    assert (clean.returncode, clean.stdout) == (
        0,
        "No changes: the live routes match the route files.\n0 to create, 0 to update, 0 to delete\n",
    )

    replace(tmp_path / "routes" / "production-warnings.yaml", "    - info\n", "")
    edited = run_cli(tmp_path, url, "plan", "--detailed-exitcode")
    assert (edited.returncode, edited.stdout) == (
        2,
        "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n"
        "    alert_sources[0].conditions[0].values:\n"
        '      - ["warning", "info"]\n'
        '      + ["warning"]\n'
        "0 to create, 1 to update, 0 to delete\n",
    )

    applied = run_cli(tmp_path, url, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.endswith(
        "updated  Production Warnings\n"
        "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\n"
    )
    assert [(w["method"], w["name"], w["version"]) for w in app.state.emulator.write_log] == [
        ("PUT", "Production Warnings", 5)
    ]
    after = run_cli(tmp_path, url, "plan", "--detailed-exitcode")
    assert (after.returncode, after.stdout.splitlines()[0]) == (0, "No changes: the live routes match the route files.")


def test_a_saved_plan_is_refused_when_a_route_it_touches_was_edited(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    assert run_cli(tmp_path, url, "export").returncode == 0
    replace(tmp_path / "routes" / "production-warnings.yaml", "    - info\n", "")
    replace(
        tmp_path / "routes" / "informational.yaml", "name: Informational\n", "name: Informational\nenabled: false\n"
    )
    planned = run_cli(tmp_path, url, "plan", "--out", "plan.json")
    assert planned.returncode == 0 and "0 to create, 2 to update, 0 to delete\n" in planned.stdout

    dashboard_edit(url, "Production Warnings", is_private=True)
    dashboard_writes = len(app.state.emulator.write_log)

    # Like Terraform's stale saved plan: refused before any write, the still-valid update included.
    applied = run_cli(tmp_path, url, "apply", "plan.json")
    assert applied.returncode == 1
    assert applied.stdout == (
        "not attempted  Informational: the plan is stale\n"
        "changed since plan  Production Warnings: live version is 5, the plan saw 4; run plan again\n"
        "Refused: plan is stale: 1 route changed since plan; run plan again\n"
        "Applied: 0 created, 0 updated, 0 deleted, 0 already applied, 1 conflict, 0 failed, 1 not attempted "
        "(0 writes).\n"
    )
    assert app.state.emulator.write_log[dashboard_writes:] == []

    # The dashboard edit survives and the next plan shows it.
    replan = run_cli(tmp_path, url, "plan")
    assert "~ update Production Warnings  (routes/production-warnings.yaml; live version 5)\n" in replan.stdout
    assert "    is_private:\n      - true\n      + false\n" in replan.stdout
