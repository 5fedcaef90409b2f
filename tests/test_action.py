"""The composite action (action.yml): installed from its own checkout with hash-pinned dependencies, never from the
calling repository; its scripts follow the workflow rules; and its two steps, run as GitHub would run them, plan
the example routes against the emulator."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
LOCK = REPO / "requirements" / "action.txt"


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]).lower()  # PEP 503 names


def test_inputs_and_composite_steps() -> None:
    action = _action()
    assert set(action["inputs"]) == {"command", "routes", "api-key", "plan-file", "comment", "github-token", "args"}
    assert action["inputs"]["command"]["required"] is True
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        assert "${{" not in str(step.get("run", "")), "an expression inside run: (use env:)"
    install = steps[1]
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    # The plan comment and job summary name the plan.json artifact: the action keeps it, refused plans too.
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["if"] == "${{ !cancelled() && inputs.command == 'plan' }}"
    assert upload["with"] == {
        "name": "plan",
        "path": "${{ inputs.plan-file }}",
        "retention-days": 14,
        "if-no-files-found": "ignore",
    }
    assert "--no-compile --require-hashes --no-deps" in install["run"]
    assert '-r "$ACTION_PATH/requirements/action.txt"' in install["run"]
    assert '"$ACTION_PATH"' in install["run"] and "pip install ." not in install["run"]


def _declared(extra: str | None) -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"]) + (list(project["optional-dependencies"][extra]) if extra else [])
    return {_name(d) for d in declared}


@pytest.mark.parametrize(
    ("lock", "extra"),
    [(LOCK, None), (REPO / "requirements" / "test.txt", "test")],
    ids=["action.txt", "test.txt"],
)
def test_the_lock_pins_every_dependency_by_hash(lock: Path, extra: str | None) -> None:
    """action.txt: what the action installs; test.txt: what ci.yml installs (the test extras too)."""
    text = lock.read_text(encoding="utf-8")
    requirements = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert requirements
    for line in requirements:
        assert re.match(r"^[A-Za-z0-9_.-]+==[^ ]+ (; [^\\]+ )?\\$", line), line
    blocks = re.split(r"\n(?=[A-Za-z])", text.split("\n", 3)[-1])
    for block in blocks:
        if block.strip() and not block.startswith("#"):
            assert "--hash=sha256:" in block, block.splitlines()[0]
    pinned = {_name(line) for line in requirements}
    assert _declared(extra) | {"setuptools"} <= pinned
    assert "incidentio-alert-routes" not in pinned  # reconciler itself comes from the checkout


def test_the_drift_workflow_uses_the_action() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "drift.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["drift"]["steps"]
    assert steps[-1]["uses"] == "./"
    assert steps[-1]["with"]["command"] == "drift"
    assert steps[-1]["with"]["api-key"] == "${{ secrets.INCIDENT_IO_READONLY_API_KEY }}"


@pytest.mark.slow
def test_the_action_installs_from_its_checkout_and_plans(tmp_path: Path) -> None:
    """Both steps' scripts, with GitHub's environment files: dependencies from the index (by hash), then a plan."""
    steps = _action()["runs"]["steps"]
    consumer = tmp_path / "routes-repo"
    (consumer / "routes").mkdir(parents=True)
    for path in (REPO / "routes").iterdir():
        (consumer / "routes" / path.name).write_bytes(path.read_bytes())
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    (tmp_path / "runner-temp").mkdir()
    # ACTION_PATH is this checkout (GitHub checks the action out apart from the caller's workspace).
    install = subprocess.run(
        ["bash", "-e", "-c", steps[1]["run"]],
        cwd=consumer,
        env={**env, "ACTION_PATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    inputs = {"COMMAND": "plan", "ROUTES": "routes", "PLAN_FILE": "plan.json", "COMMENT": "false", "ARGS": "--emulator"}
    run = subprocess.run(
        ["bash", "-e", "-c", steps[2]["run"]],
        cwd=consumer,
        env={**env, **inputs, "NO_COLOR": "1", "INCIDENT_IO_API_KEY": "", "GITHUB_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n" in run.stdout
    assert "0 to create, 1 to update, 0 to delete\nSaved the plan to plan.json (checksum " in run.stdout
    assert output.read_text(encoding="utf-8") == "exit-code=0\n"
    assert "## 🧪 Alert routes plan · 0 to create, 1 to update, 0 to delete" in summary.read_text(encoding="utf-8")
    assert (consumer / "plan.json").is_file()
    # command: test runs the route tests against the routes; command: install only puts reconciler on PATH.
    (consumer / "route-tests").mkdir()
    for path in (REPO / "route-tests").iterdir():
        (consumer / "route-tests" / path.name).write_bytes(path.read_bytes())
    tested = subprocess.run(
        ["bash", "-e", "-c", steps[2]["run"]],
        cwd=consumer,
        env={**env, **inputs, "COMMAND": "test", "ARGS": "", "INCIDENT_IO_API_KEY": "", "GITHUB_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stderr.endswith(" cases passed (3 files).\n"), tested.stderr
    github_path = tmp_path / "path.txt"
    on_path = [s for s in steps if s.get("if") == "inputs.command == 'install'"]
    assert len(on_path) == 1 and steps.index(on_path[0]) > 2
    for step in (steps[2], on_path[0]):
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=consumer,
            env={**env, **inputs, "COMMAND": "install", "GITHUB_PATH": str(github_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert github_path.read_text(encoding="utf-8") == f"{env['RUNNER_TEMP']}/reconciler-venv/bin\n"
    installed = Path(env["RUNNER_TEMP"]) / "reconciler-venv" / "bin" / "python"
    where = subprocess.run(
        [str(installed), "-c", "import reconciler; print(reconciler.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(Path(env["RUNNER_TEMP"]) / "reconciler-venv")), where.stdout


def test_the_readme_workflows_are_short_and_lint_clean(tmp_path: Path) -> None:
    from tests.conftest import find_tool

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### In ten lines") : readme.index("### The full workflows")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 3  # plan, check (validate and route tests), drift
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for i, block in enumerate(blocks):
        assert len(block.strip().splitlines()) <= 12
        assert "uses: acme/reconciler@<commit SHA>" in block
        (folder / f"w{i}.yml").write_text(block.replace("<commit SHA>", "0" * 40), encoding="utf-8")
    lint = subprocess.run([find_tool("actionlint")], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stderr
    audit = subprocess.run(
        [find_tool("zizmor"), "--offline", "--no-progress", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert audit.returncode == 0 and "No findings to report" in audit.stdout, audit.stdout + audit.stderr
