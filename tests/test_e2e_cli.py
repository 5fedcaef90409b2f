"""End to end over a real socket: the emulator on loopback, the CLI as a subprocess (`python -m reconciler`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.emulator import create_app, serve_in_thread
from reconciler.model import Catalog
from reconciler.normalize import canonical_live

REPO = Path(__file__).resolve().parent.parent
KEY = "example-admin"
pytestmark = pytest.mark.slow


@pytest.fixture
def served() -> Iterator[tuple[Any, str]]:
    app = create_app()
    with serve_in_thread(app) as url:
        yield app, url


def reconciler(cwd: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_IO_")}
    env |= {"INCIDENT_IO_API_KEY": KEY, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args, "--api-url", url],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dashboard_edit(url: str, name: str, **fields: Any) -> None:
    """A PUT made directly to the emulator, as an edit in incident.io's dashboard would be."""
    headers = {"Authorization": f"Bearer {KEY}"}
    listed = httpx.get(f"{url}/v2/alert_routes", params={"page_size": 50}, headers=headers).json()["alert_routes"]
    route_id = next(r["id"] for r in listed if r["name"] == name)
    route = httpx.get(f"{url}/v2/alert_routes/{route_id}", headers=headers).json()["alert_route"]
    body = {**canonical_live(route, Catalog()), **fields, "version": route["version"] + 1}
    assert httpx.put(f"{url}/v2/alert_routes/{route_id}", json=body, headers=headers).status_code == 200


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_export_plan_edit_apply_converge(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    exported = reconciler(tmp_path, url, "export")
    assert (exported.returncode, exported.stdout, exported.stderr) == (0, "Exported 6 routes to routes.\n", "")

    clean = reconciler(tmp_path, url, "plan", "--detailed-exitcode")
    assert (clean.returncode, clean.stdout) == (
        0,
        "No changes: the live routes match the route files.\n0 to create, 0 to update, 0 to delete\n",
    )

    replace(tmp_path / "routes" / "production-warnings.yaml", "    - info\n", "")
    edited = reconciler(tmp_path, url, "plan", "--detailed-exitcode")
    assert (edited.returncode, edited.stdout) == (
        2,
        "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n"
        "    alert_sources[0].conditions[0].values:\n"
        '      - ["warning", "info"]\n'
        '      + ["warning"]\n'
        "0 to create, 1 to update, 0 to delete\n",
    )

    applied = reconciler(tmp_path, url, "apply")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.endswith(
        "updated  Production Warnings\nApplied: 0 created, 1 updated, 0 deleted, 0 already applied (1 writes).\n"
    )
    assert [(w["method"], w["name"], w["version"]) for w in app.state.emulator.write_log] == [
        ("PUT", "Production Warnings", 5)
    ]
    after = reconciler(tmp_path, url, "plan", "--detailed-exitcode")
    assert (after.returncode, after.stdout.splitlines()[0]) == (0, "No changes: the live routes match the route files.")


def test_a_saved_plan_skips_a_route_edited_in_the_dashboard(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    assert reconciler(tmp_path, url, "export").returncode == 0
    replace(tmp_path / "routes" / "production-warnings.yaml", "    - info\n", "")
    replace(
        tmp_path / "routes" / "informational.yaml", "name: Informational\n", "name: Informational\nenabled: false\n"
    )
    planned = reconciler(tmp_path, url, "plan", "--out", "plan.json")
    assert planned.returncode == 0 and "0 to create, 2 to update, 0 to delete\n" in planned.stdout

    dashboard_edit(url, "Production Warnings", is_private=True)
    dashboard_writes = len(app.state.emulator.write_log)

    applied = reconciler(tmp_path, url, "apply", "plan.json")
    assert applied.returncode == 1
    assert applied.stdout == (
        "updated  Informational\n"
        "changed since plan  Production Warnings: live version is 5, the plan saw 4; run plan again\n"
        "Applied: 0 created, 1 updated, 0 deleted, 0 already applied; 1 changed since plan (2 writes).\n"
    )
    committed = app.state.emulator.write_log[dashboard_writes:]
    assert [(w["method"], w["name"]) for w in committed] == [("PUT", "Informational")]

    # The dashboard edit survives and the next plan shows it.
    replan = reconciler(tmp_path, url, "plan")
    assert "~ update Production Warnings  (routes/production-warnings.yaml; live version 5)\n" in replan.stdout
    assert "    is_private:\n      - true\n      + false\n" in replan.stdout
