"""The GitHub client retries like the incident.io client: 5xx for reads, primary and secondary rate limits for any
request (after GitHub's own wait, clamped), a connection that never opened for any request; never a write's 5xx or
a write lost after sending (a POST may have created a comment). Its default policy is the incident.io client's."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from reconciler.api.github import GitHub, GitHubError, upsert_comment
from reconciler.api.retry import RetryPolicy
from tests.fake_github import FakeGitHub, create_app

TOKEN = "ghs_test_token"
REPO = "acme/routes"
NOW = 1_800_000_000.0  # a fake clock: x-ratelimit-reset is measured from it
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


class Sleeps:
    """The retry policy's sleep, recorded instead of slept."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _client(fake: FakeGitHub, sleeps: Sleeps) -> GitHub:
    policy = RetryPolicy(sleep=sleeps, base=0.01)
    transport = httpx.ASGITransport(app=create_app(fake))
    return GitHub(TOKEN, base_url="http://github.test", transport=transport, retry=policy, clock=lambda: NOW)


def _comment(fake: FakeGitHub, sleeps: Sleeps) -> tuple[str, dict[str, Any]]:
    async def go() -> tuple[str, dict[str, Any]]:
        async with _client(fake, sleeps) as gh:
            return await upsert_comment(gh, REPO, 7, "<!-- m --> plan", "<!-- m -->")

    return asyncio.run(go())


@pytest.fixture
def fake() -> FakeGitHub:
    fake = FakeGitHub()
    fake.add_pull(REPO, 7)
    return fake


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_read_is_retried_after_a_5xx(fake: FakeGitHub, status: int) -> None:
    sleeps = Sleeps()
    fake.faults = [(status, {}, "Server Error"), (status, {}, "Server Error")]
    assert _comment(fake, sleeps)[0] == "created"
    assert fake.requests == [("GET", f"/repos/{REPO}/issues/7/comments")] * 3 + [
        ("POST", f"/repos/{REPO}/issues/7/comments")
    ]
    assert len(sleeps.waits) == 2 and all(0 <= w <= 0.02 for w in sleeps.waits)  # full jitter, base 0.01


def test_a_secondary_rate_limit_waits_retry_after_then_succeeds_even_for_a_write(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [(403, {"retry-after": "7"}, SECONDARY)]
    fake.faults.append((403, {"retry-after": "3"}, SECONDARY))
    assert _comment(fake, sleeps)[0] == "created"
    assert sleeps.waits == [7.0, 3.0]
    assert len(fake.comments_on(REPO, 7)) == 1


def test_a_secondary_rate_limit_without_headers_waits_a_minute(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [(403, {}, SECONDARY)]
    assert _comment(fake, sleeps)[0] == "created"
    assert sleeps.waits == [60.0]


def test_a_primary_rate_limit_waits_until_the_reset_clamped(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 12)}, "API rate limit exceeded"),
        (429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)}, "API rate limit exceeded"),
    ]
    assert _comment(fake, sleeps)[0] == "created"
    assert sleeps.waits == [12.0, 60.0]  # an hour is clamped to the policy's max_retry_after


def test_a_write_is_not_resent_after_a_5xx(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [(502, {}, "Bad Gateway")]

    async def go() -> None:
        async with _client(fake, sleeps) as gh:
            await gh.create_issue_comment(REPO, 7, "plan")

    with pytest.raises(GitHubError) as caught:
        asyncio.run(go())
    assert str(caught.value) == f"GitHub answered POST /repos/{REPO}/issues/7/comments with 502: Bad Gateway"
    assert caught.value.status == 502
    assert fake.requests == [("POST", f"/repos/{REPO}/issues/7/comments")]
    assert sleeps.waits == []


def test_giving_up_reports_the_last_answer_without_the_token(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [(503, {}, f"unavailable {TOKEN}")] * 5
    with pytest.raises(GitHubError) as caught:
        _comment(fake, sleeps)
    assert str(caught.value) == f"GitHub answered GET /repos/{REPO}/issues/7/comments with 503: unavailable ***"
    assert len(fake.requests) == 5 and len(sleeps.waits) == 4  # the policy's 5 attempts


def test_an_ordinary_403_is_not_retried(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [(403, {}, "Resource not accessible by integration")]
    with pytest.raises(GitHubError) as caught:
        _comment(fake, sleeps)
    assert str(caught.value) == (
        f"GitHub answered GET /repos/{REPO}/issues/7/comments with 403: Resource not accessible by integration"
        " (check GITHUB_TOKEN and the job's permissions; a fork PR's token is read-only)"
    )
    assert len(fake.requests) == 1 and sleeps.waits == []


def test_a_rate_limit_that_never_lifts_gives_up_within_the_sleep_budget(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    fake.faults = [(403, {"retry-after": "50"}, SECONDARY)] * 5
    with pytest.raises(GitHubError) as caught:
        _comment(fake, sleeps)
    assert str(caught.value) == (
        f"GitHub answered GET /repos/{REPO}/issues/7/comments with 403: {SECONDARY}"
        " (rate limited; retried until the retry budget ran out)"
    )
    assert sleeps.waits == [50.0, 50.0]  # a third wait would pass the 120 s budget


class Flaky(httpx.AsyncBaseTransport):
    """Fails the first `failures` requests with `error` before they reach GitHub, then passes them on."""

    def __init__(self, inner: httpx.AsyncBaseTransport, error: type[httpx.TransportError], failures: int) -> None:
        self.inner, self.error, self.failures = inner, error, failures

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            self.failures -= 1
            raise self.error("connection lost", request=request)
        return await self.inner.handle_async_request(request)


def _post(fake: FakeGitHub, sleeps: Sleeps, error: type[httpx.TransportError]) -> None:
    transport = Flaky(httpx.ASGITransport(app=create_app(fake)), error, failures=1)

    async def go() -> None:
        policy = RetryPolicy(sleep=sleeps, base=0.01)
        async with GitHub(TOKEN, base_url="http://github.test", transport=transport, retry=policy) as gh:
            await gh.create_issue_comment(REPO, 7, "plan")

    asyncio.run(go())


def test_a_connection_that_never_opened_is_retried_even_for_a_write(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    _post(fake, sleeps, httpx.ConnectError)  # nothing was sent: resending cannot post twice
    assert fake.requests == [("POST", f"/repos/{REPO}/issues/7/comments")]
    assert len(sleeps.waits) == 1 and len(fake.comments_on(REPO, 7)) == 1


def test_a_write_lost_after_sending_is_not_resent(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    with pytest.raises(GitHubError) as caught:
        _post(fake, sleeps, httpx.ReadError)  # it may have been posted: same matrix as the incident.io client
    assert str(caught.value) == f"GitHub POST /repos/{REPO}/issues/7/comments failed: connection lost"
    assert fake.requests == [] and sleeps.waits == []


def test_the_default_policy_is_the_incident_io_clients() -> None:
    from reconciler.api.core import ApiCore

    async def both() -> tuple[RetryPolicy, RetryPolicy]:
        async with GitHub(TOKEN) as gh, ApiCore("https://api.incident.io", "example-admin") as api:
            return gh._retry, api.retry

    github_policy, incident_policy = asyncio.run(both())
    assert github_policy == incident_policy == RetryPolicy()
