"""A small fake of the GitHub REST API, in memory: issue comments, issues, labels, pull requests, commit → PRs.

Enough of GitHub's behaviour for `reconciler comment`, `reconciler drift --github-issue` and `--github-pr`:
bearer-token auth (each token is a login), page/per_page pagination with `Link` headers, PRs that are issues too,
and a request log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT = "github-actions[bot]"


@dataclass
class FakeGitHub:
    """State of the fake: tokens (token → login), issues/PRs by number per repo, comments, and every request."""

    tokens: dict[str, str] = field(default_factory=lambda: {"ghs_test_token": BOT})
    issues: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    commit_pulls: dict[str, list[int]] = field(default_factory=dict)  # sha -> PR numbers
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000
    # Answers served before any real one, first to last: (status, headers, message), e.g. a secondary rate limit.
    faults: list[tuple[int, dict[str, str], str]] = field(default_factory=list)

    def reset(self) -> None:
        """Back to an empty GitHub (one server can then serve many tests)."""
        self.__init__()  # type: ignore[misc]

    def add_pull(self, repo: str, number: int, *, merge_commit_sha: str | None = None) -> None:
        pull = {
            "number": number,
            "title": f"PR {number}",
            "body": "",
            "state": "closed" if merge_commit_sha else "open",
            "labels": [],
            "pull_request": {"url": f"/repos/{repo}/pulls/{number}"},
            "merge_commit_sha": merge_commit_sha,
            "merged_at": "2026-01-01T00:00:00Z" if merge_commit_sha else None,
        }
        self.issues.setdefault(repo, {})[number] = pull
        if merge_commit_sha:
            self.commit_pulls.setdefault(merge_commit_sha, []).append(number)

    def add_comment(self, repo: str, number: int, body: str, login: str) -> dict[str, Any]:
        self.next_id += 1
        comment = {
            "id": self.next_id,
            "body": body,
            "user": {"login": login},
            "repo": repo,
            "issue": number,
            "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{self.next_id}",
        }
        self.comments[self.next_id] = comment
        return comment

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["repo"] == repo and c["issue"] == number]

    def pulls(self, repo: str) -> list[dict[str, Any]]:
        """Every pull request of `repo` (open or closed), by number."""
        return [i for _, i in sorted(self.issues.get(repo, {}).items()) if "pull_request" in i]

    def open_issues(self, repo: str, label: str) -> list[dict[str, Any]]:
        return [
            i
            for i in self.issues.get(repo, {}).values()
            if "pull_request" not in i and i["state"] == "open" and label in [x["name"] for x in i["labels"]]
        ]


def _page(request: Request, items: list[dict[str, Any]]) -> Response:
    per_page = int(request.query_params.get("per_page", 30))
    page = int(request.query_params.get("page", 1))
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {}
    if page * per_page < len(items):
        query = dict(request.query_params)
        query["page"] = str(page + 1)
        query["per_page"] = str(per_page)
        next_url = request.url.replace_query_params(**query)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return JSONResponse(chunk, headers=headers)


def create_app(fake: FakeGitHub) -> Starlette:
    """The Starlette app serving `fake`."""

    def login(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        return fake.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None

    def guard(request: Request) -> Response | None:
        fake.requests.append((request.method, request.url.path))
        if fake.faults:
            status, headers, message = fake.faults.pop(0)
            return JSONResponse({"message": message}, status_code=status, headers=headers)
        if login(request) is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return None

    def repo_of(request: Request) -> str:
        return f"{request.path_params['owner']}/{request.path_params['name']}"

    async def comments(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        repo, number = repo_of(request), int(request.path_params["number"])
        if number not in fake.issues.get(repo, {}):
            return JSONResponse({"message": "Not Found"}, status_code=404)
        if request.method == "POST":
            body = (await request.json())["body"]
            return JSONResponse(fake.add_comment(repo, number, body, login(request) or ""), status_code=201)
        return _page(request, fake.comments_on(repo, number))

    async def edit_comment(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        comment = fake.comments.get(int(request.path_params["comment_id"]))
        if comment is None or comment["repo"] != repo_of(request):
            return JSONResponse({"message": "Not Found"}, status_code=404)
        if comment["user"]["login"] != login(request):
            return JSONResponse({"message": "Resource not accessible by integration"}, status_code=403)
        comment["body"] = (await request.json())["body"]
        return JSONResponse(comment)

    async def issues(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        repo = repo_of(request)
        if request.method == "POST":
            data = await request.json()
            number = max(fake.issues.get(repo, {}), default=0) + 1
            issue = {
                "number": number,
                "title": data["title"],
                "body": data.get("body", ""),
                "state": "open",
                "labels": [{"name": name} for name in data.get("labels", [])],
            }
            fake.issues.setdefault(repo, {})[number] = issue
            return JSONResponse(issue, status_code=201)
        state = request.query_params.get("state", "open")
        wanted = [x for x in request.query_params.get("labels", "").split(",") if x]
        found = [
            i
            for i in fake.issues.get(repo, {}).values()
            if (state == "all" or i["state"] == state) and all(w in [x["name"] for x in i["labels"]] for w in wanted)
        ]
        return _page(request, found)

    async def issue(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        found = fake.issues.get(repo_of(request), {}).get(int(request.path_params["number"]))
        if found is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        data = await request.json()
        for key in ("title", "body", "state", "state_reason"):
            if key in data:
                found[key] = data[key]
        if "labels" in data:
            found["labels"] = [{"name": name} for name in data["labels"]]
        return JSONResponse(found)

    async def labels(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        found = fake.issues.get(repo_of(request), {}).get(int(request.path_params["number"]))
        if found is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        for name in (await request.json())["labels"]:
            if name not in [x["name"] for x in found["labels"]]:
                found["labels"].append({"name": name})
        return JSONResponse(found["labels"])

    async def commit_pulls(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        repo = repo_of(request)
        numbers = fake.commit_pulls.get(request.path_params["sha"], [])
        return _page(request, [fake.issues[repo][n] for n in numbers if n in fake.issues.get(repo, {})])

    async def pulls(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        repo = repo_of(request)
        if request.method == "POST":
            data = await request.json()
            if any(p.get("head", {}).get("ref") == data["head"] and p["state"] == "open" for p in fake.pulls(repo)):
                return JSONResponse({"message": "Validation Failed: a pull request already exists"}, status_code=422)
            number = max(fake.issues.get(repo, {}), default=0) + 1
            pull = {
                "number": number,
                "title": data["title"],
                "body": data.get("body", ""),
                "state": "open",
                "labels": [],
                "pull_request": {"url": f"/repos/{repo}/pulls/{number}"},
                "head": {"ref": data["head"]},
                "base": {"ref": data["base"]},
            }
            fake.issues.setdefault(repo, {})[number] = pull
            return JSONResponse(pull, status_code=201)
        state = request.query_params.get("state", "open")
        return _page(request, [p for p in fake.pulls(repo) if state == "all" or p["state"] == state])

    async def pull(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        found = fake.issues.get(repo_of(request), {}).get(int(request.path_params["number"]))
        if found is None or "pull_request" not in found:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        data = await request.json()
        for key in ("title", "body", "state"):
            if key in data:
                found[key] = data[key]
        return JSONResponse(found)

    base = "/repos/{owner}/{name}"
    return Starlette(
        routes=[
            Route(base + "/issues/{number:int}/comments", comments, methods=["GET", "POST"]),
            Route(base + "/issues/comments/{comment_id:int}", edit_comment, methods=["PATCH"]),
            Route(base + "/issues", issues, methods=["GET", "POST"]),
            Route(base + "/issues/{number:int}", issue, methods=["PATCH"]),
            Route(base + "/issues/{number:int}/labels", labels, methods=["POST"]),
            Route(base + "/commits/{sha}/pulls", commit_pulls, methods=["GET"]),
            Route(base + "/pulls", pulls, methods=["GET", "POST"]),
            Route(base + "/pulls/{number:int}", pull, methods=["PATCH"]),
        ]
    )
