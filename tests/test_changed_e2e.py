"""`plan --changed-from REF` end to end: the CLI as a subprocess against the emulator served on loopback.

A git checkout of the example routes, with more live routes than one list page: a pull request that changes one
route file plans exactly that route's change, for ceil(N/50) list requests and one GET, and the plan applies, is
refused when stale, and leaves nothing to plan once applied.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.emulator import create_app
from reconciler.emulator.control import seed_routes
from reconciler.emulator.serve import serve_in_thread
from reconciler.planfile import load_plan
from tests.drift_scenario import edit_file, git
from tests.e2e_helpers import REPO, dashboard_edit, run_cli

EXTRA = 60  # live routes with no file, beyond the example's six: the list takes two pages of 50
LIVE = 6 + EXTRA


def _requests(url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{url}/_emulator/requests").json()["requests"]
    return found


def _route_reads(url: str, since: int) -> tuple[int, list[str]]:
    """The list requests and the route ids read one by one, since request `since` of the emulator's log."""
    reads = [r for r in _requests(url)[since:] if "/alert_routes" in r["path"]]
    lists = [r for r in reads if r["path"].rstrip("/").endswith("/alert_routes")]
    return len(lists), sorted(r["path"].rsplit("/", 1)[1] for r in reads if r not in lists)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "The example routes")
    return tmp_path


@pytest.mark.slow
def test_a_pr_plan_reads_and_plans_only_the_changed_route_then_applies(checkout: Path) -> None:
    informational = checkout / "routes" / "informational.yaml"
    edit_file(informational, "  - alert_source: Status Page Views\n", "")
    app = create_app()
    seed_routes(app.state.emulator, EXTRA, name_prefix="Extra")
    with serve_in_thread(app) as url:
        before = len(_requests(url))
        planned = run_cli(checkout, url, "plan", "--changed-from", "main", "--out", "plan.json")
        assert planned.returncode == 0, planned.stderr
        # Production Warnings differs from its file too (a dashboard edit in the example organisation), but its file
        # did not change: the PR plan neither reads nor plans it.
        assert planned.stdout.startswith("~ update Informational  (routes/informational.yaml; live version ")
        assert "Production Warnings" not in planned.stdout
        assert "\n0 to create, 1 to update, 0 to delete\nSaved the plan to plan.json (checksum " in planned.stdout
        assert planned.stderr == (
            "Targeted by --changed-from: 1 route file changed since main; only routes 'Informational'; "
            f"{LIVE - 1} other live routes were not read or planned.\n"
        )
        lists, gets = _route_reads(url, before)
        assert lists == math.ceil(LIVE / 50) == 2  # ceil(N/50) + k requests, k = 1
        assert len(gets) == 1

        document = json.loads((checkout / "plan.json").read_text())
        commit = git(checkout, "rev-parse", "main").strip()
        assert document["targets"] == {
            "patterns": [],
            "ids": [],
            "names": ["Informational"],
            "unread": LIVE - 1,
            "changed_from": {"ref": "main", "commit": commit, "files": ["routes/informational.yaml"]},
        }
        assert list(document["snapshot"]) == gets
        saved = load_plan((checkout / "plan.json").read_bytes())
        assert saved.plan.targets is not None and saved.plan.targets.names == ("Informational",)

        applied = run_cli(checkout, url, "apply", "plan.json")
        assert applied.returncode == 0, applied.stderr + applied.stdout
        again = run_cli(checkout, url, "plan", "--changed-from", "main", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr
        assert again.stdout.endswith("0 to create, 0 to update, 0 to delete\n")
        # The untargeted plan still sees the drift the PR plan left alone, and nothing else.
        full = run_cli(checkout, url, "plan", "--format", "json")
        assert [c["name"] for c in json.loads(full.stdout)["changes"]] == ["Production Warnings"]


@pytest.mark.slow
def test_a_stale_targeted_plan_is_refused_and_a_one_shot_apply_writes_only_the_changed_route(checkout: Path) -> None:
    informational = checkout / "routes" / "informational.yaml"
    edit_file(informational, "  - alert_source: Status Page Views\n", "")
    with serve_in_thread(create_app()) as url:
        planned = run_cli(checkout, url, "plan", "--changed-from", "main", "--out", "plan.json")
        assert planned.returncode == 0, planned.stderr
        dashboard_edit(url, "Informational", enabled=False)  # after review: the plan no longer holds
        stale = run_cli(checkout, url, "apply", "plan.json")
        assert stale.returncode == 1
        assert "plan is stale: 1 route changed since plan; run plan again" in stale.stdout + stale.stderr

        one_shot = run_cli(checkout, url, "apply", "--changed-from", "main", "--auto-approve")
        assert one_shot.returncode == 0, one_shot.stderr + one_shot.stdout
        assert "0 to create, 1 to update, 0 to delete\n" in one_shot.stdout
        assert "Production Warnings" not in one_shot.stdout
        refused = run_cli(checkout, url, "apply", "plan.json", "--changed-from", "main")
        assert refused.returncode == 1
        assert "--changed-from" in refused.stderr


@pytest.mark.slow
def test_changed_from_errors_and_fallbacks_are_one_line(checkout: Path) -> None:
    with serve_in_thread(create_app()) as url:
        before = len(_requests(url))
        bad = run_cli(checkout, url, "plan", "--changed-from", "nope")
        assert (bad.returncode, bad.stdout) == (1, "")
        assert bad.stderr == f"Error: --changed-from nope: no commit by that name in the git checkout {checkout}\n"
        both = run_cli(checkout, url, "plan", "--changed-from", "main", "--target", "Informational")
        assert (both.returncode, both.stderr) == (
            1,
            "Error: --changed-from and --target choose routes two ways: pass one of them\n",
        )
        assert len(_requests(url)) == before  # refused before any request

        nothing = run_cli(checkout, url, "plan", "--changed-from", "main", "--detailed-exitcode")
        assert nothing.returncode == 0, nothing.stderr
        assert nothing.stderr == (
            "--changed-from: no route files changed since main; 6 live routes were not read or planned.\n"
        )
        lists, gets = _route_reads(url, before)
        assert (lists, gets) == (1, [])

        channels = checkout / "routes" / "channels.yaml"
        channels.write_text(channels.read_text() + "\n# a comment is a change\n")
        full = run_cli(checkout, url, "plan", "--changed-from", "main")
        assert full.returncode == 0, full.stderr
        assert full.stderr == "--changed-from: routes/channels.yaml changed, planning every route\n"
        assert "~ update Production Warnings" in full.stdout  # every route: the drift outside the PR shows
