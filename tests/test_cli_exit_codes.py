"""Exit codes mean one thing each: a usage error exits 64 (EX_USAGE), never 2, which means "changes pending"."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.cli.common import EXIT_CHANGES, EXIT_USAGE

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="reconciler")
    return result.exit_code, result.stdout, result.stderr


def test_usage_is_not_changes_pending() -> None:
    assert (EXIT_USAGE, EXIT_CHANGES) == (64, 2)


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("plan", "reconciler plan [OPTIONS]"),
        ("apply", "reconciler apply [OPTIONS] [PLAN_FILE]"),
        ("drift", "reconciler drift [OPTIONS]"),
        ("validate", "reconciler validate [OPTIONS] [PATHS]..."),
    ],
)
def test_a_mistyped_flag_exits_64_with_clicks_message(command: str, usage: str) -> None:
    code, stdout, stderr = invoke(command, "--forse")
    assert (code, stdout) == (EXIT_USAGE, "")
    lines = stderr.splitlines()
    assert lines[:3] == [f"Usage: {usage}", f"Try 'reconciler {command} --help' for help.", ""]
    # click adds a "did you mean" hint after this, which depends on the command's options
    assert lines[3].startswith("Error: No such option '--forse'.") and len(lines) == 4


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["drift", "--format", "xml"],
            "Error: Invalid value for '--format': 'xml' is not one of 'text', 'markdown', 'json'.",
        ),
        (["incidents", "get"], "Error: Missing argument 'ID'."),
        (["incidents", "--nope"], "Error: No such option '--nope'."),
        (["nosuch"], "Error: No such command 'nosuch'."),
        (["--nope"], "Error: No such option '--nope'."),
        (
            ["restore", "no-such-folder", "--yes"],
            "Error: Invalid value for 'FOLDER': Directory 'no-such-folder' does not exist.",
        ),
    ],
)
def test_every_kind_of_usage_error_exits_64(
    args: list[str], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = invoke(*args)
    assert (code, stdout) == (EXIT_USAGE, "")
    assert stderr.splitlines()[-1] == error


def test_no_command_shows_the_help_as_a_usage_error() -> None:
    code, stdout, stderr = invoke()
    assert code == EXIT_USAGE
    assert (stdout + stderr).startswith("Usage: reconciler [OPTIONS] COMMAND [ARGS]...")


@pytest.mark.parametrize(
    "args", [["--help"], ["-h"], ["--version"], ["plan", "--help"], ["incidents", "get", "--help"]]
)
def test_help_and_version_exit_0(args: list[str]) -> None:
    code, stdout, stderr = invoke(*args)
    assert (code, stderr) == (0, "")
    assert stdout


def test_the_installed_entry_point_exits_64_too(tmp_path: Path) -> None:
    """The real `main()` (standalone mode, as `reconciler` and `python -m reconciler` run it), not the test runner."""
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "drift", "--forse"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (EXIT_USAGE, "")
    assert done.stderr.startswith("Usage: python -m reconciler drift [OPTIONS]\n")
    assert "Error: No such option '--forse'." in done.stderr and "Traceback" not in done.stderr


def test_the_readme_documents_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = [int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)]
    assert codes == [0, 1, 2, EXIT_USAGE]


def test_workflows_read_only_2_as_drift_or_changes() -> None:
    """A workflow that tests an exit status compares it with 2 only: a usage error (64) fails the job."""
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        scripts = [
            step.get("run", "")
            for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values()
            for step in job.get("steps", [])
        ]
        for script in scripts:
            compared = re.findall(r'"\$status" -(?:eq|ne) (\d+)', script)
            assert set(compared) <= {"0", "2"}, f"{path.name} reads exit codes {compared}"
