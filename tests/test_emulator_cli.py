"""`reconciler emulator`: starts on a free port, prints its URL and the example keys, serves (as an organisation not
yet on the v3 alert-route API with --not-migrated), stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _banner(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if "Press Ctrl-C to stop." in line:
            return lines
    raise AssertionError(f"no banner; stderr: {process.stderr.read() if process.stderr else ''}")


def test_emulator_command_prints_url_and_keys_then_serves_until_ctrl_c(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("seed: 1\nlatency_ms: 1\n", encoding="utf-8")
    process = _start("--faults", str(faults), "--not-migrated")
    try:
        lines = _banner(process)
        match = re.fullmatch(r"incident\.io emulator listening on (http://127\.0\.0\.1:(\d+))", lines[0])
        assert match and int(match.group(2)) > 0
        url = match.group(1)
        assert lines[1] == "API keys (published example values, not secrets):"
        keys = {line.split()[0]: line.split(None, 1)[1] for line in lines[2:5]}
        assert set(keys) == {"example-admin", "example-readonly", "example-no-severities"}
        assert "alert_route.create" in keys["example-admin"] and "alert_route.create" not in keys["example-readonly"]
        assert "severities.view" not in keys["example-no-severities"]
        assert lines[5] == f"Fault profile: {faults}"
        assert lines[6] == "Organisation not yet migrated to v3: /v3/alert_routes answers 403 api_not_yet_available."
        admin = {"Authorization": "Bearer example-admin"}
        response = httpx.get(f"{url}/v2/alert_routes", headers=admin)
        assert response.status_code == 200 and len(response.json()["alert_routes"]) == 6
        v3 = httpx.get(f"{url}/v3/alert_routes", headers=admin)
        assert v3.status_code == 403 and v3.json()["errors"][0]["code"] == "api_not_yet_available"
    finally:
        process.send_signal(signal.SIGINT)
        out, _err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert out.strip().endswith("Emulator stopped.")


def test_a_bad_state_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.yaml"
    bad.write_text("- not a mapping\n", encoding="utf-8")
    process = _start("--state", str(bad))
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert err.startswith(f"Error: cannot load the state file {bad}:") and "Traceback" not in err
