"""`reconciler comment`: keep one sticky comment per pull request, and read the reviewed plan's fingerprint back.

Repository, PR number and token default to what GitHub Actions provides (GITHUB_REPOSITORY, the event file or
GITHUB_REF, GITHUB_TOKEN); the comment is found by its hidden marker, so re-runs edit it instead of adding another.
"""

from __future__ import annotations

import os
from typing import IO, Any

import click

from reconciler.api.github import find_marked_comment, upsert_comment
from reconciler.cli.common import EXIT_ERROR, fail, handle_errors, run
from reconciler.cli.github_env import actions_context, default_author, default_pr, default_repo, github_client
from reconciler.core.impact import impact_from_json
from reconciler.errors import ConfigError
from reconciler.planfile import MAX_PLAN_BYTES, load_plan, review_fingerprint
from reconciler.render.impact import render_impact_markdown
from reconciler.render.markdown import PLAN_MARKER, render_plan_markdown, review_from_comment
from reconciler.render.markup import GITHUB_LIMIT

KINDS = ("plan", "apply")


def _marked(body: str, kind: str) -> tuple[str, str]:
    marker = f"<!-- reconciler:{kind}"
    if marker not in body:
        body = f"{marker} -->\n{body}"
    if len(body) > GITHUB_LIMIT:
        raise ConfigError(f"the comment is {len(body)} characters; GitHub accepts at most {GITHUB_LIMIT}")
    return body, marker


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
@click.option(
    "--summary",
    "summary",
    is_flag=True,
    help="With --plan: print the job summary instead (>> $GITHUB_STEP_SUMMARY): the whole plan, up to GitHub's "
    "1 MiB, where a comment cut to 65,536 characters says the rest is; needs no token.",
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
    summary: bool,
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
    if summary and plan_file is None:
        raise ConfigError("--summary renders a plan: pass --plan plan.json")
    if plan_file is not None:
        saved = load_plan(plan_file.read(MAX_PLAN_BYTES + 1), source=plan_file.name)
        impact = render_impact_markdown(impact_from_json(saved.impact)) if saved.impact is not None else ""
        text = render_plan_markdown(
            saved.plan,
            review=review_fingerprint(saved.plan),
            checksum=saved.checksum,
            context=actions_context(),
            impact=impact,
            summary=summary,
        )
    else:
        assert body_file is not None
        text = body_file.read()
    body, marker = _marked(text, kind)
    if print_only or summary:
        click.echo(body, nl=not body.endswith("\n"))
        return 0
    repo = default_repo(repo)
    number = default_pr(pr)
    action, result = run(_post(repo, number, body, marker, author))
    click.echo(f"{action.capitalize()} the {kind} comment on {repo}#{number}: {result.get('html_url', '')}".rstrip())
    return 0


COMMANDS: list[click.Command] = [comment]
