"""Drift: the report read off a plan, `reconciler drift` with its one GitHub issue, and end to end on the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

import reconciler.cli.drift as drift_cli
from reconciler.cli import main
from reconciler.cli.common import ApiSettings
from reconciler.core.drift import DriftKind, DriftReport, build_drift_report, fingerprint, report_data
from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.errors import ConfigError
from reconciler.model import Action, Catalog, Change, FieldChange, LiveRouteSummary, Plan
from reconciler.render.diff import docs_diff
from reconciler.render.text import render_drift_text
from tests.e2e_helpers import ADMIN, READ_ONLY, dashboard_edit, run_cli
from tests.fake_github import FakeGitHub
from tests.fake_github import create_app as create_github


def _update(name: str, value: object = False, version: int = 7) -> Change:
    return Change(
        Action.UPDATE,
        name,
        route_id=f"id-{name}",
        live_version=version,
        source=f"routes/{name}.yaml",
        desired_doc={"name": name, "enabled": True},
        live_doc={"name": name, "enabled": value},
        fields=(FieldChange("enabled", value, True),),
    )


DRIFTED = Plan(
    changes=(
        Change(Action.CREATE, "new-in-git", source="routes/new-in-git.yaml", desired_doc={"name": "new-in-git"}),
        _update("prod-alerts"),
    ),
    unmanaged=(LiveRouteSummary("id-hand", "hand-made", 3),),
    in_sync=4,
    live_count=6,
)


def test_a_plan_reads_as_drift() -> None:
    report = build_drift_report(DRIFTED)
    assert [(e.kind, e.name, e.fields) for e in report.entries] == [
        (DriftKind.DIFFERS, "prod-alerts", ("enabled",)),
        (DriftKind.UNMANAGED, "hand-made", ()),
        (DriftKind.MISSING, "new-in-git", ()),
    ]
    assert render_drift_text(report) == (
        "Differs from git: adopt the live change into git, or apply git to undo it\n"
        "  ~ prod-alerts (id-prod-alerts, v7): enabled\n"
        "Unmanaged live route (no file): adopt it as a file (`reconciler drift --adopt`), or delete it "
        "(`reconciler apply --prune`)\n"
        "  ? hand-made (id-hand, v3): unmanaged live route (no file declares it)\n"
        "Missing from live: apply git to create it, or remove the file\n"
        "  - new-in-git (routes/new-in-git.yaml): missing from live\n"
        "Drift: 1 differ from git, 1 unmanaged, 1 missing from live; 4 in sync.\n"
    )
    # The diff reads git -> live: what the dashboard changed.
    entry = report.entries[0]
    assert docs_diff(entry.git_doc, entry.live_doc) == [
        "@@ -1,2 +1,2 @@",
        " name: prod-alerts",
        "-enabled: true",
        "+enabled: false",
    ]
    assert render_drift_text(build_drift_report(Plan(in_sync=6))) == "No drift: 6 routes match git.\n"


def test_a_pruning_plan_reports_deletes_as_unmanaged() -> None:
    plan = Plan(changes=(Change(Action.DELETE, "gone", route_id="id-gone", live_version=2),), live_count=1)
    [entry] = build_drift_report(plan).entries
    assert (entry.kind, entry.name, entry.route_id) == (DriftKind.UNMANAGED, "gone", "id-gone")


def test_fingerprint_identifies_the_drift_not_the_run() -> None:
    base = fingerprint(build_drift_report(DRIFTED))
    assert base.startswith("sha256:") and len(base) == 71
    reordered = Plan(changes=tuple(reversed(DRIFTED.changes)), unmanaged=DRIFTED.unmanaged, in_sync=9, live_count=99)
    assert fingerprint(build_drift_report(reordered)) == base
    bumped = Plan(changes=(DRIFTED.changes[0], _update("prod-alerts", version=8)), unmanaged=DRIFTED.unmanaged)
    assert fingerprint(build_drift_report(bumped)) == base  # another save of the same edit: same drift
    other = Plan(changes=(DRIFTED.changes[0], _update("prod-alerts", value=None)), unmanaged=DRIFTED.unmanaged)
    assert fingerprint(build_drift_report(other)) != base


def test_json_report() -> None:
    data = report_data(build_drift_report(DRIFTED))
    assert data["drift"] is True and data["in_sync"] == 4
    assert data["routes"][0] == {
        "kind": "differs",
        "action": "adopt the live change into git, or apply git to undo it",
        "name": "prod-alerts",
        "route_id": "id-prod-alerts",
        "live_version": 7,
        "source": "routes/prod-alerts.yaml",
        "fields": [{"path": "enabled", "git": True, "live": False}],
    }


# The command, with the plan stubbed and GitHub faked.


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    with serve_in_thread(create_github(fake)) as url:
        monkeypatch.setenv("GITHUB_API_URL", url)
        monkeypatch.setenv("GITHUB_TOKEN", "ghs_test_token")
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/routes")
        monkeypatch.setenv("INCIDENT_IO_API_KEY", "inc_test_key")
        yield fake


def _drift(monkeypatch: pytest.MonkeyPatch, plan: Plan | Exception, *args: str) -> Result:
    seen: list[ApiSettings] = []

    async def fake_read_drift(
        settings: ApiSettings, routes: Path, schema: Path | None, target: tuple[str, ...] = ()
    ) -> tuple[Plan, DriftReport, Catalog]:
        seen.append(settings)
        if isinstance(plan, Exception):
            raise plan
        return plan, build_drift_report(plan), Catalog()

    monkeypatch.setattr(drift_cli, "read_drift", fake_read_drift)
    return CliRunner().invoke(main, ["drift", "--api-url", "https://api.example", *args])


def test_drift_issue_is_opened_updated_and_closed(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _drift(monkeypatch, DRIFTED, "--github-issue")
    assert first.exit_code == 2, first.output
    assert first.stdout == render_drift_text(build_drift_report(DRIFTED))
    assert first.stderr == "Created drift issue #1 on acme/routes.\n"
    [issue] = github.open_issues("acme/routes", "drift")
    assert issue["title"] == "Alert routes drift: 1 differ from git, 1 unmanaged, 1 missing from live"
    assert "prod-alerts" in issue["body"] and issue["body"].startswith("<!-- reconciler:drift fingerprint=sha256:")

    more = Plan(changes=(*DRIFTED.changes, _update("staging")), unmanaged=DRIFTED.unmanaged)
    second = _drift(monkeypatch, more, "--github-issue")
    assert (second.exit_code, second.stderr) == (2, "Updated drift issue #1 on acme/routes.\n")
    [issue] = github.open_issues("acme/routes", "drift")
    assert "staging" in issue["body"]

    # The same drift again: the issue's title and body would not change, so it is not edited (no PATCH).
    edits = sum(1 for r in github.requests if r[0] == "PATCH")
    same = _drift(monkeypatch, more, "--github-issue")
    assert (same.exit_code, same.stderr) == (2, "Drift issue #1 on acme/routes is up to date: left alone.\n")
    assert sum(1 for r in github.requests if r[0] == "PATCH") == edits

    cleared = _drift(monkeypatch, Plan(in_sync=6, live_count=6), "--github-issue")
    assert (cleared.exit_code, cleared.stdout) == (0, "No drift: 6 routes match git.\n")
    assert cleared.stderr == "Closed drift issue #1 on acme/routes.\n"
    assert github.open_issues("acme/routes", "drift") == []
    assert github.issues["acme/routes"][1]["state"] == "closed"
    assert len(github.issues["acme/routes"]) == 1


def test_formats_and_errors(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    as_json = _drift(monkeypatch, DRIFTED, "--format", "json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout) == json.loads(json.dumps(report_data(build_drift_report(DRIFTED))))
    as_markdown = _drift(monkeypatch, DRIFTED, "--format", "markdown")
    assert as_markdown.stdout.startswith("<!-- reconciler:drift fingerprint=")
    failed = _drift(monkeypatch, ConfigError("boom"))
    assert (failed.exit_code, failed.stderr) == (1, "Error: boom\n")
    assert github.requests == []  # no --github-issue, no GitHub


# End to end: the emulator on loopback, the CLI as a subprocess.


@pytest.mark.slow
def test_a_dashboard_edit_is_drift_and_the_drift_run_only_reads(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        exported = run_cli(tmp_path, url, "export", key=ADMIN)
        assert exported.returncode == 0, exported.stderr
        clean = run_cli(tmp_path, url, "drift", key=READ_ONLY)
        assert (clean.returncode, clean.stdout) == (0, "No drift: 6 routes match git.\n")

        dashboard_edit(url, "Production Alerts", enabled=False)
        before = len(httpx.get(f"{url}/_emulator/requests").json()["requests"])
        drifted = run_cli(tmp_path, url, "drift", key=READ_ONLY)
        assert drifted.returncode == 2, drifted.stderr
        assert drifted.stdout == (  # not a git checkout: no telling why the route drifted
            "Differs from git: adopt the live change into git, or apply git to undo it\n"
            "  ~ Production Alerts (01JQ3ZROUTE000000000000001, v8): enabled\n"
            "Drift: 1 differ from git, 0 unmanaged, 0 missing from live; 5 in sync.\n"
        )
        run_requests = httpx.get(f"{url}/_emulator/requests").json()["requests"][before:]
        assert run_requests and {r["method"] for r in run_requests} == {"GET"}


def _incidents(url: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    params = {"page_size": 50, "mode[one_of]": "test"}  # the list shows standard and retrospective unless asked
    found: list[dict[str, Any]] = httpx.get(f"{url}/v2/incidents", params=params, headers=headers).json()["incidents"]
    return found


@pytest.mark.slow
def test_drift_opens_one_incident_per_distinct_drift(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        assert run_cli(tmp_path, url, "export", key=ADMIN).returncode == 0
        in_sync = run_cli(tmp_path, url, "drift", "--open-incident", key=ADMIN)
        assert (in_sync.returncode, in_sync.stderr) == (0, "")
        assert _incidents(url) == []  # no drift, no incident

        dashboard_edit(url, "Production Alerts", enabled=False)
        first = run_cli(tmp_path, url, "drift", "--open-incident", "--incident-mode", "test", key=ADMIN)
        again = run_cli(tmp_path, url, "drift", "--open-incident", "--incident-mode", "test", key=ADMIN)
        assert (first.returncode, again.returncode) == (2, 2)
        assert first.stderr == again.stderr == "Incident INC-1 tracks this drift.\n"
        [incident] = _incidents(url)
        assert incident["mode"] == "test"
        assert incident["name"] == "Alert routes drifted from git: 1 differ from git, 0 unmanaged, 0 missing from live"

        dashboard_edit(url, "Informational", enabled=False)  # a different drift: a second incident
        other = run_cli(tmp_path, url, "drift", "--open-incident", "--incident-mode", "test", key=ADMIN)
        assert (other.returncode, other.stderr) == (2, "Incident INC-2 tracks this drift.\n")
        assert len(_incidents(url)) == 2


def test_open_incident_with_a_read_only_key_is_a_clear_error(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        assert run_cli(tmp_path, url, "export", key=ADMIN).returncode == 0
        dashboard_edit(url, "Production Alerts", enabled=False)
        result = run_cli(tmp_path, url, "drift", "--open-incident", key=READ_ONLY)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("Error: ")
        assert "403" in result.stderr or "permission" in result.stderr.lower()
