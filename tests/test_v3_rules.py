"""The v3 rules incident.io enforces, refused by `reconciler validate` before any request: one located line each.

grouping window and keys only while grouping is on; incident template and conditions only while incidents are
enabled; when_alert_joins_group only while grouping is on (and its grace period only with on_each_new_alert); an
escalation target pages escalation paths or users, never both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

REPO = Path(__file__).resolve().parent.parent
HEAD = "name: R\nalert_sources:\n  - alert_source: Axiom\n"


@pytest.fixture
def routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "routes").mkdir()
    shutil.copy(REPO / "routes" / "channels.yaml", tmp_path / "routes" / "channels.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "routes"


def validate(routes: Path, body: str) -> tuple[int, str, str]:
    (routes / "r.yaml").write_text(HEAD + body)
    result = CliRunner().invoke(main, ["validate", "routes"])
    return result.exit_code, result.stdout, result.stderr


def test_grouping_keys_and_window_only_while_grouping_is_on(routes: Path) -> None:
    assert validate(routes, "grouping: {enabled: false, keys: [alert.title], window_seconds: 600}\n") == (
        1,
        "routes/r.yaml:4:28: $.grouping.keys: only applies while grouping is on (enabled: false)\n"
        "routes/r.yaml:4:49: $.grouping.window_seconds: only applies while grouping is on (enabled: false)\n",
        "2 problems in 1 file.\n",
    )
    assert validate(routes, "grouping:\n  keys: [alert.title]\n") == (
        1,
        "routes/r.yaml:5:3: $.grouping: grouping needs window_seconds (60 to 172800) while it is on\n",
        "1 problem in 1 file.\n",
    )
    assert validate(routes, "incident_config:\n  grouping_keys: [alert.title]\n") == (
        1,
        "routes/r.yaml:5:18: $.incident_config.grouping_keys: grouping keys only apply while grouping is on: set "
        "grouping_window_seconds above 0, or write grouping: {keys, window_seconds}\n",
        "1 problem in 1 file.\n",
    )
    assert validate(routes, "grouping: {keys: [alert.title], window_seconds: 30}\n")[1] == (
        "routes/r.yaml:4:49: $.grouping.window_seconds: 30 is less than the minimum of 60\n"
    )
    assert validate(routes, "grouping: {keys: [alert.title], window_seconds: 600, window_type: fixed}\n")[0] == 0


def test_incident_template_and_conditions_only_while_incidents_are_enabled(routes: Path) -> None:
    body = (
        "incident_config:\n  auto_decline_enabled: true\n"
        "  conditions:\n    - {subject: alert.title, operation: is_set}\n"
        "incident_template:\n  name: '{{ alert.title }}'\n"
    )
    assert validate(routes, body) == (
        1,
        "routes/r.yaml:5:3: $.incident_config.auto_decline_enabled: auto-decline only applies while incidents are "
        "enabled (incident_config.enabled: true)\n"
        "routes/r.yaml:6:3: $.incident_config.conditions: conditions for creating incidents: only applies while "
        "incidents are enabled (incident_config.enabled: true)\n"
        "routes/r.yaml:8:1: $.incident_template: an incident template only applies while incidents are enabled "
        "(incident_config.enabled: true)\n",
        "3 problems in 1 file.\n",
    )
    assert validate(routes, body.replace("incident_config:\n", "incident_config:\n  enabled: true\n"))[0] == 0


def test_when_an_alert_joins_a_group_only_while_grouping_is_on(routes: Path) -> None:
    joins = "escalation_config:\n  when_alert_joins_group: {mode: on_priority_increase, grace_period_seconds: 60}\n"
    assert validate(routes, joins) == (
        1,
        "routes/r.yaml:5:3: $.escalation_config.when_alert_joins_group: only applies while grouping is on (see "
        "grouping)\n"
        "routes/r.yaml:5:78: $.escalation_config.when_alert_joins_group.grace_period_seconds: a grace period only "
        "applies with mode on_each_new_alert\n",
        "2 problems in 1 file.\n",
    )
    grouped = "grouping: {window_seconds: 600}\n"
    assert validate(routes, grouped + joins.replace("on_priority_increase", "on_each_new_alert"))[0] == 0
    legacy = "incident_config:\n  auto_relate_grouped_alerts: true\n"
    assert validate(routes, legacy) == (
        1,
        "routes/r.yaml:5:3: $.incident_config.auto_relate_grouped_alerts: only applies while grouping is on\n",
        "1 problem in 1 file.\n",
    )


def test_an_escalation_target_pages_paths_or_users_never_both(routes: Path) -> None:
    body = (
        "escalation_config:\n  escalation_targets:\n    - escalation_paths: [Engineering On-Call]\n"
        "      users: [oncall@example.com]\n"
    )
    assert validate(routes, body) == (
        1,
        "routes/r.yaml:7:7: $.escalation_config.escalation_targets[0].users: a target takes escalation_paths or "
        "users, not both (incident.io keeps only the escalation paths); put the users in a target of their own\n",
        "1 problem in 1 file.\n",
    )


def test_every_problem_of_every_file_at_once(routes: Path) -> None:
    (routes / "b.yaml").write_text("name: B\nincident_config:\n  grouping_keys: [alert.title]\n")
    code, out, err = validate(routes, "grouping: {enabled: false, window_type: fixed}\n")
    assert code == 1 and err == "2 problems in 2 files.\n"
    assert out.splitlines()[0].startswith("routes/b.yaml:3:18: $.incident_config.grouping_keys:")
    assert out.splitlines()[1].startswith("routes/r.yaml:4:28: $.grouping.window_type:")
