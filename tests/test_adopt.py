"""`drift --adopt`: the live state of dashboard edits written back into route files touching only the drifted lines
(comments, key order, quoting and flow lists kept), unmanaged routes as new files, and plan clean for them after."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.files.adopt import adopt_text
from tests.drift_scenario import set_up
from tests.e2e_helpers import REPO, dashboard_edit, run_cli

GOLDEN = REPO / "tests" / "golden"

FILE = """\
# A comment on top
name: R  # the name
alert_sources:
- alert_source: 'Quoted Source'
  conditions:
  - subject: alert.attributes.severity
    operation: one_of
    values: [critical, major]
escalation_config:
  escalation_targets:
  - escalation_paths: ["Primary"]
"""


def _doc(values: list[str], path: str = "Primary", **extra: object) -> dict[str, object]:
    return {
        "name": "R",
        "alert_sources": [
            {
                "alert_source": "Quoted Source",
                "conditions": [{"subject": "alert.attributes.severity", "operation": "one_of", "values": values}],
            }
        ],
        "escalation_config": {"escalation_targets": [{"escalation_paths": [path]}]},
        **extra,
    }


def test_in_sync_fields_are_left_exactly_as_written() -> None:
    assert adopt_text(FILE, _doc(["critical", "major"]), _doc(["critical", "major"])) == FILE


def test_a_changed_item_of_a_flow_list_keeps_the_list_flow_and_the_string_quoted() -> None:
    adopted = adopt_text(FILE, _doc(["critical", "major"]), _doc(["critical", "minor"], path="Secondary"))
    assert adopted == FILE.replace("[critical, major]", "[critical, minor]").replace('["Primary"]', '["Secondary"]')


def test_a_longer_list_stays_flow_and_a_new_key_goes_where_export_puts_it() -> None:
    adopted = adopt_text(FILE, _doc(["critical", "major"]), _doc(["a", "b", "c"], enabled=False))
    assert adopted == FILE.replace("[critical, major]", "[a, b, c]").replace(
        "name: R  # the name\n", "name: R  # the name\nenabled: false\n"
    )


def test_a_field_gone_from_live_is_removed() -> None:
    with_key = FILE.replace("name: R  # the name\n", "name: R  # the name\nis_private: true\n")
    adopted = adopt_text(with_key, _doc(["critical", "major"], is_private=True), _doc(["critical", "major"]))
    assert adopted == FILE


@pytest.mark.slow
def test_adopt_then_plan_leaves_only_what_git_must_apply(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        set_up(tmp_path, url)
        adopted = run_cli(tmp_path, url, "drift", "--adopt")
        assert adopted.returncode == 2, adopted.stderr
        assert adopted.stderr == (
            "Adopted the dashboard edit into routes/production-alerts.yaml.\n"
            "Adopted an unmanaged route as routes/dashboard-only.yaml.\n"
        )
        # A's file: only the drifted line changes; its comment and flow lists stay.
        diff = subprocess.run(
            ["git", "diff", "--", "routes/production-alerts.yaml"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        golden = GOLDEN / "adopt_production_alerts.diff"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            golden.write_text(diff, encoding="utf-8")
        assert diff == golden.read_text(encoding="utf-8")
        assert [line for line in diff.splitlines() if line.startswith(("+", "-"))][2:] == ["+enabled: false"]
        text = (tmp_path / "routes" / "production-alerts.yaml").read_text()
        assert "# Production pages: changes here are reviewed by the on-call leads.\n" in text
        assert "values: [critical]  # only pages\n" in text and "keys: [alert.title]\n" in text
        # D: a new file in the export style.
        assert (tmp_path / "routes" / "dashboard-only.yaml").read_text() == (
            "# yaml-language-server: $schema=../schema/alert-route.schema.json\n"
            "id: 01KRTE00000000000000000001\n"
            "name: Dashboard Only\n"
            "alert_sources:\n"
            "- alert_source: Axiom\n"
            "- alert_source: Status Page Views\n"
        )

        planned = run_cli(tmp_path, url, "plan", "--format", "json")
        assert planned.returncode == 0, planned.stderr
        plan = json.loads(planned.stdout)
        # A and D: 0 changes (and D no longer unmanaged); B and C still planned; E still to create.
        assert sorted((c["action"], c["name"]) for c in plan["changes"]) == [
            ("create", "Unrouted Alerts"),
            ("update", "Database Alerts"),
            ("update", "Informational"),
        ]
        assert plan["unmanaged"] == []


@pytest.mark.slow
def test_adopt_outside_git_adopts_only_unmanaged_routes_and_says_so(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as url:
        assert run_cli(tmp_path, url, "export").returncode == 0
        dashboard_edit(url, "Production Alerts", enabled=False)  # not in git: no telling why it drifted
        before = (tmp_path / "routes" / "production-alerts.yaml").read_text()
        result = run_cli(tmp_path, url, "drift", "--adopt")
        assert (result.returncode, result.stderr) == (
            2,
            "Nothing to adopt: only dashboard edits and unmanaged live routes are adopted.\n",
        )
        assert (tmp_path / "routes" / "production-alerts.yaml").read_text() == before
        targeted = run_cli(tmp_path, url, "drift", "--github-issue", "--target", "Production*")
        assert (targeted.returncode, targeted.stderr) == (
            1,
            "Error: --github-issue and --github-pr report all routes; run them without --target\n",
        )
