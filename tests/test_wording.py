"""One wording across commands (issue 15's list): counts of problems, folder errors, the order of unmanaged routes,
the API's repeated error messages, "(1 write)", a refused key printed once, --schema on every command that reads
route files, one --format choice for incidents, a deduplicated incident said so, and what /_emulator/reset does.
Each test pins the exact text a user sees."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.api.errors import error_messages
from reconciler.cli import main
from reconciler.core.incidents import existed_before
from reconciler.core.outcome import ApplyReport, Outcome, RouteOutcome
from reconciler.core.plan import build_plan, natural_key
from reconciler.model import Action, Catalog, LiveRoute
from reconciler.render.text import render_apply_report
from reconciler.route import Route
from tests.cli_emulator import REQUEST_ID, Served, invoke, server_fixtures
from tests.emulator_helpers import ADMIN, in_process

REPO = Path(__file__).resolve().parent.parent

module_server, server = server_fixtures([])


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
    assert error_messages(errors) == ["name: must be a string", "summary: must be a string"]
    assert error_messages([{"message": "must be a string", "source": {"field": "name"}}]) == ["must be a string"]
    assert error_messages([{"message": "gone"}, {"message": "gone"}]) == ["gone"]


def test_apply_counts_one_write_in_the_singular() -> None:
    one = ApplyReport(outcomes=(RouteOutcome(Action.UPDATE, "A", "R1", Outcome.UPDATED, writes=1),))
    assert (
        one.summary == "Applied: 0 created, 1 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed (1 write)."
    )
    two = ApplyReport(outcomes=(RouteOutcome(Action.CREATE, "B", None, Outcome.CHANGED_SINCE_PLAN, writes=2),))
    assert two.summary.endswith("0 already applied, 1 conflict, 0 failed (2 writes).")


def test_plan_and_apply_take_schema_as_validate_and_drift_do(broken: Path) -> None:
    (broken / "routes" / "bad.yaml").unlink()
    schema = json.loads((REPO / "schema" / "alert-route.schema.json").read_text(encoding="utf-8"))
    schema["required"] = [*schema.get("required", []), "owner"]  # a team's stricter schema
    (broken / "strict.json").write_text(json.dumps(schema), encoding="utf-8")
    validate = CliRunner().invoke(main, ["validate", "routes", "--schema", "strict.json"])
    assert validate.exit_code == 1 and "owner" in validate.stdout
    for command in ("plan", "apply"):
        result = CliRunner().invoke(main, [command, "--emulator", "--routes", "routes", "--schema", "strict.json"])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", validate.stdout + validate.stderr)
    for command in ("validate", "plan", "apply", "drift"):
        assert "--schema FILE" in CliRunner().invoke(main, [command, "--help"]).stdout


def test_every_incidents_command_offers_the_same_formats() -> None:
    choices = {}
    for command in ("create", "get", "update", "list"):
        text = CliRunner().invoke(main, ["incidents", command, "--help"]).stdout
        choices[command] = re.search(r"--format \[([a-z|]+)\]", text)[1]  # type: ignore[index]
    assert choices == dict.fromkeys(("create", "get", "update", "list"), "text|json")


def test_a_refused_key_on_apply_is_printed_once(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (broken / "routes" / "bad.yaml").unlink()
    monkeypatch.setenv("INCIDENT_IO_API_KEY", "example-readonly")
    result = CliRunner().invoke(main, ["apply", "--emulator", "--routes", "routes", "--auto-approve"])
    refused = (
        "the API key is not allowed to PUT /v3/alert_routes/01JQ3ZROUTE000000000000002 (403, missing_scope): "
        "This API key does not have the alert_route.update scope"
    )
    assert result.exit_code == 1
    assert REQUEST_ID.sub("", result.stdout).endswith(
        f"failed  Production Warnings: {refused}\n"
        "Aborted: the API key was refused (the error above); the run stopped.\n"
        "Applied: 0 created, 0 updated, 0 deleted, 0 already applied, 0 conflicts, 1 failed (1 write).\n"
    )
    # request ids are random hex and may themselves hold "403": count in the text without them
    assert REQUEST_ID.sub("", result.stdout).count("403") == 1


def test_routes_left_when_a_refused_key_stopped_the_run_do_not_repeat_the_error() -> None:
    aborted = "the API key is not allowed (403) (the run stopped)"
    report = ApplyReport(
        outcomes=(
            RouteOutcome(Action.UPDATE, "A", "R1", Outcome.FAILED, "the API key is not allowed (403)", writes=1),
            RouteOutcome(Action.UPDATE, "B", "R2", Outcome.NOT_ATTEMPTED, aborted),
        ),
        aborted=aborted,
    )
    assert render_apply_report(report) == (
        "failed  A: the API key is not allowed (403)\n"
        "not attempted  B: the run stopped at the refused key above\n"
        "Aborted: the API key was refused (the error above); the run stopped.\n"
        "Applied: 0 created, 0 updated, 0 deleted, 0 already applied, 0 conflicts, 1 failed, 1 not attempted "
        "(1 write).\n"
    )


def test_incidents_create_says_when_it_returned_an_existing_incident(server: Served) -> None:
    first = invoke(server, ["incidents", "create", "--name", "Database down", "--visibility", "public"])
    assert (first.exit_code, first.stderr) == (0, "")  # opened now: nothing to say
    store = server.incidents()
    opened = store.incidents[store.order[0]]
    opened["created_at"] = "2026-01-02T03:04:05.000000Z"  # as if a step opened it long ago
    again = invoke(server, ["incidents", "create", "--name", "Database down", "--visibility", "public"])
    assert (again.exit_code, again.stdout) == (0, first.stdout)
    assert again.stderr == (
        "Deduplicated: INC-1 was opened 2026-01-02T03:04:05.000000Z with the same idempotency key; "
        "no new incident was opened.\n"
    )
    other = invoke(
        server, ["incidents", "create", "--name", "Other", "--visibility", "public", "--idempotency-key", "k"]
    )
    reused = invoke(
        server, ["incidents", "create", "--name", "Else", "--visibility", "public", "--idempotency-key", "k"]
    )
    assert (other.stderr, reused.stdout) == ("", other.stdout)
    assert reused.stderr.startswith("Deduplicated: INC-2 was opened 20")
    assert len(store.order) == 2


def test_a_new_incident_is_never_called_deduplicated_for_a_clock_that_runs_ahead() -> None:
    sent = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)
    incident = {"name": "X", "created_at": "2026-12-03T11:59:30Z"}  # incident.io's clock 30 s behind ours
    assert not existed_before(incident, name="X", sent_at=sent)
    assert existed_before({**incident, "created_at": "2026-12-03T11:58:00Z"}, name="X", sent_at=sent)
    assert existed_before(incident, name="Y", sent_at=sent)
    assert not existed_before({"name": "X", "created_at": "garbled"}, name="X", sent_at=sent)


def test_emulator_reset_says_what_it_reset_and_that_it_keeps_the_routes() -> None:
    async def listed(client: Any) -> list[Any]:
        return list((await client.get("/v2/alert_routes", headers=ADMIN)).json()["alert_routes"])

    async def scenario() -> tuple[int, Any, Any, bool]:
        async with in_process() as (client, _app):
            before = await listed(client)
            answer = await client.post("/_emulator/reset")
            requests = (await client.get("/_emulator/requests")).json()
            return answer.status_code, answer.json(), requests, await listed(client) == before != []

    assert asyncio.run(scenario()) == (
        200,
        {
            "reset": ["writes", "requests", "rate_limit_buckets"],
            "kept": ["routes", "incidents", "alerts", "faults", "organisation"],
        },
        {"requests": []},
        True,
    )
