"""`reconciler validate`: exact output and exit codes in the text, github and json formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped routes/ in an empty directory (no ./schema: the packaged schema is used)."""
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def break_routes(workdir: Path) -> None:
    (workdir / "routes" / "informational.yaml").write_text("name: Informational\nenabled: yes\n")
    (workdir / "routes" / "bad.yaml").write_text("name: Bad\nalert_sources:\n  - source: Axiom\n")


def test_shipped_routes_are_valid(workdir: Path) -> None:
    assert run() == (0, "", "6 files valid.\n")
    assert run("routes/informational.yaml") == (0, "", "1 file valid.\n")


def test_text_format(workdir: Path) -> None:
    break_routes(workdir)
    assert run() == (
        1,
        "routes/bad.yaml:3:5: $.alert_sources[0]: missing required field 'alert_source'\n"
        "routes/bad.yaml:3:5: $.alert_sources[0].source: unknown field 'source' (did you mean 'alert_source'?)\n"
        "routes/informational.yaml:2:10: $.enabled: 'yes' is not a boolean: write true or false\n",
        "3 problems in 2 files.\n",
    )


def test_github_format(workdir: Path) -> None:
    break_routes(workdir)
    assert run("--format", "github") == (
        1,
        "::error file=routes/bad.yaml,line=3,col=5,title=$.alert_sources[0]::missing required field 'alert_source'\n"
        "::error file=routes/bad.yaml,line=3,col=5,title=$.alert_sources[0].source::unknown field 'source' "
        "(did you mean 'alert_source'?)\n"
        "::error file=routes/informational.yaml,line=2,col=10,title=$.enabled::'yes' is not a boolean: "
        "write true or false\n",
        "3 problems in 2 files.\n",
    )


def test_json_format(workdir: Path) -> None:
    break_routes(workdir)
    code, out, err = run("--format", "json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "valid": False,
        "files": 7,
        "problems": [
            {
                "file": "routes/bad.yaml",
                "line": 3,
                "column": 5,
                "path": "$.alert_sources[0]",
                "message": "missing required field 'alert_source'",
                "severity": "error",
            },
            {
                "file": "routes/bad.yaml",
                "line": 3,
                "column": 5,
                "path": "$.alert_sources[0].source",
                "message": "unknown field 'source' (did you mean 'alert_source'?)",
                "severity": "error",
            },
            {
                "file": "routes/informational.yaml",
                "line": 2,
                "column": 10,
                "path": "$.enabled",
                "message": "'yes' is not a boolean: write true or false",
                "severity": "error",
            },
        ],
    }
    assert json.loads(run("--format", "json", "routes/database-alerts.yaml")[1]) == {
        "valid": True,
        "files": 1,
        "problems": [],
    }


def test_whole_file_problems_and_escaping(workdir: Path) -> None:
    (workdir / "routes" / "empty.yaml").write_text("")
    (workdir / "routes" / "x,y.yaml").write_text("name: 'a: b'\nfoo: 1\n")
    code, out, err = run("--format", "github", "routes/empty.yaml", "routes/x,y.yaml")
    assert code == 1
    assert out == (
        "::error file=routes/empty.yaml,title=$::file is empty: expected a mapping of route fields\n"
        "::error file=routes/x%2Cy.yaml,line=2,col=1,title=$.foo::unknown field 'foo'; known fields: id, name, "
        "enabled, is_private, protect, owning_teams, alert_sources, conditions, condition_groups, expressions, "
        "escalation_config, channel_config, grouping, incident_config, incident_template, message_template\n"
    )
    assert err == "2 problems in 2 files.\n"


def test_channel_map_problems_and_unknown_channels(workdir: Path) -> None:
    (workdir / "routes" / "channels.yaml").write_text('slack:\n  "#alerts": C07ALERTS01\n  staging: nope\n')
    assert run() == (
        1,
        "routes/channels.yaml:3:3: $.slack.staging: 'staging' is not a Slack channel name like '#alerts'\n"
        "routes/channels.yaml:3:12: $.slack.staging: 'nope' is not a Slack channel id like 'C07ALERTS01'\n",
        "2 problems in 1 file.\n",
    )
    (workdir / "routes" / "channels.yaml").unlink()
    code, out, err = run()
    assert code == 1
    assert out.splitlines()[0] == (
        "routes/database-alerts.yaml:14:18: $.channel_config[0].slack_targets.channels[0]: "
        "Slack channel '#alerts' is not in channels.yaml (known: none)"
    )
    assert err == "5 problems in 5 files.\n"


def test_missing_paths_and_no_files(workdir: Path) -> None:
    assert run("nowhere") == (1, "nowhere: no such file or directory\n", "1 problem in 1 file.\n")
    (workdir / "empty").mkdir()
    assert run("empty") == (
        1,
        "empty: $: no route files (*.yaml) found; channels.yaml is not one\n",
        "1 problem in 1 file.\n",
    )


def test_schema_option(workdir: Path) -> None:
    (workdir / "strict.json").write_text('{"type": "object", "required": ["owner"]}')
    assert run("--schema", "strict.json", "routes/informational.yaml") == (
        1,
        "routes/informational.yaml:2:1: $: missing required field 'owner'\n",
        "1 problem in 1 file.\n",
    )
    assert run("--schema", "missing.json") == (
        1,
        "",
        "Error: cannot read the schema missing.json: [Errno 2] No such file or directory: 'missing.json'\n",
    )


def test_help_names_every_option() -> None:
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0
    for text in ("--schema FILE", "--format [text|github|json]", "PATHS", "Exit 0 when valid, 1 when not."):
        assert text in result.stdout


def _route_file(workdir: Path, file: str, name_yaml: str) -> None:
    """A valid route (the shipped informational.yaml) under another name, written as `name_yaml` in YAML."""
    (workdir / "routes" / file).write_text(
        f"name: {name_yaml}\nalert_sources:\n  - alert_source: Axiom\n", encoding="utf-8"
    )


def test_route_names_must_be_plain_text(workdir: Path) -> None:
    _route_file(workdir, "esc.yaml", '"Payments \\e[31mred"')
    _route_file(workdir, "newline.yaml", '"Payments\\nAlerts"')
    _route_file(workdir, "bidi.yaml", '"Payments \\u202EstrelA"')
    _route_file(workdir, "isolate.yaml", "\u2067Payments\u2069")  # written raw, not escaped
    _route_file(workdir, "c1.yaml", '"Payments\\x85"')
    _route_file(workdir, "separator.yaml", '"Payments\\u2028Alerts"')
    assert run() == (
        1,
        "routes/bidi.yaml:1:7: $.name: contains a bidirectional control character (U+202E); "
        "route names must be plain text\n"
        "routes/c1.yaml:1:7: $.name: contains a control character (U+0085); route names must be plain text\n"
        "routes/esc.yaml:1:7: $.name: contains a control character (U+001B); route names must be plain text\n"
        "routes/isolate.yaml:1:7: $.name: contains a bidirectional control character (U+2067); "
        "route names must be plain text\n"
        "routes/newline.yaml:1:7: $.name: contains a control character (U+000A); route names must be plain text\n"
        "routes/separator.yaml:1:7: $.name: contains a line separator (U+2028); route names must be plain text\n",
        "6 problems in 6 files.\n",
    )


def test_names_that_read_the_same_collide(workdir: Path) -> None:
    """Case, Unicode width forms and surrounding spaces do not make two routes different to whoever is paged."""
    _route_file(workdir, "a.yaml", "Payments Alerts")
    _route_file(workdir, "b.yaml", "payments ALERTS")
    _route_file(workdir, "c.yaml", "Ｐａｙｍｅｎｔｓ Alerts")  # fullwidth letters: NFKC makes them ASCII
    _route_file(workdir, "d.yaml", '" Payments Alerts "')
    _route_file(workdir, "e.yaml", "Payments Alerts")  # an exact duplicate keeps its own message
    _route_file(workdir, "f.yaml", "Informational")  # the shipped informational.yaml's name
    same = "(names are compared ignoring case, Unicode width and surrounding spaces)"
    assert run() == (
        1,
        f"routes/b.yaml:1:7: $.name: route name 'payments ALERTS' is the same as 'Payments Alerts' in "
        f"routes/a.yaml:1:7 {same}\n"
        f"routes/c.yaml:1:7: $.name: route name 'Ｐａｙｍｅｎｔｓ Alerts' is the same as 'Payments Alerts' in "
        f"routes/a.yaml:1:7 {same}\n"
        f"routes/d.yaml:1:7: $.name: route name ' Payments Alerts ' is the same as 'Payments Alerts' in "
        f"routes/a.yaml:1:7 {same}\n"
        "routes/e.yaml:1:7: $.name: route name 'Payments Alerts' is also declared in routes/a.yaml:1:7\n"
        "routes/informational.yaml:2:7: $.name: route name 'Informational' is also declared in routes/f.yaml:1:7\n",
        "5 problems in 5 files.\n",
    )


def test_invalid_templates_are_one_located_problem_each(workdir: Path) -> None:
    """Each error kind of incident.io's grammar, named; `100}} of capacity` is literal text, so valid."""
    routes = workdir / "routes"
    (routes / "a.yaml").write_text(
        "name: A\nincident_template:\n"
        "  name: '{{ alert.title'\n"
        '  summary: "{{ alert.title }}\\n\\n{{ alert.description | truncate: 0 }}"\n'
        "incident_config: {enabled: true}\n"
    )
    (routes / "b.yaml").write_text(
        "name: B\nincident_template:\n  name: '{{ alert.title | upcase }}'\n  summary: 'Down: {{ | truncate: 80 }}'\n"
        "incident_config: {enabled: true}\n"
    )
    (routes / "c.yaml").write_text(
        "name: C\nincident_template:\n  name: '{{ alert {{ title }} }}'\n  summary: '100}} of capacity'\n"
        "incident_config: {enabled: true}\n"
    )
    assert run("routes/a.yaml", "routes/b.yaml", "routes/c.yaml") == (
        1,
        "routes/a.yaml:3:9: $.incident_template.name: unclosed_variable: '{{' at character 1 is never closed\n"
        "routes/a.yaml:4:12: $.incident_template.summary: invalid_filter_argument: truncate at character 43 takes "
        "a whole number of at least 1 (truncate: 100), got '0'\n"
        "routes/b.yaml:3:9: $.incident_template.name: unknown_filter: 'upcase' at character 18 is not a filter "
        "(filters: truncate: N, omit_if_unset)\n"
        "routes/b.yaml:4:12: $.incident_template.summary: empty_variable_name: the variable at character 7 has no "
        "name\n"
        "routes/c.yaml:3:9: $.incident_template.name: nested_variable: '{{' at character 10 is inside the variable "
        "at character 1\n",
        "5 problems in 3 files.\n",
    )
    (routes / "a.yaml").write_text(
        "name: A\nincident_template:\n  summary: '100}} of capacity, { not a variable }'\n"
        "incident_config: {enabled: true}\n"
    )
    assert run("routes/a.yaml") == (0, "", "1 file valid.\n")
