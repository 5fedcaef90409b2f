"""Colour at a terminal, none elsewhere: exact bytes in a pty (pexpect), with NO_COLOR, with --no-color, and in a
pipe; and the colour of each part of a plan (creates green, updates yellow, deletes red, locations dim), of an apply
report and of a drift report."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from reconciler.cli import style

REPO = Path(__file__).resolve().parent.parent
RECONCILER = str(Path(sys.executable).with_name("reconciler"))
PLAIN = "routes/bad.yaml:1:7: $.name: expected a string, got a list\r\n1 problem in 1 file.\r\n"
COLOURED = (
    "\x1b[2mroutes/bad.yaml:1:7: \x1b[0m\x1b[2m$.name: \x1b[0m\x1b[31mexpected a string, got a list\x1b[0m\r\n"
    "1 problem in 1 file.\r\n"
)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    (tmp_path / "routes" / "bad.yaml").write_text("name: [x]\n", encoding="utf-8")
    return tmp_path


def _in_pty(cwd: Path, *args: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    child = pexpect.spawn(RECONCILER, list(args), cwd=str(cwd), env={**base, "TERM": "xterm", **env}, encoding="utf-8")
    output = child.read()
    child.close()
    assert child.exitstatus == 1
    return str(output)


def test_a_terminal_gets_colour(broken: Path) -> None:
    assert _in_pty(broken, "validate", "routes") == COLOURED


def test_no_color_in_the_environment_turns_it_off(broken: Path) -> None:
    assert _in_pty(broken, "validate", "routes", NO_COLOR="1") == PLAIN


def test_the_no_color_flag_turns_it_off(broken: Path) -> None:
    assert _in_pty(broken, "--no-color", "validate", "routes") == PLAIN


def test_a_pipe_gets_no_colour(broken: Path) -> None:
    result = subprocess.run(
        [RECONCILER, "validate", "routes"], cwd=broken, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "routes/bad.yaml:1:7: $.name: expected a string, got a list\n",
        "1 problem in 1 file.\n",
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


PLAN = (
    "+ create Payments  (routes/payments.yaml)\n"
    "    name: Payments\n"
    "    alert_sources:\n"
    "    - alert_source: Datadog\n"
    "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n"
    "    alert_sources[0].conditions[0].values:\n"
    '      - ["warning", "info"]\n'
    '      + ["warning"]\n'
    "- delete Legacy  (id 01J8; live version 2)\n"
    "Warning: routes/x.yaml:3:1: $.name: looks odd\n"
    "1 to create, 1 to update, 1 to delete\n"
)


def test_each_part_of_a_plan_has_its_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    style.echo(PLAN, nl=False, plan=True)
    assert terminal.getvalue() == (
        "\x1b[1;32m+ create Payments\x1b[0m\x1b[2m  (routes/payments.yaml)\x1b[0m\n"
        "\x1b[32m    name: Payments\x1b[0m\n"
        "\x1b[32m    alert_sources:\x1b[0m\n"
        "\x1b[32m    - alert_source: Datadog\x1b[0m\n"  # a YAML list item of a create is green, not a removal
        "\x1b[1;33m~ update Production Warnings\x1b[0m"
        "\x1b[2m  (routes/production-warnings.yaml; live version 4)\x1b[0m\n"
        "    alert_sources[0].conditions[0].values:\n"
        '\x1b[31m      - ["warning", "info"]\x1b[0m\n'
        '\x1b[32m      + ["warning"]\x1b[0m\n'
        "\x1b[1;31m- delete Legacy\x1b[0m\x1b[2m  (id 01J8; live version 2)\x1b[0m\n"
        "\x1b[33mWarning: routes/x.yaml:3:1: $.name: looks odd\x1b[0m\n"
        "1 to create, 1 to update, 1 to delete\n"
    )


def test_a_plan_to_a_pipe_is_byte_for_byte_the_rendered_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stdout", pipe)
    style.echo(PLAN, nl=False, plan=True)
    assert pipe.getvalue() == PLAN


def test_errors_are_red_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    style.echo("Error: the plan is refused", err=True)
    assert terminal.getvalue() == "\x1b[31mError: the plan is refused\x1b[0m\n"


APPLY_PLAIN = (
    "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\r\n"
    "    alert_sources[0].conditions[0].values:\r\n"
    '      - ["warning", "info"]\r\n'
    '      + ["warning"]\r\n'
    "0 to create, 1 to update, 0 to delete\r\n"
    "updated  Production Warnings\r\n"
    "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\r\n"
)
APPLY_COLOURED = (
    "\x1b[1;33m~ update Production Warnings\x1b[0m\x1b[2m  (routes/production-warnings.yaml; live version 4)\x1b[0m\r\n"
    "    alert_sources[0].conditions[0].values:\r\n"
    '\x1b[31m      - ["warning", "info"]\x1b[0m\r\n'
    '\x1b[32m      + ["warning"]\x1b[0m\r\n'
    "0 to create, 1 to update, 0 to delete\r\n"
    "\x1b[33mupdated\x1b[0m  Production Warnings\r\n"
    "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write).\r\n"
)
# A transient progress bar (its frames depend on timing): hide the cursor, frames, show it, erase the bar's line.
BAR = re.compile(r"\x1b\[\?25l.*?\x1b\[\?25h\r\x1b\[1A\x1b\[2K", re.DOTALL)


def _command_in_pty(cwd: Path, args: list[str], *, status: int, bars: int, **env: str) -> str:
    """`reconciler ARGS` in a pty without an API key (the emulator's own); its output with the progress bars removed."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "INCIDENT_IO_API_KEY")}
    child = pexpect.spawn(
        RECONCILER, args, cwd=str(cwd), env={**base, "TERM": "xterm", "COLUMNS": "100", **env}, encoding="utf-8"
    )
    output = str(child.read())
    child.close()
    assert child.exitstatus == status, output
    assert len(BAR.findall(output)) == bars
    return BAR.sub("", output)


def _apply_in_pty(cwd: Path, **env: str) -> str:
    # Two bars: reading live routes, applying the change.
    return _command_in_pty(cwd, ["apply", "--emulator", "--auto-approve"], status=0, bars=2, **env)


def test_apply_at_a_terminal_colours_its_plan_and_report(tmp_path: Path) -> None:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    assert _apply_in_pty(tmp_path) == APPLY_COLOURED


def test_apply_at_a_terminal_with_no_color_is_plain(tmp_path: Path) -> None:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    output = _apply_in_pty(tmp_path, NO_COLOR="1")
    assert output == APPLY_PLAIN
    assert "\x1b[3" not in output  # no colour, not even in the progress bar


def test_each_outcome_of_an_apply_report_has_its_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    report = (
        "created  A\nupdated  B\ndeleted  C\nalready applied  D\nchanged since plan  E: live version is 5\n"
        "failed  F: boom\nnot attempted  G: the run stopped\nAborted: the key was refused\nRefused: stale\n"
        "Applied: 1 created, 1 updated, 1 deleted, 1 already applied, 1 conflict, 1 failed (4 writes).\n"
    )
    style.echo(report, nl=False, report=True)
    assert terminal.getvalue() == (
        "\x1b[32mcreated\x1b[0m  A\n"
        "\x1b[33mupdated\x1b[0m  B\n"
        "\x1b[31mdeleted\x1b[0m  C\n"
        "\x1b[2malready applied\x1b[0m  D\n"
        "\x1b[33mchanged since plan\x1b[0m  E: live version is 5\n"
        "\x1b[1;31mfailed\x1b[0m  F: boom\n"
        "\x1b[33mnot attempted\x1b[0m  G: the run stopped\n"
        "\x1b[31mAborted: the key was refused\x1b[0m\n"
        "\x1b[31mRefused: stale\x1b[0m\n"
        "Applied: 1 created, 1 updated, 1 deleted, 1 already applied, 1 conflict, 1 failed (4 writes).\n"
    )


def test_each_kind_of_drift_has_its_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    report = (
        "Changed in the dashboard: merge the adopt pull request or re-apply git\n"
        "  ~ Production Warnings (01J8, v5): alert_sources[0].conditions[0].values\n"
        "Unmanaged: add a file or delete it\n"
        "  ? Ad hoc (01J9, v1): unmanaged live route (no file declares it)\n"
        "Missing: apply to create it\n"
        "  - Payments (routes/payments.yaml): missing from live\n"
        "Drift: 3 routes; 2 in sync.\n"
    )
    style.echo(report, nl=False, drift=True)
    assert terminal.getvalue() == (
        "\x1b[1mChanged in the dashboard: merge the adopt pull request or re-apply git\x1b[0m\n"
        "\x1b[33m  ~ Production Warnings (01J8, v5): alert_sources[0].conditions[0].values\x1b[0m\n"
        "\x1b[1mUnmanaged: add a file or delete it\x1b[0m\n"
        "\x1b[36m  ? Ad hoc (01J9, v1): unmanaged live route (no file declares it)\x1b[0m\n"
        "\x1b[1mMissing: apply to create it\x1b[0m\n"
        "\x1b[31m  - Payments (routes/payments.yaml): missing from live\x1b[0m\n"
        "\x1b[1;33mDrift: 3 routes; 2 in sync.\x1b[0m\n"
    )
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    style.echo("No drift: 6 routes match git.\n", nl=False, drift=True)
    assert terminal.getvalue() == "\x1b[32mNo drift: 6 routes match git.\x1b[0m\n"
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stdout", pipe)
    style.echo(report, nl=False, drift=True)
    assert pipe.getvalue() == report  # a pipe gets the rendered text byte for byte


def test_drift_at_a_terminal_colours_its_report(tmp_path: Path) -> None:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    output = _command_in_pty(tmp_path, ["drift", "--emulator"], status=2, bars=1)  # 2: drift found; bar: reading
    assert output == (
        "\x1b[1mDiffers from git: adopt the live change into git, or apply git to undo it\x1b[0m\r\n"
        "\x1b[33m  ~ Production Warnings (01JQ3ZROUTE000000000000002, v4): alert_sources[0].conditions[0].values"
        "\x1b[0m\r\n"
        "\x1b[1;33mDrift: 1 differ from git, 0 unmanaged, 0 missing from live; 5 in sync.\x1b[0m\r\n"
    )
