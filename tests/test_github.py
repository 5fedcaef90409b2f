"""The GitHub client against the fake GitHub API (in process): pagination, sticky comments, the drift issue, secrets."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from reconciler.api import RetryPolicy
from reconciler.api.github import GitHub, GitHubError, check_repo, find_marked_comment, sync_issue, upsert_comment
from tests.fake_github import BOT, FakeGitHub, create_app

T = TypeVar("T")
TOKEN = "ghs_test_token"
REPO = "acme/routes"
BASE = "http://github.test"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _client(fake: FakeGitHub, token: str = TOKEN) -> GitHub:
    return GitHub(token, base_url=BASE, transport=httpx.ASGITransport(app=create_app(fake)))


def test_comments_are_read_across_pages() -> None:
    fake = FakeGitHub()
    fake.add_pull(REPO, 7)
    for i in range(250):
        fake.add_comment(REPO, 7, f"comment {i}", "someone")

    async def go() -> list[dict[str, Any]]:
        async with _client(fake) as gh:
            return await gh.list_issue_comments(REPO, 7)

    comments = _run(go())
    assert [c["body"] for c in comments] == [f"comment {i}" for i in range(250)]
    assert sum(1 for method, path in fake.requests if path.endswith("/comments")) == 3


def test_upsert_creates_once_then_edits_in_place() -> None:
    fake = FakeGitHub()
    fake.add_pull(REPO, 7)
    fake.add_comment(REPO, 7, "a human comment", "octocat")

    async def go() -> list[str]:
        actions = []
        async with _client(fake) as gh:
            for body in (
                "<!-- reconciler:plan -->\none",
                "<!-- reconciler:plan -->\ntwo",
                "<!-- reconciler:plan -->\ntwo",
            ):
                action, _ = await upsert_comment(gh, REPO, 7, body, "<!-- reconciler:plan", author=BOT)
                actions.append(action)
        return actions

    assert _run(go()) == ["created", "updated", "unchanged"]
    bodies = [c["body"] for c in fake.comments_on(REPO, 7)]
    assert bodies == ["a human comment", "<!-- reconciler:plan -->\ntwo"]


def test_a_marker_forged_by_someone_else_is_ignored() -> None:
    fake = FakeGitHub()
    fake.add_pull(REPO, 7)
    fake.add_comment(REPO, 7, "<!-- reconciler:plan checksum=sha256:" + "0" * 64 + " -->", "mallory")

    async def go() -> dict[str, Any] | None:
        async with _client(fake) as gh:
            return await find_marked_comment(gh, REPO, 7, "<!-- reconciler:plan", author=BOT)

    assert _run(go()) is None


def test_drift_issue_lifecycle_open_update_close() -> None:
    fake = FakeGitHub()
    marker = "<!-- reconciler:drift"

    async def sync(body: str, drifted: bool) -> tuple[str, int | None]:
        async with _client(fake) as gh:
            return await sync_issue(
                gh, REPO, marker=marker, label="drift", title="Drift", body=body, open_issue=drifted
            )

    assert _run(sync(f"{marker} -->\nnothing", False)) == ("none", None)
    assert _run(sync(f"{marker} -->\nfirst", True)) == ("created", 1)
    assert _run(sync(f"{marker} -->\nsecond", True)) == ("updated", 1)
    assert [i["body"] for i in fake.open_issues(REPO, "drift")] == [f"{marker} -->\nsecond"]
    assert _run(sync(f"{marker} -->\nclear", False)) == ("closed", 1)
    assert fake.open_issues(REPO, "drift") == []
    assert _run(sync(f"{marker} -->\nagain", True)) == ("created", 2)


def test_errors_name_the_request_and_never_the_token() -> None:
    token = "ghp_canary_secret_0123456789"
    fake = FakeGitHub(tokens={})

    async def go() -> None:
        async with _client(fake, token) as gh:
            await gh.list_issue_comments(REPO, 1)

    with pytest.raises(GitHubError) as info:
        _run(go())
    assert "GET /repos/acme/routes/issues/1/comments with 401: Bad credentials" in str(info.value)
    assert token not in str(info.value) and token not in repr(info.value)


def test_transport_failures_are_errors_without_the_token() -> None:
    token = "ghp_canary_secret_0123456789"

    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect, header was {request.headers['authorization']}")

    waits: list[float] = []

    async def wait(seconds: float) -> None:  # the retries' backoff, recorded instead of slept
        waits.append(seconds)

    async def go() -> None:
        retry = RetryPolicy(sleep=wait)
        async with GitHub(token, base_url=BASE, transport=httpx.MockTransport(boom), retry=retry) as gh:
            await gh.create_issue(REPO, title="t", body="b")

    with pytest.raises(GitHubError) as info:
        _run(go())
    assert "POST /repos/acme/routes/issues failed" in str(info.value)
    assert token not in str(info.value)
    assert len(waits) == RetryPolicy().attempts - 1  # a connection never made is retried, as for incident.io


def test_pagination_never_follows_a_link_to_another_host() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": 1}], headers={"Link": '<https://evil.example/steal>; rel="next"'})

    async def go() -> None:
        async with GitHub(TOKEN, base_url=BASE, transport=httpx.MockTransport(handler)) as gh:
            await gh.list_issue_comments(REPO, 1)

    with pytest.raises(GitHubError, match="refusing to follow"):
        _run(go())


@pytest.mark.parametrize("repo", ["acme", "acme/routes/x", "../etc", "acme/..", "a b/c", ""])
def test_repository_names_are_validated(repo: str) -> None:
    with pytest.raises(GitHubError):
        check_repo(repo)


def test_pulls_for_commit_finds_the_merged_pr() -> None:
    fake = FakeGitHub()
    fake.add_pull(REPO, 12, merge_commit_sha="a" * 40)

    async def go() -> list[dict[str, Any]]:
        async with _client(fake) as gh:
            return await gh.pulls_for_commit(REPO, "a" * 40)

    assert [p["number"] for p in _run(go())] == [12]
    with pytest.raises(GitHubError, match="not a commit SHA"):
        _run(_client(fake).pulls_for_commit(REPO, "main; rm -rf /"))
