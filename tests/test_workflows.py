"""The GitHub Actions workflows follow the security rules (RELIABILITY.md §5), and actionlint and zizmor agree."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import find_tool

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
ACTION = REPO / "action.yml"
ALLOWED_IN_WRITE_JOB = {"actions/checkout", "actions/setup-python"}


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def _steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def test_the_four_workflows_exist() -> None:
    assert [p.name for p in FILES] == ["apply.yml", "ci.yml", "drift.yml", "plan.yml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_security_rules(path: Path) -> None:
    workflow = _load(path)
    triggers = workflow["on"]
    assert "pull_request_target" not in triggers and "workflow_run" not in triggers
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name}: no timeout-minutes"
        assert "permissions" in job, f"{name}: no job-level permissions"
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        if "uses:" in line:
            ref, _, comment = line.split("uses:", 1)[1].partition("#")
            if ref.strip() == "./":  # this repository's own action (action.yml), at the same commit
                continue
            assert PINNED.match(ref.strip()), f"not pinned to a commit SHA: {line.strip()}"
            assert re.match(r"\s*v\d+\.\d+\.\d+", comment), f"no # vX.Y.Z comment: {line.strip()}"
    for job_name, step in _steps(workflow):
        script = str(step.get("run", ""))
        assert "${{" not in script, f"{job_name}: an expression inside run: (use env:)"
        assert "set -x" not in script
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_no_event_values_are_spliced_into_scripts() -> None:
    for path in FILES:
        for _job, step in _steps(_load(path)):
            script = str(step.get("run", ""))
            assert "github.event" not in script and "github.head_ref" not in script


def test_apply_holds_the_write_key_in_a_main_only_environment_and_never_cancels() -> None:
    workflow = _load(WORKFLOWS / "apply.yml")
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    apply = workflow["jobs"]["apply"]
    assert apply["environment"] == "incident-io-prod"
    assert apply["concurrency"] == {"group": "incident-io-write", "cancel-in-progress": False}
    assert apply["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    uses = {str(s["uses"]).split("@")[0] for s in apply["steps"] if "uses" in s}
    # "./" is this repository's own action at the same commit, here only to install reconciler; the actions it runs
    # for that count as the job's own.
    assert uses <= ALLOWED_IN_WRITE_JOB | {"./"}
    assert {s["with"]["command"] for s in apply["steps"] if s.get("uses") == "./"} == {"install"}
    action_steps = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"]
    for step in action_steps:
        condition = str(step.get("if", ""))
        if "uses" in step and "inputs.command ==" not in condition:  # runs for every command
            assert str(step["uses"]).split("@")[0] in ALLOWED_IN_WRITE_JOB, step
        elif "uses" in step:
            assert "'install'" not in condition and "!=" not in condition, step
    text = (WORKFLOWS / "apply.yml").read_text()
    # The write key appears only in the environment-protected job, and apply is pinned to the reviewed plan.
    assert text.count("INCIDENT_IO_WRITE_API_KEY") == 1
    assert 'reconciler apply plan.json --expect-review "$REVIEWED"' in text
    for name, job in workflow["jobs"].items():
        if name != "apply":
            assert "secrets." not in yaml.safe_dump(job)


def test_plan_and_drift_use_only_the_read_only_key() -> None:
    for name in ("plan.yml", "drift.yml", "ci.yml"):
        text = (WORKFLOWS / name).read_text()
        assert "INCIDENT_IO_WRITE_API_KEY" not in text
    plan = _load(WORKFLOWS / "plan.yml")
    assert set(plan["on"]) == {"pull_request"}
    # The job that may comment holds no incident.io key, and it posts refused plans too.
    assert "secrets." not in yaml.safe_dump(plan["jobs"]["comment"])
    assert plan["jobs"]["comment"]["if"] == "${{ !cancelled() && needs.plan.outputs.planned == 'true' }}"
    assert plan["jobs"]["plan"]["permissions"] == {"contents": "read"}
    drift = _load(WORKFLOWS / "drift.yml")
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
    assert drift["jobs"]["drift"]["permissions"] == {"contents": "read", "issues": "write"}
    # Adopting as a pull request is opt-in, and the only drift job that may push.
    adopt = drift["jobs"]["adopt"]
    assert adopt["if"] == "${{ vars.DRIFT_ADOPT_PR == 'true' || inputs.adopt_pr }}"
    assert adopt["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert drift["on"]["workflow_dispatch"]["inputs"]["adopt_pr"]["default"] is False
    assert "--github-pr" in adopt["steps"][-1]["run"] and "INCIDENT_IO_WRITE_API_KEY" not in yaml.safe_dump(adopt)


def test_ci_runs_the_route_tests_and_the_pr_plan_replays_last_week_with_the_read_only_key() -> None:
    ci = _load(WORKFLOWS / "ci.yml")["jobs"]["test"]
    runs = [str(step.get("run", "")) for step in ci["steps"]]
    assert "reconciler test --format github" in runs  # offline: no key in the job
    assert "secrets." not in yaml.safe_dump(ci)
    plan = _load(WORKFLOWS / "plan.yml")["jobs"]["plan"]
    (step,) = [s for s in plan["steps"] if "reconciler plan " in str(s.get("run", ""))]
    assert step["env"] == {"INCIDENT_IO_API_KEY": "${{ secrets.INCIDENT_IO_READONLY_API_KEY }}"}
    assert re.search(r"^\s*reconciler plan .*--replay 7d .*--out plan\.json", step["run"], re.M), step["run"]


def test_actionlint_reports_nothing() -> None:
    result = subprocess.run([find_tool("actionlint")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_zizmor_reports_nothing() -> None:
    result = subprocess.run(
        [find_tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", str(WORKFLOWS), str(ACTION)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_ci_runs_the_suite_on_every_supported_python() -> None:
    job = _load(WORKFLOWS / "ci.yml")["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    assert job["strategy"]["fail-fast"] is False
    (setup,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == "${{ matrix.python-version }}"


def test_no_workflow_resolves_dependencies_at_run_time() -> None:
    """Every install is locked: the plan, apply and drift jobs install through this repository's action
    (requirements/action.txt, hash-checked); CI installs requirements/test.txt with --require-hashes."""
    installs: dict[str, list[str]] = {}
    for path in FILES:
        for job, step in _steps(_load(path)):
            script = str(step.get("run", ""))
            installs.setdefault(path.name, []).extend(
                f"{job}: {line.strip()}" for line in script.splitlines() if "pip install" in line
            )
    assert installs["plan.yml"] == installs["apply.yml"] == installs["drift.yml"] == []
    assert installs["ci.yml"] == [
        "test: python -m pip install --require-hashes --no-deps -r requirements/test.txt",
        "test: python -m pip install --no-deps --no-build-isolation -e .",
    ]
    for name in ("plan.yml", "apply.yml", "drift.yml"):
        for job_name, job in _load(WORKFLOWS / name)["jobs"].items():
            steps = job["steps"]
            uses = [str(s.get("uses", "")) for s in steps]
            runs_reconciler = any("reconciler " in str(s.get("run", "")) for s in steps)
            assert "./" in uses or not runs_reconciler, f"{name} {job_name}: runs reconciler without the action"
            if runs_reconciler:
                first_run = next(i for i, s in enumerate(steps) if "reconciler " in str(s.get("run", "")))
                assert uses.index("./") < first_run, f"{name} {job_name}: reconciler runs before it is installed"
                assert steps[uses.index("./")]["with"]["command"] in ("install", "validate", "drift")
