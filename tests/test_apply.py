"""Apply against the in-process emulator: version-pinned writes and the retry matrix of RELIABILITY.md §1.4."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.api import IncidentIO, RetryPolicy, asgi_transport
from reconciler.core.outcome import ApplyReport, Outcome
from reconciler.emulator import FaultProfile, create_app
from reconciler.model import Action, Catalog, Plan
from reconciler.route import Grouping
from reconciler.run.apply import apply_plan
from reconciler.run.pipeline import build_plan_from_repo
from reconciler.wire import decode, encode

REPO = Path(__file__).resolve().parent.parent
URL = "http://emulator.invalid"


async def _no_sleep(_: float) -> None:
    return None


FAST = RetryPolicy(sleep=_no_sleep, attempts=8)


@pytest.fixture
def routes(tmp_path: Path) -> Path:
    target = tmp_path / "routes"
    shutil.copytree(REPO / "routes", target)
    return target


@pytest.fixture
def app() -> Iterator[Any]:
    yield create_app()


def client(app: Any, key: str = "example-admin") -> IncidentIO:
    # The emulator speaks the v2 alert-route API; the raw routes these tests read and write are v2 bodies.
    return IncidentIO(URL, key, transport=asgi_transport(app), retry=FAST, route_api="v2")


async def plan_of(app: Any, routes: Path, **kwargs: Any) -> tuple[Plan, Catalog]:
    async with client(app) as api:
        return await build_plan_from_repo(api, routes, **kwargs)


async def apply_with(
    app: Any,
    plan: Plan,
    _catalog: Catalog,
    key: str = "example-admin",
    *,
    fresh: bool = False,
    sent: list[str] | None = None,
) -> ApplyReport:
    async with client(app, key) as api:
        report = await apply_plan(plan, api, fresh=fresh)
    if sent is not None:
        sent.extend(f"{r.method} {r.status}" for r in api.request_log)
    return report


def writes(app: Any) -> list[dict[str, Any]]:
    return list(app.state.emulator.write_log)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def live_route(app: Any, name: str) -> dict[str, Any]:
    async def get() -> dict[str, Any]:
        async with client(app) as api:
            for route in await api.read_all_alert_routes():
                if route["name"] == name:
                    return route
        raise AssertionError(name)

    result: dict[str, Any] = run(get())
    return result


def dashboard_edit(app: Any, name: str, change: Any) -> None:
    """A PUT made directly to the emulator, as someone editing the route in the dashboard would."""
    route = live_route(app, name)

    async def put() -> None:
        payload = encode(decode(route, "v2"), "v2")
        change(payload)
        async with client(app) as api:
            await api.update_alert_route(route["id"], {**payload, "version": route["version"] + 1})

    run(put())


def edit_warnings_file(routes: Path, values: str = "[warning, info, debug]") -> None:
    path = routes / "production-warnings.yaml"
    path.write_text(path.read_text().replace("values: [warning]", f"values: {values}"))


def test_the_example_update_is_applied_once_and_then_in_sync(app: Any, routes: Path) -> None:
    plan, catalog = run(plan_of(app, routes))
    assert plan.summary == "0 to create, 1 to update, 0 to delete"
    (change,) = plan.changes
    assert (change.name, change.live_version) == ("Production Warnings", 4)
    report = run(apply_with(app, plan, catalog))
    assert [(o.name, o.outcome) for o in report.outcomes] == [("Production Warnings", Outcome.UPDATED)]
    assert report.ok and report.writes == 1
    assert [(w["method"], w["version"]) for w in writes(app)] == [("PUT", 5)]
    again, _ = run(plan_of(app, routes))
    assert again.empty


def test_a_dashboard_edit_after_the_plan_is_never_overwritten(app: Any, routes: Path) -> None:
    plan, catalog = run(plan_of(app, routes))
    dashboard_edit(app, "Production Warnings", lambda p: p.__setitem__("enabled", False))
    before = len(writes(app))
    report = run(apply_with(app, plan, catalog))
    (outcome,) = report.outcomes
    assert outcome.outcome is Outcome.CHANGED_SINCE_PLAN
    assert outcome.detail == "live version is 5, the plan saw 4; run plan again"
    assert not report.ok
    assert len(writes(app)) == before  # the rejected PUT committed nothing
    assert live_route(app, "Production Warnings")["enabled"] is False
    replan, _ = run(plan_of(app, routes))
    assert [f.path for f in replan.changes[0].fields] != []


def test_a_fresh_plan_is_written_without_reading_its_updated_routes_again(app: Any, routes: Path) -> None:
    """One-shot `apply --auto-approve`: the plan's own reads are the read-back; the PUT is pinned to what it read."""
    plan, catalog = run(plan_of(app, routes))
    sent: list[str] = []
    report = run(apply_with(app, plan, catalog, fresh=True, sent=sent))
    assert [(o.name, o.outcome) for o in report.outcomes] == [("Production Warnings", Outcome.UPDATED)]
    assert sent == ["PUT 200"]
    assert [(w["method"], w["version"]) for w in writes(app)] == [("PUT", 5)]
    assert run(plan_of(app, routes))[0].empty
    sent.clear()
    run(apply_with(app, plan, catalog, sent=sent))  # a saved plan applied again: read back, found done, not written
    assert sent == ["GET 200"]


def test_a_dashboard_edit_after_a_fresh_plan_is_refused_by_the_version_pin(app: Any, routes: Path) -> None:
    informational = routes / "informational.yaml"
    informational.write_text(informational.read_text().replace("  - alert_source: Status Page Views\n", ""))
    plan, catalog = run(plan_of(app, routes))
    assert plan.summary == "0 to create, 2 to update, 0 to delete"
    dashboard_edit(app, "Production Warnings", lambda p: p.__setitem__("enabled", False))
    before = len(writes(app))
    sent: list[str] = []
    report = run(apply_with(app, plan, catalog, fresh=True, sent=sent))
    outcomes = {o.name: o.outcome for o in report.outcomes}
    assert outcomes == {"Informational": Outcome.UPDATED, "Production Warnings": Outcome.CHANGED_SINCE_PLAN}
    (refused,) = [o for o in report.outcomes if o.outcome is Outcome.CHANGED_SINCE_PLAN]
    assert refused.detail == "live version is 5, the plan saw 4; run plan again"
    assert sorted(sent) == ["GET 200", "PUT 200", "PUT 409"]  # the refused PUT, then the route read to say why
    assert [w["method"] for w in writes(app)[before:]] == ["PUT"]  # the other route only: the edit is kept
    assert live_route(app, "Production Warnings")["enabled"] is False


def test_a_fresh_plans_deletes_are_still_read_back(app: Any, routes: Path) -> None:
    (routes / "informational.yaml").unlink()
    plan, catalog = run(plan_of(app, routes, prune=True))
    dashboard_edit(app, "Informational", lambda p: p.__setitem__("enabled", False))
    report = run(apply_with(app, plan, catalog, fresh=True))
    # a delete carries no version for the API to check: a route edited since the plan refuses the plan, as before
    assert report.refused == "plan is stale: 1 route changed since plan; run plan again"
    assert [w["method"] for w in writes(app)] == ["PUT"]  # the dashboard edit only


def test_a_dashboard_edit_to_the_desired_content_counts_as_done(app: Any, routes: Path) -> None:
    plan, catalog = run(plan_of(app, routes))
    desired = plan.changes[0].desired
    assert desired is not None
    dashboard_edit(app, "Production Warnings", lambda p: (p.clear(), p.update(encode(desired, "v2"))))
    report = run(apply_with(app, plan, catalog))
    assert [o.outcome for o in report.outcomes] == [Outcome.ALREADY_APPLIED]
    assert report.ok


def test_a_route_the_clients_api_version_cannot_carry_is_never_sent(app: Any, routes: Path) -> None:
    # A plan made through v3 (nothing refused) applied by a client speaking v2: the fixed window would be dropped.
    plan, catalog = run(plan_of(app, routes))
    (change,) = plan.changes
    assert change.desired is not None
    fixed = replace(change.desired, grouping=Grouping(True, ("alert.title",), 600, "fixed"))
    report = run(apply_with(app, replace(plan, changes=(replace(change, desired=fixed),), api_version="v3"), catalog))
    [outcome] = report.outcomes
    assert (outcome.outcome, outcome.writes, report.writes) == (Outcome.FAILED, 0, 0)
    assert outcome.detail == (
        "route 'Production Warnings' cannot be written through the v2 API: its grouping window is fixed "
        "(grouping.window_type: fixed), which only the v3 API can set"
    )
    assert writes(app) == []  # refused before anything was sent


def test_creates_then_updates_then_deletes(app: Any, routes: Path) -> None:
    (routes / "informational.yaml").unlink()
    new = (routes / "unrouted-alerts.yaml").read_text().replace("Unrouted Alerts", "Brand New")
    (routes / "brand-new.yaml").write_text(new)
    edit_warnings_file(routes)
    plan, catalog = run(plan_of(app, routes, prune=True))
    assert [(c.action, c.name) for c in plan.changes] == [
        (Action.CREATE, "Brand New"),
        (Action.UPDATE, "Production Warnings"),
        (Action.DELETE, "Informational"),
    ]
    report = run(apply_with(app, plan, catalog))
    assert report.ok, report
    assert [w["method"] for w in writes(app)] == ["POST", "PUT", "DELETE"]
    assert run(plan_of(app, routes, prune=True))[0].empty


def test_a_route_edited_since_the_plan_is_not_deleted(app: Any, routes: Path) -> None:
    (routes / "informational.yaml").unlink()
    plan, catalog = run(plan_of(app, routes, prune=True))
    dashboard_edit(app, "Informational", lambda p: p.__setitem__("enabled", False))
    report = run(apply_with(app, plan, catalog))
    assert [o.outcome for o in report.outcomes if o.action is Action.DELETE] == [Outcome.CHANGED_SINCE_PLAN]
    # A stale plan is refused before any write: the update that was still valid is not written either.
    assert report.refused == "plan is stale: 1 route changed since plan; run plan again"
    assert [o.outcome for o in report.outcomes if o.action is Action.UPDATE] == [Outcome.NOT_ATTEMPTED]
    assert [w["method"] for w in writes(app)] == ["PUT"]  # the dashboard edit only


@pytest.mark.parametrize("fault", ["error_after_commit", "drop_after_commit"])
def test_a_write_committed_but_unanswered_is_not_repeated(app: Any, routes: Path, fault: str) -> None:
    new = (routes / "unrouted-alerts.yaml").read_text().replace("Unrouted Alerts", "Brand New")
    (routes / "brand-new.yaml").write_text(new)
    (routes / "informational.yaml").unlink()
    plan, catalog = run(plan_of(app, routes, prune=True))
    app.state.emulator.set_faults(FaultProfile(**{fault: 1.0}))
    report = run(apply_with(app, plan, catalog))
    app.state.emulator.set_faults(FaultProfile())
    assert [o.outcome for o in report.outcomes] == [Outcome.CREATED, Outcome.UPDATED, Outcome.DELETED]
    assert [w["method"] for w in writes(app)] == ["POST", "PUT", "DELETE"]
    assert run(plan_of(app, routes, prune=True))[0].empty


def test_a_write_failing_before_commit_is_retried_with_the_same_version(app: Any, routes: Path) -> None:
    plan, catalog = run(plan_of(app, routes))
    app.state.emulator.set_faults(FaultProfile(seed=3, error_before_commit=0.6))
    report = run(apply_with(app, plan, catalog))
    app.state.emulator.set_faults(FaultProfile())
    assert report.ok and report.writes >= 1
    assert [(w["method"], w["version"]) for w in writes(app)] == [("PUT", 5)]


def test_a_write_that_always_fails_gives_up_and_blocks_deletes(app: Any, routes: Path) -> None:
    (routes / "informational.yaml").unlink()
    plan, catalog = run(plan_of(app, routes, prune=True))
    app.state.emulator.set_faults(FaultProfile(error_before_commit=1.0))
    report = run(apply_with(app, plan, catalog))
    outcomes = {o.name: o for o in report.outcomes}
    assert outcomes["Production Warnings"].outcome is Outcome.FAILED
    assert outcomes["Informational"].outcome is Outcome.NOT_ATTEMPTED
    assert writes(app) == []


def test_forbidden_aborts_the_run(app: Any, routes: Path) -> None:
    new = (routes / "unrouted-alerts.yaml").read_text().replace("Unrouted Alerts", "Brand New")
    (routes / "brand-new.yaml").write_text(new)
    plan, catalog = run(plan_of(app, routes))
    report = run(apply_with(app, plan, catalog, key="example-readonly"))
    assert report.aborted
    assert [o.outcome for o in report.outcomes] == [Outcome.FAILED, Outcome.NOT_ATTEMPTED]
    assert writes(app) == []


@pytest.mark.parametrize("fresh", [False, True], ids=["read-back", "fresh"])
def test_a_route_deleted_since_the_plan_is_reported(app: Any, routes: Path, fresh: bool) -> None:
    """Found by the read-back, or (a fresh one-shot plan, not read back) by the PUT's 404."""
    plan, catalog = run(plan_of(app, routes))

    async def delete() -> None:
        async with client(app) as api:
            await api.delete_alert_route(plan.changes[0].route_id or "")

    run(delete())
    report = run(apply_with(app, plan, catalog, fresh=fresh))
    assert [(o.outcome, o.detail) for o in report.outcomes] == [
        (Outcome.CHANGED_SINCE_PLAN, "the route was deleted since the plan")
    ]


class Crash(BaseException):
    """The process dies (SIGKILL-like): nothing in apply may catch it."""


class CrashAfter(httpx.AsyncBaseTransport):
    def __init__(self, app: Any, writes: int) -> None:
        self.inner = asgi_transport(app)
        self.left = writes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET":
            self.left -= 1
            if self.left == 0:
                raise Crash
        return response


@pytest.mark.parametrize("crash_after", [1, 13, 29])
def test_a_crash_mid_apply_is_finished_by_the_next_run_without_extra_writes(crash_after: int) -> None:
    """R5: killed after k writes; the next run completes; total committed writes = planned changes; then 0."""
    from reconciler.core.plan import build_plan
    from reconciler.emulator import seed_routes
    from reconciler.emulator.control import minimal_payload
    from reconciler.files.decode import DesiredRoute
    from reconciler.run import live
    from reconciler.run.fetch import read_catalog

    app = create_app()
    seed_routes(app.state.emulator, 25, name_prefix="Seeded")

    async def once(transport: httpx.AsyncBaseTransport) -> tuple[int, ApplyReport]:
        async with IncidentIO(URL, "example-admin", transport=transport, retry=FAST, route_api="v2") as api:
            catalog = await read_catalog(api, slack_channels={})
            current = await live.read_all(api)
            seeded = sorted((r.name for r in current if r.name.startswith("Seeded")), key=lambda n: int(n.split()[1]))

            def route(name: str, **fields: Any) -> DesiredRoute:
                payload = {**minimal_payload(app.state.emulator, name), **fields}
                return DesiredRoute(route=decode(payload, "v2"), source=f"routes/{name}.yaml")

            desired = [route(n, enabled=False) for n in seeded[:20]] + [route(f"New {i}") for i in range(10)]
            plan = build_plan(desired, current, catalog, prune=True, force=True, api_version="v2")
            return len(plan.changes), await apply_plan(plan, api, concurrency=4)

    with pytest.raises(Crash):
        run(once(CrashAfter(app, crash_after)))
    assert len(writes(app)) >= crash_after
    _, second = run(once(asgi_transport(app)))
    assert second.ok
    # 20 updates + 10 creates + 5 seeded and 6 example routes pruned = 41 changes in all, each written once.
    assert len(writes(app)) == 41
    planned, third = run(once(asgi_transport(app)))
    assert planned == 0 and third.writes == 0
