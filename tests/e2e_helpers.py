"""Shared by the end-to-end tests: the CLI as a subprocess (`python -m reconciler`) against a served emulator, and a
route edited behind git's back, as in incident.io's dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from reconciler.wire import decode, encode

REPO = Path(__file__).resolve().parent.parent
ADMIN = "example-admin"  # keys of the emulator's example organisation
READ_ONLY = "example-readonly"


def run_cli(
    cwd: Path, url: str, *args: str, key: str = ADMIN, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m reconciler ARGS --api-url URL` in `cwd` with `key`; none of the caller's incident.io or GitHub
    settings leak in (`extra_env` adds the ones a test means)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_IO_", "GITHUB_"))}
    env |= {"INCIDENT_IO_API_KEY": key, "PYTHONPATH": str(REPO), **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args, "--api-url", url],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,  # never the terminal pytest may run on: "no terminal" is what CI sees
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dashboard_edit(url: str, name: str, **fields: Any) -> None:
    """A PUT made directly to the emulator with the admin key, as an edit in incident.io's dashboard would be."""
    headers = {"Authorization": f"Bearer {ADMIN}"}
    listed = httpx.get(f"{url}/v2/alert_routes", params={"page_size": 50}, headers=headers).json()["alert_routes"]
    route_id = next(r["id"] for r in listed if r["name"] == name)
    route = httpx.get(f"{url}/v2/alert_routes/{route_id}", headers=headers).json()["alert_route"]
    body = {**encode(decode(route, "v2"), "v2"), **fields, "version": route["version"] + 1}
    assert httpx.put(f"{url}/v2/alert_routes/{route_id}", json=body, headers=headers).status_code == 200
