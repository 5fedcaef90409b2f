"""The apply lock (`reconciler/run/lock.py`): one apply at a time per incident.io host on a machine, and none for the
emulator embedded in the process (`--emulator`), which no other process can reach."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from reconciler.cli import main
from reconciler.cli.common import EMULATOR_URL
from reconciler.errors import ConfigError
from reconciler.run.lock import apply_lock, lock_path

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def held(request: pytest.FixtureRequest) -> Iterator[str]:
    """An API URL whose apply lock another holder has (a FileLock of its own, as another process would)."""
    url = getattr(request, "param", f"http://127.0.0.1:1/{request.node.name}")
    other = FileLock(lock_path(url), thread_local=False)
    other.acquire()
    try:
        yield url
    finally:
        other.release()


def test_a_held_lock_is_waited_for_then_refused_in_one_line(held: str) -> None:
    waited: list[bool] = []
    with pytest.raises(ConfigError) as refused, apply_lock(held, timeout=0.1, on_wait=lambda: waited.append(True)):
        raise AssertionError("the lock was taken while another holder had it")
    assert waited == [True]
    assert str(refused.value) == (
        f"another reconciler apply to {held} is still running after 0.1 s; try again when it has finished"
    )


def test_the_embedded_emulator_takes_no_lock(held: str) -> None:
    waited: list[bool] = []
    with apply_lock(held, timeout=0.1, on_wait=lambda: waited.append(True), in_process=True):
        pass
    assert waited == []


@pytest.mark.parametrize("held", [EMULATOR_URL], indirect=True)
def test_apply_with_the_embedded_emulator_does_not_wait_for_another_runs_lock(
    held: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs on one machine each with its own `--emulator` (two CI jobs, two test workers) share nothing."""
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INCIDENT_IO_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["apply", "--emulator", "--auto-approve", "--lock-timeout", "0.1"])
    assert result.exit_code == 0, result.output
    assert "Waiting for another" not in result.output
    assert result.output.endswith("0 conflicts, 0 failed (1 write).\n")
