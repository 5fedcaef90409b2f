"""`drift --github-pr`: the adopt pull request's lifecycle against the fake GitHub, with a local bare repository as
the remote: opened, left alone for the same drift, updated for a new drift, closed when the drift is resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.emulator import create_app
from reconciler.emulator.serve import serve_in_thread
from tests.drift_scenario import git, set_up
from tests.e2e_helpers import dashboard_edit, run_cli
from tests.fake_github import FakeGitHub
from tests.fake_github import create_app as create_github

pytestmark = pytest.mark.slow
REPO_NAME = "acme/routes"
BRANCH = "reconciler/adopt-drift"


def _remote_files(remote: Path) -> list[str]:
    return git(remote, "show", "--name-only", "--format=", BRANCH).split()


def test_the_adopt_pull_request_follows_the_drift(tmp_path: Path) -> None:
    checkout, remote = tmp_path / "checkout", tmp_path / "remote.git"
    checkout.mkdir()
    git(tmp_path, "init", "-q", "--bare", str(remote))
    fake = FakeGitHub()
    with serve_in_thread(create_app()) as url, serve_in_thread(create_github(fake)) as github_url:
        set_up(checkout, url)
        git(checkout, "remote", "add", "origin", str(remote))
        git(checkout, "push", "-q", "origin", "main")
        env = {"GITHUB_API_URL": github_url, "GITHUB_TOKEN": "ghs_test_token", "GITHUB_REPOSITORY": REPO_NAME}

        def drift() -> tuple[int, str]:
            result = run_cli(checkout, url, "drift", "--github-pr", extra_env=env)
            return result.returncode, result.stderr

        # Opened: the branch holds the adopted files; the checkout is left as it was.
        assert drift() == (
            2,
            "Adopted the dashboard edit into routes/production-alerts.yaml.\n"
            "Adopted an unmanaged route as routes/dashboard-only.yaml.\n"
            "Adopt pull request #1 on acme/routes created.\n",
        )
        [pull] = fake.pulls(REPO_NAME)
        assert pull["state"] == "open" and pull["head"] == {"ref": BRANCH} and pull["base"] == {"ref": "main"}
        assert pull["title"] == "Adopt dashboard edits: Production Alerts (enabled), Dashboard Only (new file)"
        assert pull["body"].startswith("<!-- reconciler:adopt fingerprint=sha256:")
        assert "| Production Alerts | 01JQ3ZROUTE000000000000001 | <code>enabled</code> |" in pull["body"]
        assert _remote_files(remote) == ["routes/dashboard-only.yaml", "routes/production-alerts.yaml"]
        assert git(checkout, "status", "--porcelain") == ""
        assert git(checkout, "branch", "--show-current").strip() == "main"
        first_sha = git(remote, "rev-parse", BRANCH)

        # The same drift: nothing pushed, the pull request not edited.
        writes = [r for r in fake.requests if r[0] in ("POST", "PATCH")]
        assert drift() == (2, "Adopt pull request #1 on acme/routes is up to date: left alone.\n")
        assert [r for r in fake.requests if r[0] in ("POST", "PATCH")] == writes
        assert git(remote, "rev-parse", BRANCH) == first_sha

        # A new drift: the branch is made afresh and the same pull request updated.
        dashboard_edit(url, "Staging Notifications", enabled=False)
        code, stderr = drift()
        assert code == 2 and stderr.endswith("Adopt pull request #1 on acme/routes updated.\n")
        [pull] = fake.pulls(REPO_NAME)
        assert pull["state"] == "open" and "Staging Notifications (enabled)" in pull["title"]
        assert "routes/staging-notifications.yaml" in _remote_files(remote)
        assert git(remote, "rev-parse", BRANCH) != first_sha

        # Resolved (the pull request merged into main): closed.
        git(checkout, "fetch", "-q", "origin")
        git(checkout, "merge", "-q", "--ff-only", f"origin/{BRANCH}")
        code, stderr = drift()
        assert (code, stderr) == (2, "Adopt pull request #1 on acme/routes closed.\n")  # B, C, E remain: not adoptable
        assert [p["state"] for p in fake.pulls(REPO_NAME)] == ["closed"]
