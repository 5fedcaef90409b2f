"""The emulator's alerts: events in (token auth, metadata → attributes, deduplication), the example week, filters."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.emulator import load_state
from reconciler.emulator.alert_seed import seed_week
from reconciler.emulator.alert_store import AlertStore
from reconciler.emulator.alerts import alert_store
from reconciler.emulator.scopes import ALL_SCOPES, ApiKey
from tests.emulator_helpers import ADMIN, in_process

PROD = "01JQ3ZSRC00000000000000001"  # Alertmanager (Production)
STAGING = "01JQ3ZSRC00000000000000003"
SEVERITY = "01JQ3ZATTRSEV0000000000001"


def _send(client: Any, source: str, body: dict[str, Any], **kwargs: Any) -> Any:
    params = kwargs.pop("params", {"token": f"example-token-{source}"})
    return client.post(f"/v2/alert_events/http/{source}", json=body, params=params, **kwargs)


def test_events_become_alerts_deduplicated_per_source() -> None:
    async def scenario() -> None:
        async with in_process() as (client, app):
            state = app.state.emulator.state
            before = len(alert_store(state).order)
            metadata = {"severity": "warning", SEVERITY: "critical", "team": ["a"], "branch": ["x", "y"]}
            first = {"title": "A", "status": "firing", "deduplication_key": "k", "metadata": metadata}
            assert (await _send(client, PROD, first)).status_code == 202
            assert (await _send(client, PROD, first | {"status": "resolved", "metadata": {}})).status_code == 202
            basic = {"Authorization": "Basic " + base64.b64encode(f"x:example-token-{STAGING}".encode()).decode()}
            assert (await _send(client, STAGING, first, params={}, headers=basic)).status_code == 202
            store = alert_store(state)
            assert len(store.order) == before + 2  # the second event updated the first alert
            prod = store.alerts[store.by_dedup[(PROD, "k")]]
            assert (prod["status"], prod["attributes"], "resolved_at" in prod) == ("resolved", [], True)
            staging = store.alerts[store.by_dedup[(STAGING, "k")]]
            # the attribute's id wins over its name; keys naming no attribute are dropped; lists are array values
            assert {e["attribute"]["name"]: e.get("value") or e.get("array_value") for e in staging["attributes"]} == {
                "severity": {"label": "critical", "literal": "critical"},
                "branch": [{"label": "x", "literal": "x"}, {"label": "y", "literal": "y"}],
            }

    asyncio.run(scenario())


def test_wrong_token_and_missing_scope_are_refused() -> None:
    async def scenario() -> None:
        state = load_state()
        state.keys["no-alerts"] = ApiKey("no-alerts", "No alerts", frozenset(set(ALL_SCOPES) - {"alerts.view"}))
        async with in_process(state) as (client, _app):
            body = {"title": "A", "status": "firing"}
            assert (await _send(client, PROD, body, params={"token": "example-admin"})).status_code == 401
            assert (await _send(client, PROD, body, params={})).status_code == 401
            refused = await client.get("/v2/alerts", headers={"Authorization": "Bearer no-alerts"})
            assert (refused.status_code, refused.json()["errors"][0]["code"]) == (403, "missing_scope")

    asyncio.run(scenario())


def test_the_example_week_is_deterministic_and_within_seven_days() -> None:
    now = datetime(2026, 1, 8, 12, tzinfo=UTC)
    a, b = AlertStore(), AlertStore()
    count = seed_week(load_state(), a, now)
    assert count == seed_week(load_state(), b, now) == len(a.order)
    assert [a.alerts[i]["title"] for i in a.order] == [b.alerts[i]["title"] for i in b.order]
    times = [datetime.fromisoformat(a.alerts[i]["created_at"]) for i in a.order]
    assert times == sorted(times) and now - timedelta(days=7) < times[0] and times[-1] < now
    severities = Counter(
        next((e["value"]["literal"] for e in alert["attributes"]), None)
        for alert in a.alerts.values()
        if alert["alert_source_id"] == PROD
    )
    assert set(severities) == {"critical", "warning", "info", None} and severities["info"] > 100


def test_created_at_and_status_filters_select_exactly() -> None:
    async def scenario() -> None:
        async with in_process() as (client, app):
            store = alert_store(app.state.emulator.state)
            middle = store.alerts[store.order[len(store.order) // 2]]["created_at"]
            newer = [i for i in store.order if store.alerts[i]["created_at"] >= middle]
            seen: list[str] = []
            after = None
            while True:
                params = {"page_size": 50, "created_at[gte]": middle} | ({"after": after} if after else {})
                page = (await client.get("/v2/alerts", headers=ADMIN, params=params)).json()
                seen += [a["id"] for a in page["alerts"]]
                after = page["pagination_meta"].get("after")
                if not after:
                    break
            assert seen == newer[::-1]
            firing = (
                await client.get("/v2/alerts", headers=ADMIN, params={"page_size": 50, "status[one_of]": "firing"})
            ).json()
            assert {a["status"] for a in firing["alerts"]} == {"firing"}

    asyncio.run(scenario())
