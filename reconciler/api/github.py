"""A small async client of the GitHub REST API: the sticky plan comment, the drift issue, the reviewed checksum.

The token is sent only to `base_url` (pagination links elsewhere are refused) and never appears in an exception:
error messages name the request and GitHub's own message, scrubbed of the token. 5xx answers, rate limits (primary
and secondary) and lost connections are retried with the incident.io client's policy (`api/github_retry.py`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception

from reconciler.api.credentials import credential_problem, secret_forms
from reconciler.api.github_retry import retryable
from reconciler.api.retry import RetryPolicy, should_retry
from reconciler.errors import ApiError, GitHubError, TransportFailure

DEFAULT_GITHUB_API_URL = "https://api.github.com"
_REPO_RE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA_RE = re.compile(r"[0-9a-f]{7,40}")
MAX_PAGES = 50  # 5,000 comments or issues: far more than a PR or a label should hold


def check_repo(repo: str) -> str:
    """`owner/name`, validated (it goes into URL paths)."""
    if not _REPO_RE.fullmatch(repo) or ".." in repo:
        raise GitHubError(f"not a repository (OWNER/NAME): {repo!r}", method="-", path="-")
    return repo


class GitHub:
    """`async with GitHub(token) as gh:` then the calls below; `transport` lets tests use an in-process app."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_GITHUB_API_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,  # epoch seconds, for x-ratelimit-reset
    ) -> None:
        if not token:
            raise GitHubError("no GitHub token: set GITHUB_TOKEN", method="-", path="-")
        problem = credential_problem(token)
        if problem is not None:  # refused before httpx sees it: its header errors quote the value
            raise GitHubError(f"GITHUB_TOKEN is not a usable token: {problem}", method="-", path="-")
        self._secrets = secret_forms(token)
        self.base_url = base_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "reconciler",
            },
        )

    def __repr__(self) -> str:  # the default repr is safe too; this one says where it points, never the token
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def __aenter__(self) -> GitHub:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def _request(self, method: str, url: str, *, json: Any = None, params: Any = None) -> httpx.Response:
        path = url.removeprefix(self.base_url).split("?")[0]
        retrying = AsyncRetrying(
            stop=self._retry.stop,
            wait=self._retry.wait,
            retry=retry_if_exception(lambda error: should_retry(method, error)),
            sleep=self._retry.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(method, url, path, json, params)
        except ApiError as error:  # still failing when the policy gave up (or a write's 5xx: not resent)
            raise GitHubError(str(error), method=method, path=path, status=error.status) from None
        raise AssertionError("unreachable: tenacity either returns or reraises")  # pragma: no cover

    async def _attempt(self, method: str, url: str, path: str, json: Any, params: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, json=json, params=params)
        except httpx.HTTPError as exc:
            reason = self._scrub(str(exc) or type(exc).__name__)
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            raise TransportFailure(
                f"GitHub {method} {path} failed: {reason}", sent=sent, method=method, path=path
            ) from None
        if response.status_code >= 400:
            try:
                said = str(response.json().get("message", ""))
            except (ValueError, AttributeError):
                said = ""
            said = self._scrub(said)[:300]
            text = f"GitHub answered {method} {path} with {response.status_code}{': ' + said if said else ''}"
            retry = retryable(response, said, method, path, self._clock())
            if retry is not None:
                raise retry
            if response.status_code in (401, 403, 404):
                text += " (check GITHUB_TOKEN and the job's permissions; a fork PR's token is read-only)"
            raise GitHubError(text, method=method, path=path, status=response.status_code)
        return response

    async def _paged(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": 100}
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = await self._request("GET", url, params=query)
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query
            if url is not None and not url.startswith(self.base_url + "/"):
                raise GitHubError(f"refusing to follow a pagination link off {self.base_url}", method="GET", path=path)
        return items

    # Issue and PR comments (a PR is an issue for comments).
    async def list_issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return await self._paged(f"/repos/{check_repo(repo)}/issues/{int(number)}/comments", {})

    async def create_issue_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        path = f"/repos/{check_repo(repo)}/issues/{int(number)}/comments"
        result: dict[str, Any] = (await self._request("POST", path, json={"body": body})).json()
        return result

    async def update_issue_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        path = f"/repos/{check_repo(repo)}/issues/comments/{int(comment_id)}"
        result: dict[str, Any] = (await self._request("PATCH", path, json={"body": body})).json()
        return result

    # Issues.
    async def list_issues(self, repo: str, *, labels: Sequence[str] = (), state: str = "open") -> list[dict[str, Any]]:
        """Issues (not pull requests) with every label in `labels`."""
        params: dict[str, Any] = {"state": state}
        if labels:
            params["labels"] = ",".join(labels)
        issues = await self._paged(f"/repos/{check_repo(repo)}/issues", params)
        return [issue for issue in issues if "pull_request" not in issue]

    async def create_issue(self, repo: str, *, title: str, body: str, labels: Sequence[str] = ()) -> dict[str, Any]:
        payload = {"title": title, "body": body, "labels": list(labels)}
        result: dict[str, Any] = (await self._request("POST", f"/repos/{check_repo(repo)}/issues", json=payload)).json()
        return result

    async def update_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """PATCH an issue: `title`, `body`, `state` ("open"/"closed"), `state_reason`, `labels`."""
        path = f"/repos/{check_repo(repo)}/issues/{int(number)}"
        result: dict[str, Any] = (await self._request("PATCH", path, json=fields)).json()
        return result

    async def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> list[dict[str, Any]]:
        path = f"/repos/{check_repo(repo)}/issues/{int(number)}/labels"
        result: list[dict[str, Any]] = (await self._request("POST", path, json={"labels": list(labels)})).json()
        return result

    # Pull requests.
    async def list_pulls(self, repo: str, *, state: str = "open") -> list[dict[str, Any]]:
        return await self._paged(f"/repos/{check_repo(repo)}/pulls", {"state": state})

    async def create_pull(self, repo: str, *, title: str, body: str, head: str, base: str) -> dict[str, Any]:
        payload = {"title": title, "body": body, "head": head, "base": base}
        result: dict[str, Any] = (await self._request("POST", f"/repos/{check_repo(repo)}/pulls", json=payload)).json()
        return result

    async def update_pull(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """PATCH a pull request: `title`, `body`, `state` ("open"/"closed"), `base`."""
        path = f"/repos/{check_repo(repo)}/pulls/{int(number)}"
        result: dict[str, Any] = (await self._request("PATCH", path, json=fields)).json()
        return result

    async def pulls_for_commit(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Pull requests associated with a commit (for a merge commit on main: the PR that was merged)."""
        if not _SHA_RE.fullmatch(sha):
            raise GitHubError(f"not a commit SHA: {sha!r}", method="GET", path="-")
        return await self._paged(f"/repos/{check_repo(repo)}/commits/{sha}/pulls", {})


def _by(comment: dict[str, Any], author: str | None) -> bool:
    return author is None or (comment.get("user") or {}).get("login") == author


async def find_marked_comment(
    gh: GitHub, repo: str, number: int, marker: str, *, author: str | None = None
) -> dict[str, Any] | None:
    """The first comment containing `marker` (written by `author` when given), or None."""
    for comment in await gh.list_issue_comments(repo, number):
        if marker in str(comment.get("body") or "") and _by(comment, author):
            return comment
    return None


async def upsert_comment(
    gh: GitHub, repo: str, number: int, body: str, marker: str, *, author: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Edit the comment carrying `marker`, or create it: ("updated" | "created", comment). Never a second one."""
    existing = await find_marked_comment(gh, repo, number, marker, author=author)
    if existing is not None:
        if existing.get("body") == body:
            return "unchanged", existing
        return "updated", await gh.update_issue_comment(repo, int(existing["id"]), body)
    return "created", await gh.create_issue_comment(repo, number, body)


async def sync_issue(
    gh: GitHub, repo: str, *, marker: str, label: str, title: str, body: str, open_issue: bool
) -> tuple[str, int | None]:
    """Keep one open issue labelled `label` carrying `marker`: create or update it when `open_issue`, else close it.

    Returns what happened ("created", "updated", "unchanged", "closed", "none") and the issue number. An issue whose
    title and body would not change is left alone, so a schedule does not edit it (and notify) on every run.
    """
    issues = [i for i in await gh.list_issues(repo, labels=[label]) if marker in str(i.get("body") or "")]
    if open_issue:
        if issues:
            number = int(issues[0]["number"])
            if issues[0].get("title") == title and issues[0].get("body") == body:
                return "unchanged", number
            await gh.update_issue(repo, number, title=title, body=body)
            return "updated", number
        created = await gh.create_issue(repo, title=title, body=body, labels=[label])
        return "created", int(created["number"])
    if not issues:
        return "none", None
    for issue in issues:
        await gh.update_issue(repo, int(issue["number"]), body=body, state="closed", state_reason="completed")
    return "closed", int(issues[0]["number"])
