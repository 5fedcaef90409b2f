"""`reconciler comment`: keep one sticky comment per pull request, and read the reviewed plan's fingerprint back.

Repository, PR number and token default to what GitHub Actions provides (GITHUB_REPOSITORY, the event file or
GITHUB_REF, GITHUB_TOKEN); the comment is found by its hidden marker, so re-runs edit it instead of adding another.
"""

from __future__ import annotations

import json
import os
import re
from typing import IO, Any

import click

from reconciler.api.github import DEFAULT_GITHUB_API_URL, GitHub, find_marked_comment, upsert_comment
from reconciler.cli.common import EXIT_ERROR, fail, handle_errors, run
from reconciler.errors import ConfigError
from reconciler.planfile import MAX_PLAN_BYTES, load_plan, review_fingerprint
from reconciler.render_markdown import (
    GITHUB_LIMIT,
    PLAN_MARKER,
    CommentContext,
    render_plan_markdown,
    review_from_comment,
)

ACTIONS_BOT = "github-actions[bot]"
KINDS = ("plan", "apply")


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


def _marked(body: str, kind: str) -> tuple[str, str]:
    marker = f"<!-- reconciler:{kind}"
    if marker not in body:
        body = f"{marker} -->\n{body}"
    if len(body) > GITHUB_LIMIT:
        raise ConfigError(f"the comment is {len(body)} characters; GitHub accepts at most {GITHUB_LIMIT}")
    return body, marker


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


async def _post(repo: str, pr: int, body: str, marker: str, author: str | None) -> tuple[str, dict[str, Any]]:
    async with github_client() as gh:
        return await upsert_comment(gh, repo, pr, body, marker, author=author)


async def _reviewed(repo: str, pr: int | None, commit: str | None, author: str | None) -> tuple[int | None, str | None]:
    async with github_client() as gh:
        if pr is None:
            sha = commit or os.environ.get("GITHUB_SHA", "")
            pulls = await gh.pulls_for_commit(repo, sha)
            merged = [p for p in pulls if p.get("merge_commit_sha") == sha] or [p for p in pulls if p.get("merged_at")]
            if not merged:
                return None, None
            pr = int(merged[0]["number"])
        comment = await find_marked_comment(gh, repo, pr, PLAN_MARKER, author=author)
        return pr, review_from_comment(str(comment.get("body") or "")) if comment else None


@click.command("comment")
@click.option("--body-file", type=click.File("r", encoding="utf-8"), help="The comment body ('-' for stdin).")
@click.option(
    "--plan",
    "plan_file",
    type=click.File("rb"),
    help="Render this plan file (reconciler plan --out) as the plan comment instead of --body-file.",
)
@click.option("--repo", metavar="OWNER/NAME", help="Repository (default: GITHUB_REPOSITORY).")
@click.option("--pr", type=click.IntRange(min=1), help="Pull request number (default: from the Actions event).")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="plan",
    show_default=True,
    help="Which sticky comment: the plan (or a fork's validation notice) or the apply result; one of each per PR.",
)
@click.option("--author", metavar="LOGIN", help="Only a comment by this login counts (default in Actions: the bot).")
@click.option(
    "--print-review",
    is_flag=True,
    help="Instead of commenting: print `pr=N` and `review=HEX`, the review fingerprint of the plan comment on the "
    "PR that merged --commit (for $GITHUB_OUTPUT); exit 1 if there is none.",
)
@click.option(
    "--print",
    "print_only",
    is_flag=True,
    help="Print the comment body instead of posting it (e.g. >> $GITHUB_STEP_SUMMARY); needs no token.",
)
@click.option("--commit", metavar="SHA", help="With --print-review: the merge commit (default: GITHUB_SHA).")
@handle_errors
def comment(
    body_file: IO[str] | None,
    plan_file: IO[bytes] | None,
    repo: str | None,
    pr: int | None,
    kind: str,
    author: str | None,
    print_review: bool,
    print_only: bool,
    commit: str | None,
) -> int:
    """Create or update the single reconciler comment on a pull request (GITHUB_TOKEN).

    The comment is found by its hidden marker and edited in place, so there is never a second one. A body
    without a marker gets one. With --print-review, read back the review fingerprint of the plan reviewers saw.
    """
    author = default_author(author)
    if print_review:
        repo = default_repo(repo)
        number, review = run(_reviewed(repo, pr, commit, author))
        click.echo(f"pr={number or ''}")
        click.echo(f"review={(review or '').removeprefix('sha256:')}")
        if review is None:
            where = f"{repo}#{number}" if number else f"the pull request merged as {commit or 'this commit'}"
            fail(f"No reviewed plan found on {where}: no plan comment with a review fingerprint.")
            return EXIT_ERROR
        return 0
    if (body_file is None) == (plan_file is None):
        raise ConfigError("pass exactly one of --body-file FILE (or - for stdin) and --plan plan.json")
    if plan_file is not None:
        saved = load_plan(plan_file.read(MAX_PLAN_BYTES + 1), source=plan_file.name)
        text = render_plan_markdown(
            saved.plan, review=review_fingerprint(saved.plan), checksum=saved.checksum, context=actions_context()
        )
    else:
        assert body_file is not None
        text = body_file.read()
    body, marker = _marked(text, kind)
    if print_only:
        click.echo(body, nl=not body.endswith("\n"))
        return 0
    repo = default_repo(repo)
    number = default_pr(pr)
    action, result = run(_post(repo, number, body, marker, author))
    click.echo(f"{action.capitalize()} the {kind} comment on {repo}#{number}: {result.get('html_url', '')}".rstrip())
    return 0


COMMANDS: list[click.Command] = [comment]
