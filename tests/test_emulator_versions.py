"""The version rule end to end over a real socket: only PUT with version == live + 1 is accepted."""

from __future__ import annotations

import httpx
import pytest

from reconciler.emulator import EmulatorSettings, create_app, serve_in_thread
from tests.emulator_helpers import ADMIN, to_payload

WARNINGS = "/v2/alert_routes/01JQ3ZROUTE000000000000002"  # Production Warnings, live version 4

pytestmark = pytest.mark.slow


def test_put_accepts_only_live_plus_one_and_a_rejection_changes_nothing() -> None:
    app = create_app()
    with serve_in_thread(app) as url, httpx.Client(base_url=url, headers=ADMIN) as client:
        live = client.get(WARNINGS).json()["alert_route"]
        assert live["version"] == 4
        accepted = client.put(WARNINGS, json=to_payload(live, version=5) | {"enabled": False})
        assert accepted.status_code == 200
        assert accepted.json()["alert_route"]["version"] == 5 and accepted.json()["alert_route"]["enabled"] is False
        after_accept = client.get(WARNINGS).content

        for version in (5, 4, 7, 0):  # stale, older, skipped, nonsense
            rejected = client.put(WARNINGS, json=to_payload(live, version=version) | {"name": "Should not land"})
            assert rejected.status_code == 409
            error = rejected.json()["errors"][0]
            assert error["code"] == "conflict" and error["source"] == {"field": "version"}
            assert client.get(WARNINGS).content == after_accept  # byte for byte unchanged

        writes = client.get("/_emulator/writes").json()["writes"]
        assert [(w["method"], w["route_id"], w["version"]) for w in writes] == [("PUT", WARNINGS.rsplit("/", 1)[1], 5)]


def test_the_conflict_status_and_code_are_settings() -> None:
    settings = EmulatorSettings(version_conflict_status=422, version_conflict_code="invalid_value")
    with serve_in_thread(create_app(settings=settings)) as url, httpx.Client(base_url=url, headers=ADMIN) as client:
        live = client.get(WARNINGS).json()["alert_route"]
        rejected = client.put(WARNINGS, json=to_payload(live, version=4))
        assert rejected.status_code == 422
        assert rejected.json()["type"] == "validation_error"
        assert rejected.json()["errors"][0]["code"] == "invalid_value"
