"""`reconciler check` against a served emulator: the table, each failure in the user's words, and exit codes."""

from __future__ import annotations

import dataclasses

import pytest

import reconciler.run.probes
from reconciler.run.probes import PROBES
from tests.cli_emulator import ADMIN, Served, invoke, key_for_missing, server_fixtures, stable

PROBED = [p.scope for p in PROBES]

ALL_OK = """\
Scope                   Status  Needed for
severities.view         ok      severity names (routes, incidents)
alert_routes.view       ok      reading live routes (plan, drift)
alert_sources.view      ok      alert source names
alert_schema.view       ok      alert attribute names
escalation_paths.view   ok      escalation path names
incident_types.view     ok      incident type names (routes, incidents)
incident_statuses.view  ok      incident status names
custom_fields.view      ok      custom field names
users.view              ok      user emails in escalation targets
catalog_entries.view    ok      team names
alerts.view             ok      recent alerts (plan --replay)
incidents.view          ok      incidents get and list
incidents.create        ok      incidents create, drift --open-incident
incidents.edit          ok      incidents update
alert_route.create      ok      apply: new routes
alert_route.update      ok      apply: changed routes
alert_route.destroy     ok      apply: deleted routes
The API key has every scope reconciler needs.
"""

module_server, server = server_fixtures(PROBED)


def test_every_scope_present(server: Served) -> None:
    result = invoke(server, ["check"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, ALL_OK, "")
    assert server.incidents().order == []  # the write probes changed nothing
    assert server.emu.write_log == []


def test_for_incidents_probes_only_what_incidents_need(server: Served) -> None:
    result = invoke(server, ["check", "--for", "incidents"])
    assert result.exit_code == 0
    assert result.stdout == (
        "Scope                   Status  Needed for\n"
        "severities.view         ok      severity names (routes, incidents)\n"
        "incident_types.view     ok      incident type names (routes, incidents)\n"
        "incident_statuses.view  ok      incident status names\n"
        "incidents.view          ok      incidents get and list\n"
        "incidents.create        ok      incidents create, drift --open-incident\n"
        "incidents.edit          ok      incidents update\n"
        "The API key has every scope `reconciler incidents` needs.\n"
    )
    paths = [r["path"] for r in server.emu.request_log]
    assert paths[0] == "/v1/severities"  # the key is proved first
    assert "/v2/alert_routes" not in paths


def test_for_replay_probes_plan_and_alerts(server: Served) -> None:
    result = invoke(server, ["check", "--for", "replay"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        "alerts.view            ok      recent alerts (plan --replay)",
        "The API key has every scope `reconciler plan --replay` needs.",
    ]
    assert [line.split()[0] for line in lines[1:-1]] == [p.scope for p in PROBES if p.used_by & {"plan", "replay"}]


def test_no_key(server: Served) -> None:
    result = invoke(server, ["check"], key=None)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: No valid API key available: set INCIDENT_IO_API_KEY\n"
    assert server.emu.request_log == []


def test_invalid_key(server: Served) -> None:
    result = invoke(server, ["check", "--for", "plan"], key="not-a-real-key")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: incident.io rejected the API key (GET /v1/severities answered 401): it is invalid or revoked.\n"
        "Create a new key in incident.io under Settings > API keys with these scopes: severities.view, "
        "alert_routes.view, alert_sources.view, alert_schema.view, escalation_paths.view, incident_types.view, "
        "custom_fields.view, users.view, catalog_entries.view; then set INCIDENT_IO_API_KEY to it.\n"
    )
    assert len(server.emu.request_log) == 1  # nothing else is tried with a key that does not work


def test_forbidden_severities(server: Served) -> None:
    result = invoke(server, ["check", "--for", "incidents"], key=key_for_missing("severities.view"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == "severities.view         missing  severity names (routes, incidents)"
    assert result.stderr == (
        "Error: the API key lacks read access to severities (GET /v1/severities answered 403); reconciler needs "
        "read access to severities, statuses, types and incidents.\n"
        "Missing scopes for `reconciler incidents`: severities.view. Add them to the key, or create a new key under "
        "Settings > API keys with them.\n"
    )


@pytest.mark.parametrize("scope", [s for s in PROBED if s != "severities.view"])
def test_each_missing_scope_is_named(server: Served, scope: str) -> None:
    result = invoke(server, ["check"], key=key_for_missing(scope))
    assert result.exit_code == 1
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:] if line.count("  ")}
    assert rows[scope] == "missing"
    assert [s for s, state in rows.items() if state == "missing"] == [scope]
    assert result.stderr == (
        f"Missing scopes for reconciler: {scope}. Add them to the key, or create a new key under "
        "Settings > API keys with them.\n"
    )


def test_a_scope_another_command_needs_does_not_fail_plan(server: Served) -> None:
    result = invoke(server, ["check", "--for", "plan"], key=key_for_missing("incidents.create"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith("The API key has every scope `reconciler plan` needs.\n")


def test_read_only_key_lacks_the_incident_writes(server: Served) -> None:
    result = invoke(server, ["check", "--for", "incidents"], key="test-readonly")
    assert result.exit_code == 1
    assert "incidents.create        missing  incidents create, drift --open-incident" in result.stdout
    assert result.stderr.startswith("Missing scopes for `reconciler incidents`: incidents.create, incidents.edit.")


def test_server_errors_after_the_clients_retries(server: Served) -> None:
    server.emu.set_faults(dataclasses.replace(server.emu.faults.profile, hang=1.0, hang_seconds=0.0))
    result = invoke(server, ["check"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: incident.io may be having issues: GET /v1/severities answered 504 after 5 attempts.\n"
        "Check its status page (https://status.incident.io) and retry later.\n"
    )
    assert [r["status"] for r in server.emu.request_log] == [504] * 5


def test_other_client_errors_name_the_request_and_field(server: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tuple(
        dataclasses.replace(p, params={"page_size": 0}) if p.scope == "alert_routes.view" else p for p in PROBES
    )
    monkeypatch.setattr(reconciler.run.probes, "PROBES", broken)
    result = invoke(server, ["check", "--for", "plan"], key=ADMIN)
    assert result.exit_code == 1
    assert "alert_routes.view      failed  reading live routes (plan, drift)" in result.stdout
    assert stable(result.stderr) == (
        "Error: incident.io rejected GET /v2/alert_routes (422, invalid_value) (field page_size): "
        "page_size must be an integer between 1 and 50\n"
    )


def test_the_key_never_appears_in_output(server: Served) -> None:
    for key in ("not-a-real-key", key_for_missing("severities.view"), ADMIN):
        result = invoke(server, ["check"], key=key)
        assert key not in result.output
