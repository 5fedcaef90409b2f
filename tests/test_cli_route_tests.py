"""`reconciler test`: the shipped cases pass; each kind of failure, and each invalid case file, has exact output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped routes/ and route-tests/ in an empty directory."""
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    shutil.copytree(REPO / "route-tests", tmp_path / "route-tests")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["test", *args])
    return result.exit_code, result.stdout, result.stderr


def case_file(workdir: Path, text: str) -> str:
    (workdir / "cases.yaml").write_text(text)
    return "cases.yaml"


def test_shipped_cases_pass(workdir: Path) -> None:
    assert run() == (0, "", "13 cases passed (3 files).\n")
    assert run("route-tests/staging.yaml") == (0, "", "2 cases passed (1 file).\n")


def test_shipped_cases_pass_in_the_repository_without_a_key() -> None:
    env = {"PATH": "/usr/bin:/bin"}  # no INCIDENT_IO_API_KEY, no network needed
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "test"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "13 cases passed (3 files).\n")


WARNING = """\
cases:
  - name: a warning
    alert:
      source: Alertmanager (Production)
      attributes: {severity: warning}
    expect:
"""

# (expectation lines, exact failure line) for each kind of failing case.
FAILURES = [
    (
        "      routes: [Production Alerts]\n",
        'cases.yaml:7:7: $.cases[0].expect.routes: a warning: expected routes "Production Alerts"; '
        'matched "Production Warnings"',
    ),
    (
        "      hits: [Production Alerts]\n",
        'cases.yaml:7:14: $.cases[0].expect.hits[0]: a warning: expected to hit "Production Alerts", but it did not: '
        "alert.attributes.severity one_of [critical] does not hold",
    ),
    (
        "      misses: [Unrouted Alerts, Production Warnings]\n",
        'cases.yaml:7:33: $.cases[0].expect.misses[1]: a warning: expected not to hit "Production Warnings", '
        "but it did",
    ),
    (
        "      no_route: true\n",
        'cases.yaml:7:7: $.cases[0].expect.no_route: a warning: expected no route; matched "Production Warnings"',
    ),
    (
        "      escalation_paths: [Engineering On-Call]\n",
        'cases.yaml:7:7: $.cases[0].expect.escalation_paths: a warning: expected escalation paths "Engineering '
        'On-Call"; got none (matched "Production Warnings")',
    ),
    (
        '      channels: ["#alerts-staging"]\n',
        'cases.yaml:7:7: $.cases[0].expect.channels: a warning: expected channels "#alerts-staging"; got "#alerts" '
        '(matched "Production Warnings")',
    ),
    (
        "      incident: true\n",
        "cases.yaml:7:7: $.cases[0].expect.incident: a warning: expected an incident; none would open "
        '(matched "Production Warnings")',
    ),
    (
        "      hits: [Production Warning]\n",
        'cases.yaml:7:14: $.cases[0].expect.hits[0]: a warning: unknown route "Production Warning" (no route file '
        'has that name); closest: "Production Warnings", "Production Alerts"',
    ),
]


@pytest.mark.parametrize(("expect", "line"), FAILURES, ids=[f[0].split(":")[0].strip() for f in FAILURES])
def test_each_kind_of_failing_case(workdir: Path, expect: str, line: str) -> None:
    assert run(case_file(workdir, WARNING + expect)) == (1, line + "\n", "1 of 1 case failed (1 file).\n")


def test_incident_false_failure(workdir: Path) -> None:
    text = WARNING.replace("severity: warning", "severity: critical") + "      incident: false\n"
    assert run(case_file(workdir, text)) == (
        1,
        'cases.yaml:7:7: $.cases[0].expect.incident: a warning: expected no incident; "Production Alerts" would '
        "open one\n",
        "1 of 1 case failed (1 file).\n",
    )


def test_a_case_that_cannot_be_decided_offline_fails_with_the_reason(workdir: Path) -> None:
    (workdir / "routes" / "catalog.yaml").write_text(
        "name: By team\nalert_sources:\n  - alert_source: Grafana Cloud\n    conditions:\n"
        "      - {subject: alert.attributes.service.team, operation: one_of, values: [payments]}\n"
    )
    text = "cases:\n  - name: grafana\n    alert: {source: Grafana Cloud}\n    expect:\n      no_route: true\n"
    assert run(case_file(workdir, text)) == (
        1,
        'cases.yaml:5:7: $.cases[0].expect.no_route: grafana: cannot be decided offline: "By team": '
        "alert.attributes.service.team navigates into a catalog entry: no catalog data offline\n",
        "1 of 1 case failed (1 file).\n",
    )


def test_hits_of_a_route_that_cannot_be_decided_offline_fail_with_the_reason(workdir: Path) -> None:
    (workdir / "routes" / "catalog.yaml").write_text(
        "name: By team\nalert_sources:\n  - alert_source: Grafana Cloud\n    conditions:\n"
        "      - {subject: alert.attributes.service.team, operation: one_of, values: [payments]}\n"
    )
    text = "cases:\n  - name: grafana\n    alert: {source: Grafana Cloud}\n    expect:\n      hits: [By team]\n"
    assert run(case_file(workdir, text)) == (
        1,
        'cases.yaml:5:14: $.cases[0].expect.hits[0]: grafana: cannot be decided offline: "By team": '
        "alert.attributes.service.team navigates into a catalog entry: no catalog data offline\n",
        "1 of 1 case failed (1 file).\n",
    )


def test_an_incident_that_cannot_be_decided_offline_fails_with_the_reason(workdir: Path) -> None:
    production = workdir / "routes" / "production-alerts.yaml"
    production.write_text(
        production.read_text().replace(
            "  enabled: true\n",
            "  enabled: true\n  conditions:\n"
            "    - {subject: alert.attributes.service.team, operation: one_of, values: [payments]}\n",
        )
    )
    text = WARNING.replace("severity: warning", "severity: critical") + "      incident: true\n"
    assert run(case_file(workdir, text)) == (
        1,
        "cases.yaml:7:7: $.cases[0].expect.incident: a warning: incident cannot be decided offline: "
        '"Production Alerts": alert.attributes.service.team navigates into a catalog entry: no catalog data '
        "offline\n",
        "1 of 1 case failed (1 file).\n",
    )


def test_github_and_json_formats(workdir: Path) -> None:
    name = case_file(workdir, WARNING + "      no_route: true\n")
    assert run(name, "--format", "github") == (
        1,
        "::error file=cases.yaml,line=7,col=7,title=$.cases[0].expect.no_route::a warning: expected no route; "
        'matched "Production Warnings"\n',
        "1 of 1 case failed (1 file).\n",
    )
    code, out, err = run(name, "--format", "json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "passed": False,
        "files": 1,
        "cases": 1,
        "failed": 1,
        "results": [
            {
                "file": "cases.yaml",
                "line": 2,
                "column": 5,
                "path": "$.cases[0]",
                "name": "a warning",
                "passed": False,
                "matched": ["Production Warnings"],
                "unknown": [],
                "failures": [
                    {
                        "file": "cases.yaml",
                        "line": 7,
                        "column": 7,
                        "path": "$.cases[0].expect.no_route",
                        "message": 'a warning: expected no route; matched "Production Warnings"',
                    }
                ],
            }
        ],
        "problems": [],
    }


def test_invalid_case_files_get_located_errors(workdir: Path) -> None:
    (workdir / "a.yaml").write_text(
        "cases:\n"
        "  - name: x\n"
        "    alert: {sourc: Grafana Cloud}\n"
        "    expect: {routes: [], no_route: true}\n"
        "  - name: y\n"
        "    alert: {source: Grafana Cloud, attributes: {a: {b: 1}}}\n"
        "    expect: {}\n"
        "  - name: z\n"
        "    alert: {source: Grafana Cloud}\n"
        "    expect: {incident: yes}\n"
    )
    (workdir / "b.yaml").write_text("cases: [\n")
    (workdir / "c.yaml").write_text("- just a list\n")
    code, out, err = run("a.yaml", "b.yaml", "c.yaml", "missing.yaml")
    assert code == 1
    assert out.splitlines() == [
        "a.yaml:3:12: $.cases[0].alert: missing required field 'source'",
        "a.yaml:3:13: $.cases[0].alert.sourc: unknown field 'sourc' (did you mean 'source'?)",
        "a.yaml:4:26: $.cases[0].expect: 'routes' and 'no_route' cannot be used together: use one",
        "a.yaml:6:52: $.cases[1].alert.attributes.a: expected a string, a number, a boolean or a list, got a mapping",
        "a.yaml:7:13: $.cases[1].expect: set at least one of 'routes', 'hits', 'misses', 'no_route', "
        "'escalation_paths', 'channels' or 'incident'",
        "a.yaml:10:24: $.cases[2].expect.incident: 'yes' is not a boolean: write true or false",
        out.splitlines()[6],  # the YAML parser's own wording for the unclosed flow sequence
        "c.yaml:1:1: $: expected a mapping with a `cases:` list",
        "missing.yaml: no such file or directory",
    ]
    assert out.splitlines()[6].startswith("b.yaml:2:1: $")
    assert err == "0 cases passed (3 files). 9 problems in the input.\n"


def test_broken_route_files_are_reported_and_no_case_runs(workdir: Path) -> None:
    (workdir / "routes" / "informational.yaml").write_text("name: Informational\nenabled: yes\n")
    assert run() == (
        1,
        "routes/informational.yaml:2:10: $.enabled: 'yes' is not a boolean: write true or false\n",
        "0 cases passed (3 files). 1 problem in the input.\n",
    )


def test_no_case_files(workdir: Path) -> None:
    (workdir / "empty").mkdir()
    assert run("empty") == (
        1,
        "empty: $: no route-test files (*.yaml) found\n",
        "0 cases passed (0 files). 1 problem in the input.\n",
    )
