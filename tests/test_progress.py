"""Progress of long reads and writes: the plain lines a CI log gets (a count-based rule, so exact), and the rich bar a
terminal gets (in a pty), for apply and restore against the emulator served on loopback."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from reconciler.cli.progress import PLAIN_MIN_TOTAL, PlainProgress
from reconciler.emulator import create_app, serve_in_thread
from reconciler.emulator.control import seed_routes
from tests.e2e_helpers import ADMIN, REPO, run_cli

SEEDED = 60  # unmanaged live routes: 60 deletes with --prune, 60 creates when restored
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def lines(total: int, steps: list[tuple[int, int]] | None = None) -> list[str]:
    written: list[str] = []
    report = PlainProgress("Applying", written.append)
    for done, known in steps or [(done, total) for done in range(total + 1)]:
        report(done, known)
    return written


def test_a_long_run_prints_a_line_every_tenth_and_one_at_the_end() -> None:
    assert lines(806) == [
        "Applying: 81 of 806 (10%)",
        "Applying: 162 of 806 (20%)",
        "Applying: 242 of 806 (30%)",
        "Applying: 323 of 806 (40%)",
        "Applying: 403 of 806 (50%)",
        "Applying: 484 of 806 (60%)",
        "Applying: 565 of 806 (70%)",
        "Applying: 645 of 806 (80%)",
        "Applying: 726 of 806 (90%)",
        "Applying: 806 of 806 (100%)",
    ]


def test_a_short_run_prints_nothing() -> None:
    assert lines(PLAIN_MIN_TOTAL - 1) == []
    assert len(lines(PLAIN_MIN_TOTAL)) == 10


def test_jumps_and_repeats_print_one_line_each_and_a_growing_total_never_goes_back() -> None:
    steps = [(0, 100), (50, 100), (50, 100), (55, 200), (80, 200), (120, 200), (200, 200), (200, 200)]
    assert lines(0, steps) == [
        "Applying: 50 of 100 (50%)",
        # the total doubled: 55 and 80 of 200 are below the half already shown, so they wait
        "Applying: 120 of 200 (60%)",
        "Applying: 200 of 200 (100%)",
    ]


def test_a_new_step_starts_from_zero_under_its_own_label() -> None:
    written: list[str] = []
    report = PlainProgress("Reading back 50 routes", written.append)
    for done in range(51):
        report(done, 50)
    report.relabel("Applying 50 changes")
    report(5, 50)
    report(50, 50)
    assert written[-3:] == [
        "Reading back 50 routes: 50 of 50 (100%)",
        "Applying 50 changes: 5 of 50 (10%)",
        "Applying 50 changes: 50 of 50 (100%)",
    ]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The example organisation plus SEEDED unmanaged routes, served on loopback; the example route files in cwd."""
    app = create_app()
    seed_routes(app.state.emulator, SEEDED, name_prefix="Seeded")
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    with serve_in_thread(app) as url:
        yield app, url


def applying(total: int, label: str = "Applying {total} changes") -> list[str]:
    """The plain lines of PlainProgress for `total` items done one by one, under `label`."""
    return [f"{label.format(total=total)}: {line.removeprefix('Applying: ')}" for line in lines(total)]


@pytest.mark.slow
def test_apply_and_restore_show_progress_lines_in_a_log(served: tuple[Any, str], tmp_path: Path) -> None:
    app, url = served
    backup = run_cli(tmp_path, url, "backup", "saved")
    assert backup.returncode == 0, backup.stderr
    pruned = run_cli(tmp_path, url, "apply", "--prune", "--force", "--auto-approve")
    assert pruned.returncode == 0, pruned.stderr
    # 1 update (the example files differ from live in one route) and the 60 seeded routes deleted: the 60 deletes are
    # read back before any write (with --auto-approve the plan's own read stands for the update's), then 61 written.
    assert [line for line in pruned.stderr.splitlines() if not line.startswith("Reading live")] == [
        *applying(SEEDED, "Reading back {total} routes"),
        *applying(SEEDED + 1),
    ]
    # The plan's read shows lines too (6 example routes + 60: the list is paged, so only their shape is certain).
    assert all(
        re.fullmatch(r"Reading live routes: \d+ of \d+ \(\d+%\)", line)
        for line in pruned.stderr.splitlines()
        if line.startswith("Reading live")
    ), pruned.stderr
    assert pruned.stdout.endswith(f"0 failed ({SEEDED + 1} writes).\n")

    restored = run_cli(tmp_path, url, "restore", "saved", "--yes")
    assert restored.returncode == 0, restored.stderr
    # 60 routes created again, and the example route updated back to its backed-up content (1 route read back).
    restoring = [line for line in restored.stderr.splitlines() if not line.startswith("Reading live")]
    assert restoring == applying(SEEDED + 1)
    assert len(app.state.emulator.state.routes) == 6 + SEEDED


@pytest.mark.slow
def test_a_terminal_gets_a_bar_with_the_count_and_an_eta(served: tuple[Any, str], tmp_path: Path) -> None:
    _app, url = served
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_IO_", "NO_COLOR"))}
    env |= {"INCIDENT_IO_API_KEY": ADMIN, "TERM": "xterm", "COLUMNS": "100", "PYTHONPATH": str(REPO)}
    args = ["-m", "reconciler", "apply", "--prune", "--force", "--auto-approve", "--api-url", url]
    child = pexpect.spawn(sys.executable, args, cwd=str(tmp_path), env=env, encoding="utf-8", timeout=120)
    output = ANSI.sub("", str(child.read()))
    child.close()
    assert child.exitstatus == 0, output
    total = SEEDED + 1
    # The bar's last frame before it is cleared: label, bar, count and time remaining.
    assert re.search(rf"Applying {total} changes ━+ {total}/{total} 0:00:00", output), output
    assert "Applying 61 changes: " not in output  # no plain lines at a terminal
    assert output.endswith(f"0 failed ({total} writes).\r\n")
