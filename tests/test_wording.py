"""One wording across commands (issue 15's list): counts of problems, folder errors, the order of unmanaged routes,
and the API's repeated error messages. Each test pins the exact text a user sees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.api.core import _messages
from reconciler.cli import main
from reconciler.core.outcome import ApplyReport, Outcome, RouteOutcome
from reconciler.core.plan import build_plan, natural_key
from reconciler.model import Action, Catalog, LiveRoute
from reconciler.route import Route

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example routes with one bad file, as the working directory."""
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    (tmp_path / "routes" / "bad.yaml").write_text("name: [x]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def test_validate_and_plan_count_problems_in_the_same_words(broken: Path) -> None:
    located = "routes/bad.yaml:1:7: $.name: expected a string, got a list\n"
    validate = CliRunner().invoke(main, ["validate", "routes"])
    assert (validate.exit_code, validate.stdout, validate.stderr) == (1, located, "1 problem in 1 file.\n")
    plan = CliRunner().invoke(main, ["plan", "--emulator", "--routes", "routes"])
    assert (plan.exit_code, plan.stdout, plan.stderr) == (1, "", located + "1 problem in 1 file.\n")


def test_a_missing_folder_is_named_without_a_json_path(broken: Path) -> None:
    validate = CliRunner().invoke(main, ["validate", "nope"])
    assert (validate.stdout, validate.stderr) == ("nope: no such file or directory\n", "1 problem in 1 file.\n")
    plan = CliRunner().invoke(main, ["plan", "--emulator", "--routes", "nope"])
    assert plan.stderr == "nope: no such file or directory\n1 problem in 1 file.\n"


def test_unmanaged_routes_are_listed_in_natural_order() -> None:
    names = ["route 100", "route 10", "Route 2", "route 1", "route 101", "alpha"]
    live = [LiveRoute(route_id=f"R{i}", version=1, route=Route(name=name)) for i, name in enumerate(names)]
    plan = build_plan([], live, Catalog())
    assert [u.name for u in plan.unmanaged] == ["alpha", "route 1", "Route 2", "route 10", "route 100", "route 101"]
    assert sorted(["v10", "v9", "v9a"], key=natural_key) == ["v9", "v9a", "v10"]


def test_repeated_api_error_messages_name_their_fields_once_each() -> None:
    errors = [
        {"message": "must be a string", "source": {"field": "name"}},
        {"message": "must be a string", "source": {"field": "summary"}},
        {"message": "must be a string", "source": {"field": "summary"}},
    ]
    assert _messages(errors) == ["name: must be a string", "summary: must be a string"]
    assert _messages([{"message": "must be a string", "source": {"field": "name"}}]) == ["must be a string"]
    assert _messages([{"message": "gone"}, {"message": "gone"}]) == ["gone"]


def test_apply_counts_one_write_in_the_singular() -> None:
    one = ApplyReport(outcomes=(RouteOutcome(Action.UPDATE, "A", "R1", Outcome.UPDATED, writes=1),))
    assert (
        one.summary == "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write)."
    )
    two = ApplyReport(outcomes=(RouteOutcome(Action.CREATE, "B", None, Outcome.CHANGED_SINCE_PLAN, writes=2),))
    assert two.summary.endswith("0 already applied, 1 conflict, 0 failed (2 writes).")
