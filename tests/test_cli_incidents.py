"""`reconciler incidents create|get|update|list` against a served emulator: exact output and exit codes."""

from __future__ import annotations

import json

import pytest

from reconciler.cli.common import EXIT_USAGE
from reconciler.emulator.incidents import seed_incidents
from tests.cli_emulator import Served, invoke, key_for_missing, server_fixtures, stable

CREATE = [
    "incidents",
    "create",
    "--name",
    "Database down",
    "--summary",
    "Primary unreachable",
    "--severity",
    "Critical",
    "--status",
    "Fixing",
    "--type",
    "Production Outage",
    "--visibility",
    "public",
]
DESCRIBED = """\
INC-1  Database down
status:     Fixing (live)
severity:   Critical
type:       Production Outage
mode:       standard, public
id:         01KINC00000000000000000001
summary:    Primary unreachable
link:       https://app.incident.io/example/incidents/1
"""

module_server, server = server_fixtures(["incidents.create", "incidents.edit"])


def status_id(server: Served, name: str) -> str:
    """A status of the example organisation by name."""
    return next(i for i, s in server.emu.state.incident_statuses.items() if s["name"] == name)


def test_create_prints_the_incident(server: Served) -> None:
    result = invoke(server, CREATE)
    assert (result.exit_code, result.stdout, result.stderr) == (0, DESCRIBED, "")


def test_the_same_inputs_twice_open_one_incident(server: Served) -> None:
    first = invoke(server, CREATE)
    second = invoke(server, CREATE)
    assert first.stdout == second.stdout == DESCRIBED
    assert len(server.incidents().order) == 1
    assert [w["method"] for w in server.emu.write_log] == ["POST"]
    other = invoke(server, [*CREATE[:3], "Database slow", *CREATE[4:]])
    assert other.stdout.startswith("INC-2  Database slow\n")


def test_the_same_explicit_key_twice_opens_one_incident(server: Served) -> None:
    invoke(server, [*CREATE, "--idempotency-key", "deploy-42"])
    again = invoke(
        server, ["incidents", "create", "--name", "Other", "--visibility", "private", "--idempotency-key", "deploy-42"]
    )
    assert again.exit_code == 0
    assert again.stdout == DESCRIBED
    assert len(server.incidents().order) == 1


def test_unknown_names_are_all_reported_with_the_closest(server: Served) -> None:
    args = [*CREATE]
    args[args.index("Critical")] = "Crit"
    args[args.index("Fixing")] = "fixin"
    args[args.index("Production Outage")] = "Nothing like it"
    result = invoke(server, args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: --severity: unknown severity 'Crit'; closest: Critical\n"
        "--status: unknown status 'fixin'; closest: Fixing\n"
        "--type: unknown type 'Nothing like it'; known: Default, Production Outage\n"
    )
    assert server.incidents().order == []


def test_create_without_the_scope(server: Served) -> None:
    result = invoke(server, CREATE, key=key_for_missing("incidents.create"))
    assert result.exit_code == 1
    assert stable(result.stderr) == (
        "Error: the API key is not allowed to POST /v2/incidents (403, missing_scope): "
        "This API key does not have the incidents.create scope\n"
    )


@pytest.mark.parametrize("ident", ["INC-1", "inc-1", "1", "01KINC00000000000000000001"])
def test_get_by_reference_number_or_id(server: Served, ident: str) -> None:
    invoke(server, CREATE)
    result = invoke(server, ["incidents", "get", ident])
    assert (result.exit_code, result.stdout) == (0, DESCRIBED)


def test_get_json_and_missing(server: Served) -> None:
    invoke(server, CREATE)
    result = invoke(server, ["incidents", "get", "INC-1", "--format", "json"])
    assert json.loads(result.stdout)["reference"] == "INC-1"
    missing = invoke(server, ["incidents", "get", "INC-9"])
    assert missing.exit_code == 1
    assert stable(missing.stderr) == "Error: GET /v2/incidents/9 found nothing (404): The incident was not found\n"
    bad = invoke(server, ["incidents", "get", "INC-x/../1"])
    assert bad.stderr == "Error: not an incident id or reference: 'INC-x/../1' (use the full id, INC-123 or 123)\n"


def test_update_changes_the_given_fields_and_notifies_slack(server: Served) -> None:
    invoke(server, CREATE)
    result = invoke(
        server, ["incidents", "update", "INC-1", "--severity", "Minor", "--status", "Documenting", "--notify-slack"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        DESCRIBED.replace("Fixing (live)", "Documenting (learning)").replace("Critical", "Minor")
        + "Notified the incident's Slack channel.\n"
    )
    [note] = server.incidents().notifications
    assert (note["reference"], note["changed"]) == ("INC-1", ["incident_status", "severity"])
    quiet = invoke(server, ["incidents", "update", "1", "--summary", "Recovered"])
    assert quiet.exit_code == 0
    assert len(server.incidents().notifications) == 1


def test_update_refuses_a_transition_the_api_forbids(server: Served) -> None:
    invoke(server, CREATE)
    invoke(server, ["incidents", "update", "INC-1", "--status", "Closed"])
    result = invoke(server, ["incidents", "update", "INC-1", "--status", "Investigating"])
    assert result.exit_code == 1
    assert stable(result.stderr) == (
        "Error: incident.io rejected POST /v2/incidents/1/actions/edit (422, invalid_value) "
        "(field incident.incident_status_id): cannot move an incident from a closed status to a live status\n"
    )


def test_update_with_nothing_to_change(server: Served) -> None:
    result = invoke(server, ["incidents", "update", "INC-1", "--notify-slack"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: nothing to update: give at least one of --name, --summary, --severity, --status\n"
    assert server.emu.request_log == []


def test_list_all_follows_every_page_and_filters_by_category(server: Served) -> None:
    seed_incidents(server.emu, 600, status_id=status_id(server, "Investigating"))
    seed_incidents(server.emu, 40, status_id=status_id(server, "Triage"))
    result = invoke(server, ["incidents", "list", "--status-category", "active", "--all", "--format", "json"])
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert len(found) == len({i["id"] for i in found}) == 600
    assert {i["incident_status"]["category"] for i in found} == {"live"}
    pages = [r for r in server.emu.request_log if r["path"] == "/v2/incidents"]
    assert len(pages) == 24  # 600 / the default page size of 25, the last page carries no cursor
    assert all("status_category%5Bone_of%5D=live" in r["query"] for r in pages)


def test_list_one_page_as_a_table(server: Served) -> None:
    seed_incidents(server.emu, 3, status_id=status_id(server, "Investigating"))
    seed_incidents(server.emu, 2, status_id=status_id(server, "Triage"))
    result = invoke(server, ["incidents", "list", "--page-size", "2"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Reference", "Status", "Severity", "Name", "Created"]
    assert [line.split()[:4] for line in lines[1:3]] == [
        ["INC-5", "Triage", "(triage)", "-"],
        ["INC-4", "Triage", "(triage)", "-"],
    ]
    assert lines[3] == "2 of 5 incidents (--all lists every page)."
    everything = invoke(server, ["incidents", "list", "--all", "--page-size", "2", "--status-category", "triage"])
    assert everything.stdout.splitlines()[-1] == "2 incidents."


def test_list_rejects_an_unknown_category(server: Served) -> None:
    result = invoke(server, ["incidents", "list", "--status-category", "burning"])
    assert result.exit_code == EXIT_USAGE  # a usage error, not "changes pending"
    assert "Invalid value for '--status-category'" in result.stderr
