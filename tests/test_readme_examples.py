"""README examples run as written: every command in the README's ```console and ```sh blocks runs, as a shell would
run it, in a copy of the example repository against a freshly served emulator (one per block), and prints what the
README shows under it (a `...` line stands for lines the README leaves out). The few that cannot run here are
listed in NOT_RUN, each with the reason; a new example is either run or added there, never silently passed over."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from tests.drift_scenario import git, set_up
from tests.e2e_helpers import ADMIN, dashboard_edit
from tests.readme_examples import Example, matches, read_examples

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = read_examples(REPO / "README.md")

# What is not run here, and why (each is run elsewhere or needs what a test must not touch).
NOT_RUN: dict[str, str] = {
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/reconciler plan --emulator": (
        "installs from the package index; .ci/run runs it on a fresh clone, and tests/test_packaging.py runs the"
        " built wheel's `reconciler plan --emulator` in a fresh virtualenv"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest": (
        "installs from the package index and runs this suite (.ci/run runs it)"
    ),
    '.venv/bin/python -m pytest -m "not slow"': "runs this suite",
    "PYTHONPATH=. .venv/bin/python benchmarks/bench_plan.py --quick": (
        "a benchmark: minutes of CPU, figures in benchmarks/README.md"
    ),
    "PYTHONPATH=. .venv/bin/python benchmarks/bench_load.py": (
        "a benchmark: minutes of CPU, figures in benchmarks/README.md"
    ),
    "reconciler comment --plan plan.json": (
        "needs GitHub (a pull request and a token); tests/test_cli_comment.py runs it against a fake GitHub"
    ),
    "reconciler comment --plan plan.json --pr 42 --repo OWNER/NAME": (
        "needs GitHub (pull request 42 of a real repository); tests/test_cli_comment.py runs it against a fake GitHub"
    ),
    "reconciler comment --print-review --commit <merge sha>": (
        "needs GitHub (the pull request merged as a commit); tests/test_cli_comment.py runs it against a fake GitHub"
    ),
    "reconciler drift --format text|markdown|json [--github-issue] [--label drift]": (
        "a synopsis (alternatives and optional parts), not one command; the drift examples above run"
    ),
    "reconciler emulator --port 8765": (
        "serves until stopped, on a fixed port; tests/test_emulator_cli.py runs it (the next example runs against"
        " the emulator this test serves)"
    ),
}

# Exit codes other than 0 that the README's text gives for an example.
EXIT: dict[str, int] = {
    "reconciler plan --out plan.json --detailed-exitcode": 2,  # "2 with --detailed-exitcode when there are changes"
    "reconciler drift": 2,  # "Exit 0 in sync, 2 drift, 1 error"
    "reconciler drift --adopt": 2,
    "reconciler restore backups/incident.io/20261126T204512Z": 1,  # no terminal and no --yes: it refuses
}
FAILED = re.compile(r"^\d+ problems? in \d+ files?\.$|^\d+ of \d+ cases failed")  # "Exit ... 1 when not"


def _exit(example: Example) -> int:
    if example.key in EXIT:
        return EXIT[example.key]
    return 1 if example.output and FAILED.search(example.output[-1]) else 0


# Commands whose output the README shows only an excerpt of (its lines appear together, in order, in the output).
EXCERPT = {"git diff routes/production-alerts.yaml"}

Setup = Callable[[Path, str], None]


def _validate_typo(work: Path, _url: str) -> None:
    """`validate`'s second example: a file with a misspelt field on line 2 (the README shows only the result)."""
    text = (work / "routes" / "informational.yaml").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    (work / "routes" / "bad.yaml").write_text(
        lines[0] + "enabeld: true\n" + "".join(lines[1:]).replace("Informational", "Bad"), encoding="utf-8"
    )


def _saved_plan(work: Path, url: str) -> None:
    """What apply and comment read: the plan saved by the plan section's example."""
    _run(work, url, "reconciler plan --out plan.json")


def _drift(work: Path, url: str) -> None:
    """The drift example's organisation: routes exported and applied from git, then Production Alerts switched off
    in the dashboard and Informational switched off in a commit that was not applied."""
    git(work, "init", "-q", "-b", "main")
    shutil.rmtree(work / "routes")
    assert _run(work, url, "reconciler export --out routes").returncode == 0
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Export the live routes")
    dashboard_edit(url, "Production Alerts", enabled=False)
    informational = work / "routes" / "informational.yaml"
    informational.write_text(informational.read_text(encoding="utf-8") + "enabled: false\n", encoding="utf-8")
    git(work, "commit", "-q", "-am", "Quieter informational route")


def _adopt(work: Path, url: str) -> None:
    """The adopt example's organisation: tests/drift_scenario.py (one route of every drift kind)."""
    shutil.rmtree(work / "routes")
    set_up(work, url)


def _new_repository(work: Path, _url: str) -> None:
    """Export's example: a repository that has no route files yet (export refuses to overwrite existing ones)."""
    shutil.rmtree(work / "routes")


def _dashboard_edit(_work: Path, url: str) -> None:
    """Restore's example: live has changed since the backup (or there is nothing to restore)."""
    dashboard_edit(url, "Production Alerts", enabled=False)


def _config(work: Path, _url: str) -> None:
    """The settings example's file, as `cat` shows it."""
    (shown,) = [e for e in EXAMPLES if e.command == "cat reconciler.toml"]
    assert shown.output is not None
    (work / "reconciler.toml").write_text("\n".join(shown.output) + "\n", encoding="utf-8")


def _incident_json(work: Path, _url: str) -> None:
    """The body `api POST --data @incident.json` sends."""
    (work / "incident.json").write_text(
        '{"idempotency_key": "readme-example", "name": "Checkout errors", "visibility": "public"}\n', encoding="utf-8"
    )


# What the text around a block assumes, made before the block's first command (by the block's first command).
SETUP: dict[str, Setup] = {
    "reconciler apply plan.json": _saved_plan,
    "reconciler drift": _drift,
    "reconciler drift --adopt": _adopt,
    "reconciler comment --plan plan.json": _saved_plan,
    "reconciler export --out routes": _new_repository,
    "reconciler comment --plan plan.json --pr 42 --repo OWNER/NAME": _saved_plan,
    "cat reconciler.toml": _config,
    "reconciler api GET /v2/incidents --query page_size=5 --query 'status_category[one_of]=live'": _incident_json,
}
# Before the second `validate` of its block (the README shows the file's problem, not how it came to be).
SETUP_BEFORE_LINE: dict[int, Setup] = {}
for _example in EXAMPLES:
    if _example.key == "reconciler validate routes/" and _example.output and "problem" in _example.output[-1]:
        SETUP_BEFORE_LINE[_example.line] = _validate_typo
    if _example.command.startswith("reconciler restore "):
        SETUP_BEFORE_LINE[_example.line] = _dashboard_edit
# Commands that show settings: the served emulator's URL in the environment would show as a setting.
NO_API_URL = {"reconciler config"}


def _shim(folder: Path) -> Path:
    """A `reconciler` on PATH that is this checkout's, run by this interpreter."""
    folder.mkdir()
    script = folder / "reconciler"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reconciler "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return folder


def _env(work: Path, url: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "SYSTEMROOT")}
    return {
        **keep,
        "PATH": f"{work.parent / 'bin'}:/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "HOME": str(work.parent),
        "NO_COLOR": "1",
        "INCIDENT_IO_API_URL": url,
        "INCIDENT_IO_API_KEY": ADMIN,
        "GITHUB_STEP_SUMMARY": str(work.parent / "summary.md"),
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_PAGER": "cat",
    }


def _run(work: Path, url: str, command: str) -> subprocess.CompletedProcess[str]:
    # The README's emulator example points at a port of its own; here it is the emulator this test serves.
    command = command.replace("http://127.0.0.1:8765", url)
    backups = sorted((work / "backups" / "incident.io").glob("*")) if (work / "backups").is_dir() else []
    if backups:  # the restore example names the folder its backup example printed; here, the one just written
        command = re.sub(r"backups/incident\.io/\d{8}T\d{6}Z", backups[-1].relative_to(work).as_posix(), command)
    env = _env(work, url)
    if command in NO_API_URL:
        del env["INCIDENT_IO_API_URL"]
    return subprocess.run(
        ["bash", "-c", command],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _blocks() -> Iterator[list[Example]]:
    current: list[Example] = []
    for example in EXAMPLES:
        if current and example.block != current[0].block:
            yield current
            current = []
        current.append(example)
    if current:
        yield current


BLOCKS = list(_blocks())


def _stable(text: str) -> str:
    """Backup folders are named by the time of the backup; replayed alerts by the time they fired."""
    text = re.sub(r"\d{8}T\d{6}Z", "<UTC timestamp>", text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>", text)


def _replayed(lines: list[str]) -> list[str]:
    """The replay example's counts and examples "depend on where the week starts" (the README says so): from its
    Impact line on, numbers and example alert names are not compared."""
    if not any(line.startswith("Impact: ") for line in lines):
        return lines
    start = next(i for i, line in enumerate(lines) if line.startswith("Impact: "))
    rest = [re.sub(r"e\.g\. '[^']*'", "e.g. '<alert>'", re.sub(r"\d[\d,]*", "N", line)) for line in lines[start:]]
    return lines[:start] + rest


def test_every_example_is_run_or_listed_with_a_reason() -> None:
    commands = {e.key for e in EXAMPLES}
    assert set(NOT_RUN) <= commands, f"NOT_RUN lists what the README no longer shows: {set(NOT_RUN) - commands}"
    assert set(SETUP) <= commands and set(EXIT) <= commands and commands >= EXCERPT
    assert len(EXAMPLES) - len([e for e in EXAMPLES if e.key in NOT_RUN]) >= 25


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b[0].key[:48])
def test_the_readme_example_runs_as_written(block: list[Example], tmp_path: Path) -> None:
    runnable = [e for e in block if e.key not in NOT_RUN]
    if not runnable:
        pytest.skip("; ".join(sorted({NOT_RUN[e.key] for e in block})))
    work = tmp_path / "work"
    for folder in ("routes", "route-tests", "schema"):
        shutil.copytree(REPO / folder, work / folder)
    _shim(tmp_path / "bin")
    with serve_in_thread(create_app()) as url:
        setup = SETUP.get(block[0].key)
        if setup is not None:
            setup(work, url)
        for example in runnable:
            before = SETUP_BEFORE_LINE.get(example.line)
            if before is not None:
                before(work, url)
            done = _run(work, url, example.command)
            where = f"README.md:{example.line}: $ {example.command}"
            output = done.stdout + done.stderr
            assert done.returncode == _exit(example), f"{where}\nexit {done.returncode}\n{output}"
            assert "Traceback" not in output, f"{where}\n{output}"
            if not example.output:
                continue
            actual = _replayed(_stable(output).splitlines())
            expected = tuple(_replayed([_stable(line) for line in example.output]))
            if example.key in EXCERPT:
                text = "\n".join(actual)
                assert "\n".join(expected) in text, f"{where}\nexpected an excerpt of:\n{text}"
            else:
                assert matches(expected, actual), (
                    f"{where}\nREADME shows:\n" + "\n".join(expected) + ("\nactual:\n" + "\n".join(actual))
                )
