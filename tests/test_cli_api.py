"""`reconciler api METHOD PATH`: any request through the client, pretty JSON out, errors in plain words."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.cli_emulator import Served, invoke, key_for_missing, server_fixtures, stable

module_server, server = server_fixtures(["incidents.create"])


def test_get_prints_pretty_json(server: Served) -> None:
    result = invoke(server, ["api", "GET", "/v1/severities"])
    assert result.exit_code == 0
    expected = {"severities": list(server.emu.state.severities.values())}
    assert json.loads(result.stdout) == expected
    assert result.stdout == json.dumps(expected, indent=2) + "\n"


def test_query_parameters_repeat(server: Served) -> None:
    result = invoke(
        server,
        ["api", "get", "/v2/incidents", "--query", "page_size=5", "--query", "status_category[one_of]=live",
         "--query", "status_category[one_of]=triage"],
    )  # fmt: skip
    assert result.exit_code == 0
    assert json.loads(result.stdout)["pagination_meta"] == {"page_size": 5, "total_record_count": 0}
    query = server.emu.request_log[-1]["query"]
    assert query == "page_size=5&status_category%5Bone_of%5D=live&status_category%5Bone_of%5D=triage"


def test_post_with_data_from_a_file(server: Served, tmp_path: Path) -> None:
    body = tmp_path / "incident.json"
    body.write_text(json.dumps({"idempotency_key": "api-1", "visibility": "public", "name": "From a file"}))
    first = invoke(server, ["api", "POST", "/v2/incidents", "--data", f"@{body}"])
    again = invoke(server, ["api", "POST", "/v2/incidents", "--data", body.read_text()])
    assert first.exit_code == again.exit_code == 0
    assert json.loads(first.stdout)["incident"]["name"] == "From a file"
    assert first.stdout == again.stdout
    assert len(server.incidents().order) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "{nope"], "Error: --data: not valid JSON: Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1)\n"),
        (["--data", "@/nonexistent/file.json"], "Error: --data: cannot read /nonexistent/file.json: "
         "No such file or directory\n"),
        (["--query", "novalue"], "Error: --query: expected KEY=VALUE, got 'novalue'\n"),
    ],
)  # fmt: skip
def test_bad_options(server: Served, args: list[str], message: str) -> None:
    result = invoke(server, ["api", "POST", "/v2/incidents", *args])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert server.emu.request_log == []


def test_path_must_be_absolute(server: Served) -> None:
    result = invoke(server, ["api", "GET", "v1/severities"])
    assert result.stderr == "Error: PATH must start with '/', like /v1/severities; got 'v1/severities'\n"


def test_errors_are_printed_cleanly(server: Served) -> None:
    denied = invoke(server, ["api", "POST", "/v2/incidents", "--data", "{}"], key=key_for_missing("incidents.create"))
    assert (denied.exit_code, denied.stdout) == (1, "")
    assert stable(denied.stderr) == (
        "Error: the API key is not allowed to POST /v2/incidents (403, missing_scope): "
        "This API key does not have the incidents.create scope\n"
    )
    invalid = invoke(server, ["api", "POST", "/v2/incidents", "--data", "{}"])
    assert stable(invalid.stderr) == (
        "Error: incident.io rejected POST /v2/incidents (422, is_required) (field idempotency_key): "
        "idempotency_key is required\n"
    )
    bad_key = invoke(server, ["api", "GET", "/v1/severities"], key="not-a-real-key")
    assert stable(bad_key.stderr) == (
        "Error: incident.io rejected the API key for GET /v1/severities (401): it is invalid or revoked; "
        "create a new one in incident.io under Settings > API keys\n"
    )
    no_key = invoke(server, ["api", "GET", "/v1/severities"], key=None)
    assert no_key.stderr == "Error: No valid API key available: set INCIDENT_IO_API_KEY\n"


def test_a_failing_write_is_sent_once_and_a_failing_read_is_retried(server: Served) -> None:
    server.emu.set_faults(dataclasses.replace(server.emu.faults.profile, error_before_commit=1.0, error_status=503))
    write = invoke(
        server, ["api", "POST", "/v2/incidents", "--data", '{"idempotency_key": "k", "visibility": "public"}']
    )
    assert write.exit_code == 1
    assert stable(write.stderr) == (
        "Error: incident.io answered POST /v2/incidents with 503: it may be having issues; "
        "check https://status.incident.io, retry later\n"
    )
    assert len(server.emu.request_log) == 1  # a write whose outcome is unknown is never resent blindly
    server.emu.set_faults(dataclasses.replace(server.emu.faults.profile, hang=1.0, hang_seconds=0.0))
    read = invoke(server, ["api", "GET", "/v1/severities"])
    assert read.exit_code == 1
    assert len(server.emu.request_log) == 1 + 5
