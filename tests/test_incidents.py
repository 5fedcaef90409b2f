"""Incident payloads and names (pure), the incident API calls, and the drift helper: one incident per drift."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.api import IncidentIO, asgi_transport
from reconciler.api import incidents as calls
from reconciler.core.incidents import (
    MODES,
    create_payload,
    default_idempotency_key,
    drift_idempotency_key,
    edit_payload,
    find_id,
    incident_path_id,
    list_params,
    resolve_names,
    stable_hash,
    status_category,
)
from reconciler.emulator import EmulatorSettings, create_app
from reconciler.emulator.incidents import seed_incidents, store
from reconciler.errors import ConfigError

SEVERITIES = [
    {"id": "S3", "name": "Critical", "rank": 3},
    {"id": "S2", "name": "Major", "rank": 2},
    {"id": "S1", "name": "Minor", "rank": 1},
]
text = st.text(max_size=20)


def test_names_resolve_by_id_then_name_then_case() -> None:
    assert find_id("severity", "--severity", "S2", SEVERITIES) == "S2"
    assert find_id("severity", "--severity", "Major", SEVERITIES) == "S2"
    assert find_id("severity", "--severity", "major", SEVERITIES) == "S2"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Crit", "--severity: unknown severity 'Crit'; closest: Critical"),
        ("Majr", "--severity: unknown severity 'Majr'; closest: Major"),
        ("zzz", "--severity: unknown severity 'zzz'; known: Critical, Major, Minor"),
    ],
)
def test_unknown_names_name_the_closest(name: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_names({"severity": SEVERITIES}, [("severity", "--severity", name)])
    assert str(caught.value) == message


def test_every_unknown_name_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_names({"severity": SEVERITIES}, [("severity", "--severity", "x"), ("status", "--status", "y")])
    assert str(caught.value).splitlines() == [
        "--severity: unknown severity 'x'; known: Critical, Major, Minor",
        "--status: unknown status 'y'; no status exists",
    ]


@given(name=text, summary=st.none() | text, mode=st.sampled_from(MODES), vis=st.sampled_from(["public", "private"]))
def test_the_default_key_is_a_stable_function_of_the_inputs(
    name: str, summary: str | None, mode: str, vis: str
) -> None:
    one = create_payload(visibility=vis, mode=mode, name=name, summary=summary)
    two = create_payload(summary=summary, name=name, mode=mode, visibility=vis)
    assert one == two
    assert one["idempotency_key"] == default_idempotency_key(one)
    changed = create_payload(visibility=vis, mode=mode, name=name + "!", summary=summary)
    assert changed["idempotency_key"] != one["idempotency_key"]
    assert create_payload(visibility=vis, name=name, idempotency_key="mine")["idempotency_key"] == "mine"


@given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=6))
def test_stable_hash_ignores_key_order(data: dict[str, int]) -> None:
    assert stable_hash(data) == stable_hash(dict(reversed(list(data.items()))))


@given(text, text)
def test_drift_keys_depend_on_the_fingerprint_only(a: str, b: str) -> None:
    assert drift_idempotency_key(a) == drift_idempotency_key(a)
    assert (drift_idempotency_key(a) == drift_idempotency_key(b)) == (a == b)


def test_bad_create_options() -> None:
    with pytest.raises(ConfigError, match="--visibility"):
        create_payload(visibility="secret")
    with pytest.raises(ConfigError, match="--mode"):
        create_payload(visibility="public", mode="drill")


def test_edit_payload_carries_only_what_was_given() -> None:
    assert edit_payload(severity_id="S1") == {"incident": {"severity_id": "S1"}, "notify_incident_channel": False}
    assert edit_payload(name="n", status_id="T", notify=True) == {
        "incident": {"name": "n", "incident_status_id": "T"},
        "notify_incident_channel": True,
    }
    with pytest.raises(ConfigError, match="nothing to update"):
        edit_payload(notify=True)


@pytest.mark.parametrize(
    ("given_", "path_id"),
    [
        ("INC-123", "123"),
        ("inc-0042", "42"),
        ("123", "123"),
        (" 01FDAG4SAP5TYPT98WGR2N7W91 ", "01FDAG4SAP5TYPT98WGR2N7W91"),
    ],
)
def test_incident_ids(given_: str, path_id: str) -> None:
    assert incident_path_id(given_) == path_id


@pytest.mark.parametrize("bad", ["", "INC-", "a/b", "../x", "INC 1"])
def test_bad_incident_ids(bad: str) -> None:
    with pytest.raises(ConfigError):
        incident_path_id(bad)


def test_list_params_in_deep_object_form() -> None:
    assert list_params(status_categories=["Active", "post-incident", "closed"], modes=["test"]) == {
        "status_category[one_of]": ["live", "learning", "closed"],
        "mode[one_of]": ["test"],
    }
    assert list_params() == {}
    with pytest.raises(ConfigError, match="unknown category 'burning'"):
        status_category("burning")


# The API calls, in-process against the example organisation.


def api_for(app: Any) -> IncidentIO:
    return IncidentIO("http://emulator.test", "example-admin", transport=asgi_transport(app))


def new_app() -> Any:
    return create_app(settings=EmulatorSettings(rate_limit_enabled=False))


def test_drift_incident_is_opened_once_per_fingerprint() -> None:
    app = new_app()

    async def go() -> list[dict[str, Any]]:
        async with api_for(app) as api:
            first = await calls.open_or_update_drift_incident(
                api, fingerprint="abc", title="Routes drifted", summary="1 change", severity="Major", mode="test"
            )
            again = await calls.open_or_update_drift_incident(
                api, fingerprint="abc", title="Routes drifted", summary="2 changes", severity="Major", mode="test"
            )
            other = await calls.open_or_update_drift_incident(api, fingerprint="def", title="Drift", summary="x")
            return [first, again, other]

    first, again, other = asyncio.run(go())
    assert first["id"] == again["id"] != other["id"]
    assert (again["summary"], again["severity"]["name"], again["mode"]) == ("2 changes", "Major", "test")
    assert len(store(app.state.emulator).order) == 2


def test_drift_incident_with_an_unknown_severity() -> None:
    async def go() -> None:
        async with api_for(new_app()) as api:
            await calls.open_or_update_drift_incident(api, fingerprint="a", title="t", summary="s", severity="Sev1")

    with pytest.raises(ConfigError, match="unknown severity 'Sev1'"):
        asyncio.run(go())


def test_list_page_and_walk() -> None:
    app = new_app()
    seed_incidents(app.state.emulator, 30)

    async def go() -> tuple[calls.Page, list[dict[str, Any]]]:
        async with api_for(app) as api:
            page = await calls.list_page(api, page_size=7, params=list_params(status_categories=["live"]))
            walked = [i async for p in calls.iter_incidents(api, page_size=7) for i in p]
            return page, walked

    page, walked = asyncio.run(go())
    assert (len(page.incidents), page.total) == (7, 30)
    assert page.after == page.incidents[-1]["id"]
    assert len({i["id"] for i in walked}) == 30
