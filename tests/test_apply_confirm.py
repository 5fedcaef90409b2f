"""One-shot `reconciler apply` (no plan file) asks first: on a real terminal (a pty), never without one.

A saved plan file does not ask: it was reviewed.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from reconciler.emulator import create_app, serve_in_thread
from tests.e2e_helpers import ADMIN, REPO, run_cli

pytestmark = pytest.mark.slow
QUESTION = "Apply these changes to incident.io? [y/N]: "


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    app = create_app()
    with serve_in_thread(app) as url:
        yield app, url


def on_a_terminal(cwd: Path, url: str, *args: str) -> pexpect.spawn:
    env = {"INCIDENT_IO_API_KEY": ADMIN, "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    return pexpect.spawn(
        sys.executable, ["-m", "reconciler", *args, "--api-url", url], cwd=str(cwd), env=env, encoding="utf-8"
    )


@pytest.mark.parametrize(("answer", "code", "writes"), [("y", 0, 1), ("n", 1, 0), ("", 1, 0)])
def test_a_terminal_is_asked(served: tuple[Any, str], tmp_path: Path, answer: str, code: int, writes: int) -> None:
    app, url = served
    child = on_a_terminal(tmp_path, url, "apply")
    child.expect_exact("0 to create, 1 to update, 0 to delete\r\n", timeout=60)
    child.expect_exact(QUESTION, timeout=30)
    assert app.state.emulator.write_log == []  # nothing is written while the question is open
    child.sendline(answer)
    rest = child.read()
    child.close()
    assert child.exitstatus == code
    assert len(app.state.emulator.write_log) == writes
    if writes:
        assert rest.endswith(
            "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\r\n"
        )
    else:
        assert rest.endswith("Apply cancelled: nothing was written.\r\n")


def test_without_a_terminal_it_refuses(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    result = run_cli(tmp_path, url, "apply")
    assert result.returncode == 1
    assert result.stdout.endswith("0 to create, 1 to update, 0 to delete\n")
    assert result.stderr == (
        "Error: not applying without confirmation: there is no terminal to ask on; review a saved plan "
        "(reconciler plan --out plan.json, then reconciler apply plan.json) or pass --auto-approve\n"
    )
    assert app.state.emulator.write_log == []


def test_auto_approve_writes_and_a_saved_plan_does_not_ask(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    approved = run_cli(tmp_path, url, "apply", "--auto-approve")
    assert approved.returncode == 0 and len(app.state.emulator.write_log) == 1
    (tmp_path / "routes" / "informational.yaml").write_text(
        (tmp_path / "routes" / "informational.yaml").read_text().replace("name: Informational", "name: Info")
    )
    assert run_cli(tmp_path, url, "plan", "--out", "plan.json").returncode == 0
    child = on_a_terminal(tmp_path, url, "apply", "plan.json")
    rest = child.read()
    child.close()
    assert QUESTION not in rest
    assert child.exitstatus == 0 and len(app.state.emulator.write_log) == 2
