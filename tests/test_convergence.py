"""P1: for random desired and live sets, plan → apply → plan is empty, and a second apply makes zero writes.

Live routes are created through the emulator's API, so they come back in the server's shape: rewritten
operations (`one_of` → `contains_one_of`), labels, and escalation-path targets echoed into `users`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reconciler.document import to_document
from reconciler.normalize import canonicalize
from reconciler.resolve import DesiredRoute
from strategies import EXAMPLE_CATALOG, route_payloads

from reconciler.api import IncidentIO, RetryPolicy, asgi_transport
from reconciler.core.plan import build_plan
from reconciler.emulator import create_app
from reconciler.emulator.validation import validate_route_payload
from reconciler.run.apply import apply_plan
from reconciler.run.fetch import read_catalog, read_live_routes


async def _no_sleep(_: float) -> None:
    return None


NAMES = [f"Route {c}" for c in "ABCDEFGH"] + ["Production Warnings", "Informational"]
STATE = create_app().state.emulator.state


def as_client_sends(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """Defaults filled, and `contains_one_of` written as `one_of` again: the server must rewrite it back."""
    filled = canonicalize({**payload, "name": name}, EXAMPLE_CATALOG)
    return unrewrite(filled)  # type: ignore[no-any-return]


def unrewrite(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("one_of" if k == "operation" and v == "contains_one_of" else unrewrite(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [unrewrite(v) for v in value]
    return value


def valid(payload: dict[str, Any]) -> bool:
    return not validate_route_payload(payload, STATE, update=False)


payloads = st.builds(as_client_sends, route_payloads(EXAMPLE_CATALOG), st.sampled_from(NAMES))
route_sets = st.lists(payloads.filter(valid), max_size=6, unique_by=lambda p: p["name"])


async def converge(live_payloads: list[dict[str, Any]], desired_payloads: list[dict[str, Any]]) -> None:
    app = create_app()
    log = app.state.emulator.write_log
    async with IncidentIO(
        "http://emulator.invalid", "example-admin", transport=asgi_transport(app), retry=RetryPolicy(sleep=_no_sleep)
    ) as api:
        for payload in live_payloads:
            if payload["name"] not in ("Production Warnings", "Informational"):  # those two exist already
                await api.create_alert_route(payload)
        catalog = await read_catalog(api, slack_channels={})
        desired = [
            DesiredRoute(
                name=p["name"],
                source=f"routes/{i}.yaml",
                pinned_id=None,
                protect=False,
                payload=canonicalize(p, catalog),
                document=to_document(p, catalog, name=p["name"]),
            )
            for i, p in enumerate(desired_payloads)
        ]
        plan = build_plan(desired, await read_live_routes(api), catalog, prune=True, force=True)
        before = len(log)
        report = await apply_plan(plan, api)
        assert report.ok, report
        assert len(log) - before == len(plan.changes)  # exactly one write per change

        replan = build_plan(desired, await read_live_routes(api), catalog, prune=True, force=True)
        assert replan.empty, [(c.action, c.name, c.fields) for c in replan.changes]
        before = len(log)
        second = await apply_plan(replan, api)
        assert second.writes == 0 and len(log) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(live=route_sets, want=route_sets)
def test_plan_apply_plan_is_empty(live: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    asyncio.run(converge(live, want))
