"""Impact replay, pure: durations, planned routes, grouping of rerouted alerts, the markdown section (golden)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.evaluate import evaluate
from reconciler.core.impact import (
    Example,
    Impact,
    Reroute,
    _Router,
    alert_from_api,
    parse_duration,
    planned_routes,
    replay,
)
from reconciler.model import Action, Change, LiveRoute, Plan
from reconciler.render.impact import render_impact_markdown, render_impact_text
from reconciler.route import Binding, Condition, Route, Source, Value

GOLDEN = Path(__file__).parent / "golden"
SEV = "alert.attributes.SEV"


def route(name: str, *values: str, source: str = "AM") -> Route:
    condition = Condition(SEV, "contains_one_of", (Binding(array=tuple(Value(literal=v) for v in values)),))
    return Route(name=name, sources=(Source(source, ((condition,),) if values else ()),))


def alert(severity: str | None, source: str = "AM", n: int = 0) -> dict[str, object]:
    attributes = [{"attribute": {"id": "SEV"}, "value": {"literal": severity}}] if severity else []
    return {"alert_source_id": source, "title": f"alert {n}", "created_at": f"2026-01-0{n % 9 + 1}T00:00:00Z"} | {
        "attributes": attributes
    }


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("7d", timedelta(days=7)),
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_durations(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize("text", ["7", "d", "0d", "7 days", "-1d", "1y"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_alerts_from_the_api_carry_attribute_ids_literals_and_catalog_ids() -> None:
    data = {
        "alert_source_id": "AM",
        "title": "t",
        "attributes": [
            {"attribute": {"id": "A"}, "value": {"literal": "x", "label": "x"}},
            {"attribute": {"id": "B"}, "array_value": [{"literal": "p"}, {"literal": "q"}]},
            {"attribute": {"id": "C"}, "value": {"catalog_entry": {"id": "ENTRY"}, "label": "Payments"}},
        ],
    }
    assert alert_from_api(data).attributes == {"A": "x", "B": ("p", "q"), "C": "ENTRY"}


def test_planned_routes_apply_updates_deletes_and_creates_but_not_refused_changes() -> None:
    live = [
        LiveRoute("1", 1, route("W", "warning", "info")),
        LiveRoute("2", 1, route("Old")),
        LiveRoute("3", 1, route("K")),
    ]
    plan = Plan(
        changes=(
            Change(Action.UPDATE, "W", route_id="1", desired=route("W", "warning")),
            Change(Action.DELETE, "Old", route_id="2"),
            Change(Action.DELETE, "K", route_id="3", refused="protected"),
            Change(Action.CREATE, "New", desired=route("New", "info")),
        )
    )
    assert [r.name for r in planned_routes(live, plan)] == ["W", "K", "New"]
    assert planned_routes(live, plan)[0] == route("W", "warning")


def test_replay_groups_rerouted_alerts_and_keeps_undecided_apart() -> None:
    before = [route("W", "warning", "info"), route("U")]  # U: every AM alert
    after = [route("W", "warning"), route("U")]
    unknown = Route(name="X", sources=(Source("AM", ((Condition('expressions["e"]', "is_set"),),)),))
    alerts = [alert("info", n=n) for n in range(5)] + [alert("warning"), alert(None), alert("info", source="OTHER")]
    impact = replay(alerts, before, after, source_names={"AM": "Alertmanager"}, period="7d", limit=10, limit_hit=False)
    assert (impact.alerts_replayed, impact.alerts_rerouted, impact.undecided) == (8, 5, 0)
    (group,) = impact.reroutes
    assert (group.before, group.after, group.count) == (("U", "W"), ("U",), 5)
    assert group.examples == tuple(
        Example(f"alert {n}", "Alertmanager", f"2026-01-0{n + 1}T00:00:00Z") for n in range(3)
    )
    undecided = replay(alerts, [*before, unknown], after, source_names={}, period="7d", limit=10, limit_hit=False)
    assert (undecided.alerts_rerouted, undecided.undecided) == (0, 7)  # every AM alert meets X's expression


IMPACT = Impact(
    period="7d",
    alerts_replayed=1840,
    alerts_rerouted=14,
    undecided=3,
    limit=5000,
    limit_hit=True,
    reroutes=(
        Reroute(
            ("Production Warnings",),
            (),
            12,
            (
                Example("HighLatency | p99", "Alertmanager (Production)", "2026-01-07T10:00:00Z"),
                Example("<script>x</script>", "Alertmanager (Production)", "2026-01-06T10:00:00Z"),
                Example("DiskFillingUp", "Alertmanager (Production)", "2026-01-05T10:00:00Z"),
            ),
        ),
        Reroute((), ("Database Alerts", "Informational"), 2, (Example("Lag", "PlanetScale", "2026-01-04T10:00:00Z"),)),
    ),
)


def test_markdown_section_golden() -> None:
    assert render_impact_markdown(IMPACT) + "\n" == (GOLDEN / "impact.md").read_text()


def test_text_block() -> None:
    assert render_impact_text(IMPACT) == (
        "Impact: 14 of 1,840 alerts of the last 7d would route differently:\n"
        "  12 Production Warnings → no route\n"
        "      e.g. 'HighLatency | p99' (Alertmanager (Production), 2026-01-07T10:00:00Z)\n"
        "      e.g. '<script>x</script>' (Alertmanager (Production), 2026-01-06T10:00:00Z)\n"
        "      e.g. 'DiskFillingUp' (Alertmanager (Production), 2026-01-05T10:00:00Z)\n"
        "  2 no route → Database Alerts + Informational\n"
        "      e.g. 'Lag' (PlanetScale, 2026-01-04T10:00:00Z)\n"
        "  Note: only the newest 5,000 alerts of the period were replayed (--replay-limit 5000).\n"
        "  Note: 3 alerts could not be decided offline (catalog or expression conditions) and are not counted.\n"
    )
    quiet = Impact("1d", 1, 0, 0, 5000, False, ())
    assert render_impact_text(quiet) == "Impact: none of 1 alert of the last 1d would route differently.\n"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["AM", "PS", "X"]), st.sampled_from([None, "info", "warning", "critical"]))),
    st.lists(st.tuples(st.sampled_from(["AM", "PS"]), st.lists(st.sampled_from(["info", "warning"]), max_size=2))),
)
def test_the_fast_router_agrees_with_evaluating_every_route(
    alerts: list[tuple[str, str | None]], specs: list[tuple[str, list[str]]]
) -> None:
    routes = [route(f"R{i}", *values, source=source) for i, (source, values) in enumerate(specs)]
    router = _Router(routes)
    for n, (source, severity) in enumerate(alerts):
        plain = alert_from_api(alert(severity, source=source, n=n))
        assert router.outcome(plain) == tuple(sorted(evaluate(routes, plain).matched))
