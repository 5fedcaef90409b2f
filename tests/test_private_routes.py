"""Private routes stay private on GitHub: the PR comment, the job summary and the drift issue show a private route's
name, action and changed fields, never a condition value or a template (canaries); the terminal keeps full detail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.core.drift import build_drift_report
from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from reconciler.model import Action, Change, FieldChange, Plan
from reconciler.render.drift_markdown import render_drift_markdown
from reconciler.render.markdown import render_plan_markdown
from reconciler.render.private import NOTE
from reconciler.render.text import render_plan_text
from tests.e2e_helpers import REPO, run_cli

REVIEW = "ab" * 32
CVE = "CVE-2026-424242"  # an embargoed vulnerability id, in a condition
TEMPLATE = "Embargoed canary for Globex Corp"  # a customer, in an incident name template
CANARIES = (CVE, TEMPLATE, "canary-old-value")


def _doc(name: str, value: str, *, private: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "is_private": private,
        "alert_sources": [
            {
                "alert_source": "Datadog",
                "conditions": [{"attribute": "Title", "operator": "contains", "values": [value]}],
            }
        ],
        "incident_template": {"name": f"{{{{ alert.title }}}} {TEMPLATE}"},
    }


def _changes(private: bool = True) -> tuple[Change, ...]:
    field = FieldChange("alert_sources[0].conditions[0].values", ["canary-old-value"], [CVE])
    return (
        Change(
            Action.CREATE,
            "Embargo new",
            source="routes/embargo-new.yaml",
            desired_doc=_doc("Embargo new", CVE, private=private),
        ),
        Change(
            Action.UPDATE,
            "Embargo watch",
            route_id="01J9" + "0" * 22,
            live_version=3,
            source="routes/embargo-watch.yaml",
            live_doc=_doc("Embargo watch", "canary-old-value", private=private),
            desired_doc=_doc("Embargo watch", CVE, private=private),
            fields=(field,),
        ),
        Change(
            Action.DELETE,
            "Embargo old",
            route_id="01J8" + "0" * 22,
            live_version=2,
            live_doc=_doc("Embargo old", CVE, private=private),
        ),
    )


def _plan(private: bool = True) -> Plan:
    return Plan(changes=_changes(private), in_sync=10, live_count=12)


@pytest.mark.parametrize("summary", [False, True], ids=["comment", "job summary"])
@pytest.mark.parametrize("budget", [60_000, 2_500], ids=["whole", "cut"])
def test_the_plan_comment_and_job_summary_show_no_private_value(budget: int, summary: bool) -> None:
    text = render_plan_markdown(_plan(), review=REVIEW, budget=budget, summary=summary)
    for canary in CANARIES:
        assert canary not in text
    assert "Embargo watch" in text and "Embargo new" in text and "Embargo old" in text


def test_a_private_route_shows_its_name_action_and_changed_fields() -> None:
    text = render_plan_markdown(_plan(), review=REVIEW)
    assert (
        "| 🔄 | Embargo watch | <code>alert&#95;sources&#91;0&#93;.conditions&#91;0&#93;.values</code> | v3 → v4 |"
        in text
    )
    assert text.count("🔒 private route") == 3
    assert "changed fields: alert&#95;sources&#91;0&#93;.conditions&#91;0&#93;.values" in text
    assert "a new route" in text and "the route is deleted" in text


def test_the_drift_issue_shows_no_private_value() -> None:
    text = render_drift_markdown(build_drift_report(_plan()))
    for canary in CANARIES:
        assert canary not in text
    assert "Embargo watch" in text and "🔒 private route" in text


def test_a_public_route_keeps_its_diff_and_the_terminal_keeps_full_detail() -> None:
    public = render_plan_markdown(_plan(private=False), review=REVIEW)
    assert CVE in public and NOTE.split(":")[0] not in public
    terminal = render_plan_text(_plan())
    assert CVE in terminal  # the operator's own terminal and the plan artifact are not GitHub


def test_a_route_private_only_in_live_is_still_hidden() -> None:
    """Making a route public in git does not publish what it held while private (the plan shows the old values)."""
    changes = tuple(
        Change(
            c.action,
            c.name,
            route_id=c.route_id,
            live_version=c.live_version,
            source=c.source,
            live_doc=c.live_doc,
            desired_doc={**c.desired_doc, "is_private": False} if c.desired_doc else None,
            fields=c.fields,
        )
        for c in _changes()
        if c.action is Action.UPDATE
    )
    text = render_plan_markdown(Plan(changes=changes, in_sync=0, live_count=1), review=REVIEW)
    for canary in CANARIES:
        assert canary not in text


EMBARGO = """\
name: Embargo watch
is_private: true
alert_sources:
  - alert_source: Alertmanager (Production)
    conditions:
      - subject: alert.title
        operation: contains
        values: [{value}]
channel_config:
  - slack_targets:
      channels: ["#alerts"]
"""
LATER = "CVE-2026-777777"  # the next embargoed id, committed to git but not applied yet


@pytest.mark.slow
def test_canaries_through_the_commands(tmp_path: Path) -> None:
    """The CLI end to end against a served emulator: the comment, the job summary and the drift issue's markdown of a
    private route hold none of its condition values; the terminal and plan.json keep them."""
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    route = tmp_path / "routes" / "embargo.yaml"
    route.write_text(EMBARGO.format(value=CVE), encoding="utf-8")
    with serve_in_thread(create_app()) as url:
        planned = run_cli(tmp_path, url, "plan", "--out", "plan.json", extra_env={"NO_COLOR": "1"})
        assert planned.returncode == 0, planned.stderr
        assert CVE in planned.stdout and CVE in (tmp_path / "plan.json").read_text(encoding="utf-8")
        for extra in (["--print"], ["--summary"]):
            shown = subprocess.run(  # offline: comment renders the saved plan (run_cli would add --api-url)
                [sys.executable, "-m", "reconciler", "comment", "--plan", "plan.json", *extra],
                cwd=tmp_path,
                env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert shown.returncode == 0, shown.stderr
            assert "Embargo watch" in shown.stdout and "🔒 private route" in shown.stdout
            assert CVE not in shown.stdout + shown.stderr
        applied = run_cli(tmp_path, url, "apply", "plan.json")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        route.write_text(EMBARGO.format(value=LATER), encoding="utf-8")
        drift = run_cli(tmp_path, url, "drift", "--format", "markdown")
        assert drift.returncode == 2, drift.stderr
        assert "Embargo watch" in drift.stdout
        assert CVE not in drift.stdout + drift.stderr and LATER not in drift.stdout + drift.stderr
        assert "changed fields: alert&#95;sources&#91;0&#93;.conditions&#91;0&#93;.values" in drift.stdout
