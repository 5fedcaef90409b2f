"""`drift --adopt --github-pr`: one pull request that adopts the dashboard edits, kept in step with the drift.

The pull request is found by the marker in its body, which carries the fingerprint of the drift it adopts
(`core.drift.adopt_fingerprint`). Same drift: left alone (nothing is pushed or edited). New drift: the branch is
made afresh from the checked-out commit, force-pushed, and the pull request's title and body updated (or it is
opened). No drift to adopt: the pull request is closed. git through `run/git.py`, GitHub through `api/github.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from reconciler.api.github import GitHub
from reconciler.core.drift import DriftReport, adopt_fingerprint
from reconciler.errors import ConfigError
from reconciler.render.adopt import ADOPT_MARKER, adopt_body, adopt_title
from reconciler.run.adopt import Adopted, adoptable
from reconciler.run.git import GitError, push_branch

BRANCH = "reconciler/adopt-drift"


async def sync_adopt_pr(
    gh: GitHub,
    repo: str,
    report: DriftReport,
    *,
    write: Callable[[], Awaitable[Adopted]],
    root: Path,
    base: str,
    remote: str = "origin",
) -> tuple[str, int | None, Adopted | None]:
    """Open, update, leave alone or close the adopt pull request; returns what happened ("created", "updated",
    "unchanged", "closed", "none"), its number, and what `write` adopted (when it was called)."""
    found = await gh.list_pulls(repo)
    pulls = [p for p in found if ADOPT_MARKER in str(p.get("body") or "")]
    fingerprint = adopt_fingerprint(report)
    if fingerprint is None:
        for pull in pulls:
            await gh.update_pull(repo, int(pull["number"]), state="closed")
        return ("closed", int(pulls[0]["number"]), None) if pulls else ("none", None, None)
    if pulls and f"fingerprint={fingerprint} " in str(pulls[0].get("body")):
        return "unchanged", int(pulls[0]["number"]), None
    adopted = await write()
    if adopted.skipped or not adopted.paths:
        return "none", None, adopted
    entries = adoptable(report)
    title = adopt_title(entries)
    names = [path.resolve().relative_to(root.resolve()).as_posix() for path in adopted.paths]
    body = adopt_body(entries, fingerprint, names)
    try:
        await asyncio.to_thread(
            push_branch, root, list(adopted.paths), branch=BRANCH, base=base, remote=remote, message=title
        )
    except GitError as exc:  # say what git said, as a reported error
        raise ConfigError(f"could not push the adopt branch {BRANCH} to {remote}: {exc}") from None
    if pulls:
        number = int(pulls[0]["number"])
        await gh.update_pull(repo, number, title=title, body=body)
        return "updated", number, adopted
    created = await gh.create_pull(repo, title=title, body=body, head=BRANCH, base=base)
    return "created", int(created["number"]), adopted
