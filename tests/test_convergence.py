"""P1: for random desired and live sets, plan → apply → plan is empty, and a second apply makes zero writes.

Live routes are created through the emulator's API, so they come back in the server's shape: rewritten
operations (`one_of` → `contains_one_of`), labels, and escalation-path targets echoed into `users`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.api import IncidentIO, RetryPolicy, asgi_transport
from reconciler.core.plan import build_plan
from reconciler.emulator import create_app
from reconciler.emulator.validation import validate_route_payload
from reconciler.files.decode import decode_route
from reconciler.files.encode import encode as encode_file
from reconciler.files.load import dump_route, load_route_bytes
from reconciler.model import Catalog
from reconciler.run import live
from reconciler.run.apply import apply_plan
from reconciler.run.fetch import read_catalog
from reconciler.wire import decode, encode
from tests.strategies import route_payloads, stored


async def _no_sleep(_: float) -> None:
    return None


NAMES = [f"Route {c}" for c in "ABCDEFGH"] + ["Production Warnings", "Informational"]
STATE = create_app().state.emulator.state


def _client(app: Any) -> IncidentIO:
    return IncidentIO(
        "http://emulator.invalid",
        "example-admin",
        transport=asgi_transport(app),
        retry=RetryPolicy(sleep=_no_sleep),
        route_api="v2",  # the emulator's alert-route API
    )


async def _emulator_catalog() -> Catalog:
    async with _client(create_app()) as api:
        return await read_catalog(api, slack_channels={})


# Routes are drawn from the catalog the plan reads, so that every id they hold has a name to write in a route file.
CATALOG = asyncio.run(_emulator_catalog())


def as_client_sends(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """Defaults filled, and `contains_one_of` written as `one_of` again: the server must rewrite it back."""
    filled = encode(decode(stored({**payload, "name": name}, CATALOG), "v2"), "v2")
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


payloads = st.builds(as_client_sends, route_payloads(CATALOG), st.sampled_from(NAMES))
route_sets = st.lists(payloads.filter(valid), max_size=6, unique_by=lambda p: p["name"])


def as_file(payload: dict[str, Any], index: int, catalog: Catalog) -> Any:
    """The route file `reconciler export` writes for `payload`, read back as git declares it."""
    route = decode(stored(payload, catalog), "v2")
    text = dump_route(encode_file(route, catalog))
    desired, problems = decode_route(load_route_bytes(text.encode(), f"routes/{index}.yaml"), catalog)
    assert problems == [] and desired is not None and desired.route == route
    return desired


async def converge(live_payloads: list[dict[str, Any]], desired_payloads: list[dict[str, Any]]) -> None:
    app = create_app()
    log = app.state.emulator.write_log
    async with _client(app) as api:
        for payload in live_payloads:
            if payload["name"] not in ("Production Warnings", "Informational"):  # those two exist already
                await api.create_alert_route(payload)
        catalog = await read_catalog(api, slack_channels={})
        assert catalog == CATALOG
        desired = [as_file(p, i, catalog) for i, p in enumerate(desired_payloads)]
        plan = build_plan(desired, await live.read_all(api), catalog, prune=True, force=True, api_version="v2")
        before = len(log)
        report = await apply_plan(plan, api)
        assert report.ok, report
        assert len(log) - before == len(plan.changes)  # exactly one write per change

        replan = build_plan(desired, await live.read_all(api), catalog, prune=True, force=True, api_version="v2")
        assert replan.empty, [(c.action, c.name, c.fields) for c in replan.changes]
        before = len(log)
        second = await apply_plan(replan, api)
        assert second.writes == 0 and len(log) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(live=route_sets, want=route_sets)
def test_plan_apply_plan_is_empty(live: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    asyncio.run(converge(live, want))
