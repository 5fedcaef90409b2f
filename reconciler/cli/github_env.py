"""GitHub from the environment GitHub Actions provides: the token, the repository, the pull request, the run.

Part of the CLI (it reads the environment). Used by `comment` and `drift`.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from reconciler.api.github import DEFAULT_GITHUB_API_URL, GitHub
from reconciler.errors import ConfigError
from reconciler.render.markdown import CommentContext

ACTIONS_BOT = "github-actions[bot]"


def github_token() -> str:
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise ConfigError("No GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: ${{ github.token }})")
    return token


def github_client() -> GitHub:
    """A GitHub client for GITHUB_API_URL (GitHub Enterprise sets it) with GITHUB_TOKEN."""
    base = os.environ.get("GITHUB_API_URL", "").strip() or DEFAULT_GITHUB_API_URL
    return GitHub(github_token(), base_url=base)


def default_repo(repo: str | None) -> str:
    repo = repo or os.environ.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise ConfigError("No repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    return repo


def default_author(author: str | None) -> str | None:
    """Only comments by this login count; in Actions, the workflow token's bot (nobody else can forge a marker)."""
    if author is not None:
        return author or None
    return ACTIONS_BOT if os.environ.get("GITHUB_ACTIONS") == "true" else None


def _event_pull_request() -> dict[str, Any]:
    event_path = os.environ.get("GITHUB_EVENT_PATH", "")
    if not event_path or not os.path.isfile(event_path):
        return {}
    with open(event_path, encoding="utf-8") as handle:
        event: Any = json.load(handle)
    pull = event.get("pull_request") if isinstance(event, dict) else None
    return pull if isinstance(pull, dict) else {}


def default_pr(pr: int | None) -> int:
    """--pr, else the pull request of the Actions event (event file, then refs/pull/N/merge)."""
    if pr is not None:
        return pr
    number = _event_pull_request().get("number")
    if isinstance(number, int):
        return number
    match = re.fullmatch(r"refs/pull/(\d+)/(merge|head)", os.environ.get("GITHUB_REF", ""))
    if match:
        return int(match.group(1))
    raise ConfigError("No pull request: pass --pr N (or run in a pull_request workflow)")


def actions_context() -> CommentContext:
    """What the comment says about its run: the PR head, base branch and the run link, from the Actions env."""
    pull = _event_pull_request()
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    repo, run_id = os.environ.get("GITHUB_REPOSITORY", ""), os.environ.get("GITHUB_RUN_ID", "")
    return CommentContext(
        head_sha=str((pull.get("head") or {}).get("sha") or "") or None,
        base_ref=str((pull.get("base") or {}).get("ref") or "") or None,
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None,
    )
