"""The plan, apply, export, backup and restore commands: exact output and exit codes (emulator on loopback)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.emulator import create_app, seed_routes, serve_in_thread
from reconciler.wire import decode, encode

REPO = Path(__file__).resolve().parent.parent
WARNINGS_DIFF = (
    "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n"
    "    alert_sources[0].conditions[0].values:\n"
    '      - ["warning", "info"]\n'
    '      + ["warning"]\n'
)


@pytest.fixture
def served() -> Iterator[tuple[Any, str]]:
    app = create_app()
    with serve_in_thread(app) as url:
        yield app, url


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCIDENT_IO_API_KEY", "example-admin")
    monkeypatch.delenv("INCIDENT_IO_API_URL", raising=False)
    return tmp_path


def dashboard_edit(url: str, name: str, **fields: Any) -> None:
    """A PUT made directly to the emulator, as an edit in the dashboard would be."""
    headers = {"Authorization": "Bearer example-admin"}
    listed = httpx.get(f"{url}/v2/alert_routes", params={"page_size": 50}, headers=headers).json()["alert_routes"]
    route_id = next(r["id"] for r in listed if r["name"] == name)
    route = httpx.get(f"{url}/v2/alert_routes/{route_id}", headers=headers).json()["alert_route"]
    body = {**encode(decode(route, "v2"), "v2"), **fields, "version": route["version"] + 1}
    assert httpx.put(f"{url}/v2/alert_routes/{route_id}", json=body, headers=headers).status_code == 200


def cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--api-url", url], catch_exceptions=False)


def test_plan_text_and_exit_codes(served: tuple[Any, str], workdir: Path) -> None:
    _, url = served
    result = cli(url, "plan")
    assert (result.exit_code, result.stdout) == (0, WARNINGS_DIFF + "0 to create, 1 to update, 0 to delete\n")
    assert cli(url, "plan", "--detailed-exitcode").exit_code == 2


def test_plan_json_and_saved_plan(served: tuple[Any, str], workdir: Path) -> None:
    app, url = served
    result = cli(url, "plan", "--format", "json", "--out", "plan.json")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    saved = json.loads((workdir / "plan.json").read_text())
    assert printed["checksum"] == saved["checksum"] and len(saved["checksum"]) == 64
    assert saved["api_url"] == url
    assert saved["summary"] == "0 to create, 1 to update, 0 to delete"
    (change,) = saved["changes"]
    assert {k: change[k] for k in ("action", "name", "live_version", "source")} == {
        "action": "update",
        "name": "Production Warnings",
        "live_version": 4,
        "source": "routes/production-warnings.yaml",
    }
    assert change["fields"] == [
        {"path": "alert_sources[0].conditions[0].values", "old": ["warning", "info"], "new": ["warning"]}
    ]
    text = cli(url, "plan", "--out", "again.json")
    again = json.loads((workdir / "again.json").read_text())
    # The seal covers created_at, so a second plan may have another checksum; the same changes keep their review.
    assert text.stdout.endswith(f"Saved the plan to again.json (checksum {again['checksum']}).\n")
    assert again["review"] == saved["review"]
    assert app.state.emulator.write_log == []


def test_no_changes(served: tuple[Any, str], workdir: Path) -> None:
    _, url = served
    assert cli(url, "apply", "--auto-approve").exit_code == 0
    result = cli(url, "plan", "--detailed-exitcode")
    assert (result.exit_code, result.stdout) == (
        0,
        "No changes: the live routes match the route files.\n0 to create, 0 to update, 0 to delete\n",
    )


def test_apply_in_one_go(served: tuple[Any, str], workdir: Path) -> None:
    app, url = served
    result = cli(url, "apply", "--auto-approve")
    assert (result.exit_code, result.stdout) == (
        0,
        WARNINGS_DIFF + "0 to create, 1 to update, 0 to delete\n"
        "updated  Production Warnings\n"
        "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\n",
    )
    assert [(w["method"], w["version"]) for w in app.state.emulator.write_log] == [("PUT", 5)]


def test_apply_saved_plan_checks_its_checksum(served: tuple[Any, str], workdir: Path) -> None:
    app, url = served
    cli(url, "plan", "--out", "plan.json")
    checksum = json.loads((workdir / "plan.json").read_text())["checksum"]
    wrong = cli(url, "apply", "plan.json", "--expect-checksum", "0" * 64)
    assert wrong.exit_code == 1
    assert wrong.stderr == f"Error: plan.json has checksum {checksum}, not the expected {'0' * 64}\n"
    data = json.loads((workdir / "plan.json").read_text())
    data["changes"][0]["desired"]["enabled"] = False
    (workdir / "tampered.json").write_text(json.dumps(data))
    tampered = cli(url, "apply", "tampered.json")
    assert tampered.exit_code == 1
    assert "tampered.json: the plan was modified after it was written" in tampered.stderr
    assert app.state.emulator.write_log == []
    ok = cli(url, "apply", "plan.json", "--expect-checksum", checksum)
    assert (ok.exit_code, ok.stdout) == (
        0,
        "updated  Production Warnings\n"
        "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\n",
    )


def test_apply_of_a_stale_plan_exits_non_zero(served: tuple[Any, str], workdir: Path) -> None:
    _, url = served
    cli(url, "plan", "--out", "plan.json")
    dashboard_edit(url, "Production Warnings", enabled=False)
    result = cli(url, "apply", "plan.json")
    assert (result.exit_code, result.stdout) == (
        1,
        "changed since plan  Production Warnings: live version is 5, the plan saw 4; run plan again\n"
        "Refused: plan is stale: 1 route changed since plan; run plan again\n"
        "Applied: 0 created, 0 updated, 0 deleted, 0 already applied, 1 conflict, 0 failed (0 writes).\n",
    )


def test_safety_refusal(served: tuple[Any, str], workdir: Path) -> None:
    app, url = served
    seed_routes(app.state.emulator, 6)
    result = cli(url, "plan", "--prune", "--out", "plan.json")
    # The whole plan is shown (and saved, marked refused), then why it is refused; exit 1.
    deletes = "".join(
        f"- delete Seeded route {n}  (id 01KRTE{n - 6:020d}; live version 1)\n" for n in sorted(range(7, 13), key=str)
    )
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        WARNINGS_DIFF + deletes + "0 to create, 1 to update, 6 to delete\n"
        "Refused: too much change: the plan deletes 6 of 12 live routes (more than 30%); "
        "pass --force if that is intended\n"
        f"Saved the plan to plan.json (checksum {json.loads((workdir / 'plan.json').read_text())['checksum']}).\n",
        "Error: the plan is refused (1 reason above); nothing will be applied.\n",
    )
    assert json.loads((workdir / "plan.json").read_text())["refused"] is True
    applied = cli(url, "apply", "plan.json")
    assert (applied.exit_code, applied.stdout) == (1, "")
    assert applied.stderr.startswith("Error: plan.json is a refused plan (too much change: ")
    assert app.state.emulator.write_log == []
    assert cli(url, "plan", "--prune", "--force").stdout.endswith("0 to create, 1 to update, 6 to delete\n")
    assert cli(url, "plan", "--prune", "--max-deletes", "50").exit_code == 0
    assert cli(url, "plan", "--prune", "--limits-from", "13").exit_code == 0


def test_protected_from_the_base_branch(served: tuple[Any, str], workdir: Path) -> None:
    _, url = served
    base = workdir / "base"
    shutil.copytree(workdir / "routes", base)
    path = base / "informational.yaml"
    path.write_text(path.read_text().replace("name: Informational", "name: Informational\nprotect: true"))
    (workdir / "routes" / "informational.yaml").unlink()
    result = cli(url, "plan", "--prune", "--protected-from", str(base))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("Refused: refusing to delete protected route 'Informational' (")
    assert lines[-1].endswith("): it is marked protect: true")
    assert lines[-2] == "0 to create, 1 to update, 1 to delete"
    assert "    refused: refusing to delete protected route 'Informational' (" in result.stdout
    assert result.stderr == "Error: the plan is refused (1 reason above); nothing will be applied.\n"
    assert cli(url, "plan", "--prune").exit_code == 0


def test_missing_key(served: tuple[Any, str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, url = served
    monkeypatch.delenv("INCIDENT_IO_API_KEY")
    result = cli(url, "plan")
    assert (result.exit_code, result.stderr) == (1, "Error: No valid API key available: set INCIDENT_IO_API_KEY\n")


def test_export_backup_restore(served: tuple[Any, str], workdir: Path) -> None:
    _, url = served
    exported = cli(url, "export", "--out", "exported")
    assert (exported.exit_code, exported.stdout) == (0, "Exported 6 routes to exported.\n")
    files = sorted(p.name for p in (workdir / "exported").iterdir())
    assert files == [
        "channels.yaml",
        "database-alerts.yaml",
        "informational.yaml",
        "production-alerts.yaml",
        "production-warnings.yaml",
        "staging-notifications.yaml",
        "unrouted-alerts.yaml",
    ]
    again = cli(url, "export", "--out", "exported")
    assert again.exit_code == 1 and "pass --overwrite" in again.stderr
    assert cli(url, "plan", "--routes", "exported").stdout.startswith("No changes")

    backup = cli(url, "backup", "bk")
    assert (backup.exit_code, backup.stdout) == (0, "Backed up 6 routes to bk.\n")
    index = json.loads((workdir / "bk" / "index.json").read_text())
    assert [r["name"] for r in index["routes"]][:2] == ["Database Alerts", "Informational"]
    assert cli(url, "apply", "--auto-approve").exit_code == 0  # live moves away from the backup
    refused = cli(url, "restore", "bk")
    assert refused.exit_code == 1
    assert refused.stderr.endswith(
        "Error: restore needs confirmation, but there is no terminal to ask on: pass --yes to apply\n"
    )
    restored = cli(url, "restore", "bk", "--yes")
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.endswith(
        "updated  Production Warnings\n"
        "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\n"
    )
    assert cli(url, "restore", "bk").stdout.endswith("Nothing to restore: live matches the backup.\n")
