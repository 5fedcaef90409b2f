"""The A..E drift scenario, shared by the drift-kind and adopt tests: a temporary git repository of route files
exported from a served emulator, committed and applied, then one route of each drift kind.

A  Production Alerts   edited in the dashboard (enabled: false)              → dashboard_edit
B  Informational       a committed edit of its file, not applied            → unapplied_merge
C  Database Alerts     a committed edit of its file and a dashboard edit    → both
D  Dashboard Only      a live route created in the dashboard, no file       → unmanaged
E  Unrouted Alerts     a file whose live route was deleted in the dashboard → missing

A's file carries a comment and flow lists, as people write them, so adopting can be seen to keep them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.e2e_helpers import ADMIN, dashboard_edit, run_cli

A_FILE = """\
# yaml-language-server: $schema=../schema/alert-route.schema.json
# Production pages: changes here are reviewed by the on-call leads.
id: 01JQ3ZROUTE000000000000001
name: Production Alerts
alert_sources:
- alert_source: Alertmanager (Production)
  conditions:
  - subject: alert.attributes.severity
    operation: one_of
    values: [critical]  # only pages
- alert_source: Checkly (Production)
- alert_source: sev0@ Email
- alert_source: Grafana Cloud
escalation_config:
  auto_cancel_escalations: true
  escalation_targets:
  - escalation_paths: [Engineering On-Call]
channel_config:
- slack_targets:
    channels: ["#alerts"]
incident_config:
  enabled: true
incident_template:
  name: '{{ alert.title }}'
  severity:
    value: Critical
    merge_strategy: max
grouping:
  keys: [alert.title]
  window_seconds: 1800
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}


def _route_id(url: str, name: str) -> str:
    listed = httpx.get(f"{url}/v2/alert_routes", params={"page_size": 50}, headers=_headers()).json()["alert_routes"]
    return str(next(r["id"] for r in listed if r["name"] == name))


def create_live(url: str, name: str, like: str) -> None:
    """A live route named `name`, a copy of `like`, created in the dashboard."""
    body: dict[str, Any] = httpx.get(f"{url}/v2/alert_routes/{_route_id(url, like)}", headers=_headers()).json()[
        "alert_route"
    ]
    body = {k: v for k, v in body.items() if k not in {"id", "version", "created_at", "updated_at"}}
    assert httpx.post(f"{url}/v2/alert_routes", json={**body, "name": name}, headers=_headers()).status_code == 201


def delete_live(url: str, name: str) -> None:
    response = httpx.delete(f"{url}/v2/alert_routes/{_route_id(url, name)}", headers=_headers())
    assert response.status_code in (200, 204)


def edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def set_up(repo: Path, url: str) -> None:
    """Export, commit, apply; then the drift of A..E (see the module docstring)."""
    git(repo, "init", "-q", "-b", "main")
    exported = run_cli(repo, url, "export")
    assert exported.returncode == 0, exported.stderr
    (repo / "routes" / "production-alerts.yaml").write_text(A_FILE)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Export the live routes")
    applied = run_cli(repo, url, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert "0 to create, 0 to update, 0 to delete" in applied.stdout  # A's hand-written file reads as live does

    dashboard_edit(url, "Production Alerts", enabled=False)  # A
    routes = repo / "routes"
    (routes / "informational.yaml").write_text((routes / "informational.yaml").read_text() + "enabled: false\n")  # B
    edit_file(routes / "database-alerts.yaml", "window_seconds: 3600", "window_seconds: 1800")  # C, in git
    git(repo, "commit", "-q", "-am", "Quieter informational routes, shorter database grouping")
    dashboard_edit(url, "Database Alerts", enabled=False)  # C, in the dashboard
    create_live(url, "Dashboard Only", like="Informational")  # D
    delete_live(url, "Unrouted Alerts")  # E
