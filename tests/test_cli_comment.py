"""`reconciler comment` against the fake GitHub API served on loopback: one sticky comment, the reviewed checksum."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.emulator.serve import serve_in_thread
from reconciler.model import Action, Change, Plan
from reconciler.planfile import plan_to_dict
from reconciler.route import Route
from tests.fake_github import BOT, FakeGitHub, create_app

REPO = "acme/routes"
TOKEN = "ghs_test_token"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()
    with serve_in_thread(create_app(fake)) as url:
        yield fake, url


@pytest.fixture
def github(served: tuple[FakeGitHub, str], monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    fake, url = served
    fake.reset()
    for name in ("GITHUB_EVENT_PATH", "GITHUB_REF", "GITHUB_SHA", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_API_URL", url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    return fake


def _invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["comment", *args], input=stdin)


def test_a_second_comment_edits_the_first(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_pull(REPO, 7)
    github.add_comment(REPO, 7, "LGTM", "octocat")
    body = tmp_path / "body.md"
    body.write_text("first plan\n")
    first = _invoke("--pr", "7", "--body-file", str(body))
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Created the plan comment on acme/routes#7: https://github.example/")
    body.write_text("second plan\n")
    second = _invoke("--pr", "7", "--body-file", str(body))
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("Updated the plan comment on acme/routes#7: ")
    mine = [c for c in github.comments_on(REPO, 7) if c["user"]["login"] == BOT]
    assert [c["body"] for c in mine] == ["<!-- reconciler:plan -->\nsecond plan\n"]
    assert len(github.comments_on(REPO, 7)) == 2  # the human comment is untouched


def test_the_apply_comment_is_a_separate_sticky_comment(github: FakeGitHub) -> None:
    github.add_pull(REPO, 7)
    assert _invoke("--pr", "7", "--body-file", "-", stdin="plan").exit_code == 0
    for text in ("applying", "applied"):
        assert _invoke("--pr", "7", "--kind", "apply", "--body-file", "-", stdin=text).exit_code == 0
    assert [c["body"] for c in github.comments_on(REPO, 7)] == [
        "<!-- reconciler:plan -->\nplan",
        "<!-- reconciler:apply -->\napplied",
    ]


def test_pr_number_comes_from_the_actions_event(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.add_pull(REPO, 42)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "9f3c2e1"}, "base": {"ref": "main"}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert _invoke("--body-file", "-", stdin="x").exit_code == 0
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    monkeypatch.setenv("GITHUB_REF", "refs/pull/42/merge")
    assert _invoke("--body-file", "-", stdin="y").exit_code == 0
    assert [c["body"] for c in github.comments_on(REPO, 42)] == ["<!-- reconciler:plan -->\ny"]


def _plan_file(tmp_path: Path) -> tuple[Path, str]:
    desired = Route(name="Payments API")
    create = Change(Action.CREATE, "Payments API", desired=desired, desired_doc={"name": "Payments API"})
    document = plan_to_dict(
        Plan(changes=(create,), live_count=3), api_url="https://api.incident.io", created_at="2026-01-01T00:00:00Z"
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    return path, document["review"]


def test_plan_file_is_rendered_and_its_review_read_back_on_merge(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_pull(REPO, 12, merge_commit_sha="c" * 40)
    path, review = _plan_file(tmp_path)
    result = _invoke("--pr", "12", "--plan", str(path))
    assert result.exit_code == 0, result.output
    [posted] = github.comments_on(REPO, 12)
    assert posted["body"].startswith(f"<!-- reconciler:plan review=sha256:{review} -->\n## 🧪 Alert routes plan")
    read = _invoke("--print-review", "--commit", "c" * 40)
    assert read.exit_code == 0, read.output
    assert read.stdout == f"pr=12\nreview={review}\n"


def test_print_renders_without_posting(github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    path, review = _plan_file(tmp_path)
    result = _invoke("--plan", str(path), "--print")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"<!-- reconciler:plan review=sha256:{review} -->\n")
    assert github.requests == []


def test_no_reviewed_plan_or_a_forged_one_is_reported(github: FakeGitHub) -> None:
    github.add_pull(REPO, 13, merge_commit_sha="d" * 40)
    github.add_comment(REPO, 13, "<!-- reconciler:plan review=sha256:" + "e" * 64 + " -->", "mallory")
    result = _invoke("--print-review", "--commit", "d" * 40)
    assert result.exit_code == 1
    assert result.stdout == "pr=13\nreview=\n"
    assert result.stderr == "No reviewed plan found on acme/routes#13: no plan comment with a review fingerprint.\n"
    direct = _invoke("--print-review", "--commit", "f" * 40)
    assert direct.exit_code == 1
    assert direct.stdout == "pr=\nreview=\n"


def test_errors_are_messages_without_the_token(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "ghp_canary_0123456789abcdef"
    monkeypatch.setenv("GITHUB_TOKEN", canary)
    github.add_pull(REPO, 7)
    result = _invoke("--pr", "7", "--body-file", "-", stdin="x")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: GitHub answered GET /repos/acme/routes/issues/7/comments with 401")
    assert canary not in result.output
    monkeypatch.delenv("GITHUB_TOKEN")
    missing = _invoke("--pr", "7", "--body-file", "-", stdin="x")
    assert missing.exit_code == 1
    assert "No GitHub token: set GITHUB_TOKEN" in missing.stderr


def test_exactly_one_body_source_is_required(github: FakeGitHub) -> None:
    result = _invoke("--pr", "7")
    assert result.exit_code == 1
    assert result.stderr == "Error: pass exactly one of --body-file FILE (or - for stdin) and --plan plan.json\n"
