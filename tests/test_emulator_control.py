"""Runtime control of the rate limit (`/_emulator/rate_limit`): what benchmarks and tests switch without a restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.emulator import EmulatorSettings
from reconciler.emulator.settings import rate_limit_from_dict, rate_limit_to_dict
from tests.emulator_helpers import ADMIN, in_process


async def _statuses(body: dict[str, Any], requests: int) -> tuple[int, dict[str, Any], list[int], dict[str, str]]:
    async with in_process() as (client, _app):
        changed = await client.post("/_emulator/rate_limit", json=body)
        shown = (await client.get("/_emulator/rate_limit")).json()
        statuses = []
        headers: dict[str, str] = {}
        for _ in range(requests):
            response = await client.get("/v1/severities", headers=ADMIN)
            statuses.append(response.status_code)
            headers = dict(response.headers)
        return changed.status_code, shown, statuses, headers


def test_defaults_are_shown() -> None:
    assert rate_limit_to_dict(EmulatorSettings()) == {
        "enabled": True,
        "per_minute": 1200,
        "initial_tokens": None,
        "retry_after_format": "seconds",
    }


def test_an_empty_bucket_set_at_runtime_answers_429_at_once() -> None:
    status, shown, statuses, headers = asyncio.run(_statuses({"initial_tokens": 0, "per_minute": 60}, 1))
    assert status == 200
    assert shown == {"enabled": True, "per_minute": 60, "initial_tokens": 0.0, "retry_after_format": "seconds"}
    assert statuses == [429]
    assert headers["x-ratelimit-limit"] == "60, 60;window=60"
    assert headers["retry-after"] == "1"


def test_a_small_starting_level_lets_exactly_that_many_through() -> None:
    _, _, statuses, _ = asyncio.run(_statuses({"initial_tokens": 3, "per_minute": 60}, 5))
    assert statuses == [200, 200, 200, 429, 429]


def test_disabling_the_limit_at_runtime_drops_the_headers_and_the_429s() -> None:
    _, shown, statuses, headers = asyncio.run(_statuses({"enabled": False, "initial_tokens": 0}, 3))
    assert shown["enabled"] is False
    assert statuses == [200, 200, 200]
    assert "x-ratelimit-remaining" not in headers


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"bogus": 1}, "unknown rate-limit setting"),
        ({"enabled": "yes"}, "enabled must be"),
        ({"per_minute": 0}, "per_minute must be"),
        ({"per_minute": True}, "per_minute must be"),
        ({"initial_tokens": -1}, "initial_tokens must be"),
        ({"retry_after_format": "minutes"}, "retry_after_format must be"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(body: dict[str, Any], fragment: str) -> None:
    async def run() -> tuple[int, str, dict[str, Any]]:
        async with in_process() as (client, _app):
            response = await client.post("/_emulator/rate_limit", json=body)
            shown = (await client.get("/_emulator/rate_limit")).json()
            return response.status_code, response.json()["errors"][0]["message"], shown

    status, message, shown = asyncio.run(run())
    assert status == 400
    assert fragment in message
    assert shown == rate_limit_to_dict(EmulatorSettings())


@given(
    enabled=st.booleans(),
    per_minute=st.integers(1, 100_000),
    initial=st.none() | st.floats(0, 1e6, allow_nan=False),
    form=st.sampled_from(["seconds", "http-date"]),
)
def test_settings_round_trip(enabled: bool, per_minute: int, initial: float | None, form: str) -> None:
    data = {"enabled": enabled, "per_minute": per_minute, "initial_tokens": initial, "retry_after_format": form}
    assert rate_limit_to_dict(rate_limit_from_dict(EmulatorSettings(), data)) == data


def test_the_organisation_can_be_changed_at_runtime() -> None:
    async def run() -> list[tuple[int, Any]]:
        async with in_process() as (client, _app):
            out = [(200, (await client.get("/_emulator/organisation")).json())]
            for body in ({"v3_migrated": False}, {"bogus": True}, {"severity_required": "yes"}, [1]):
                response = await client.post("/_emulator/organisation", json=body)
                out.append((response.status_code, response.json()))
            v3 = await client.get("/v3/alert_routes", headers=ADMIN)
            out.append((v3.status_code, v3.json()["errors"][0]["code"]))
            return out

    shown, migrated, bogus, wrong_type, not_an_object, v3 = asyncio.run(run())
    assert shown == (200, {"v3_migrated": True, "severity_required": False})
    assert migrated == (200, {"v3_migrated": False, "severity_required": False})
    assert bogus[0] == 400 and bogus[1]["errors"][0]["message"].startswith("unknown organisation setting(s): bogus")
    assert (
        wrong_type[0] == 400
        and "organisation.severity_required must be true or false" in wrong_type[1]["errors"][0]["message"]
    )
    assert not_an_object[0] == 400
    assert v3 == (403, "api_not_yet_available")  # the refused changes left the first one in place
