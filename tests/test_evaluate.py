"""The offline route evaluator: each operation, three-valued groups, and what follows a match."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.evaluate import (
    Alert,
    Truth,
    Verdict,
    all_of,
    any_of,
    condition_holds,
    evaluate,
    evaluate_route,
    groups_hold,
)
from reconciler.core.route_tests import Case, Expectation, run_case
from reconciler.errors import Location
from reconciler.route import (
    Binding,
    Condition,
    Destination,
    Escalation,
    EscalationTarget,
    Incidents,
    Route,
    SeverityRule,
    Source,
    Target,
    Template,
    Value,
)

T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN


def cond(subject: str, operation: str, *values: str) -> Condition:
    params = (Binding(array=tuple(Value(literal=v) for v in values)),) if values else ()
    return Condition(subject, operation, params)


def attr(name: str) -> str:
    return f"alert.attributes.{name}"


ALERT = Alert(
    source_id="am",
    title="CPU high on db-1",
    attributes={"severity": "critical", "env": "", "teams": ("payments", "search"), "count": "3"},
)

# (condition, expected) for every operation the evaluator implements, on single, blank, absent and array values.
OPERATION_TABLE = [
    (cond(attr("severity"), "one_of", "warning", "critical"), T),
    (cond(attr("severity"), "one_of", "warning"), F),
    (cond(attr("severity"), "contains_one_of", "critical"), T),
    (cond(attr("teams"), "contains_one_of", "search", "x"), T),
    (cond(attr("teams"), "contains_one_of", "x", "y"), F),
    (cond(attr("teams"), "one_of", "x"), F),
    (cond(attr("missing"), "one_of", "critical"), F),
    (cond(attr("severity"), "not_in", "warning"), T),
    (cond(attr("severity"), "not_in", "critical"), F),
    (cond(attr("teams"), "not_in", "payments"), F),
    (cond(attr("missing"), "not_in", "critical"), T),
    (cond(attr("severity"), "is", "critical"), T),
    (cond(attr("severity"), "is", "critic"), F),
    (cond(attr("severity"), "is_not", "warning"), T),
    (cond(attr("severity"), "is_not", "critical"), F),
    (cond(attr("severity"), "is_set"), T),
    (cond(attr("env"), "is_set"), F),
    (cond(attr("missing"), "is_set"), F),
    (cond(attr("teams"), "is_set"), T),
    (cond(attr("env"), "is_blank"), T),
    (cond(attr("missing"), "is_blank"), T),
    (cond(attr("severity"), "is_blank"), F),
    (cond("alert.title", "contains", "db-1"), T),
    (cond("alert.title", "contains", "DB-1"), F),  # case-sensitive
    (cond(attr("teams"), "contains", "search"), T),
    (cond(attr("teams"), "contains", "sear"), F),  # arrays contain whole values
    (cond(attr("severity"), "name_contains", "crit"), T),
    (cond(attr("severity"), "name_contains", "warn"), F),
    (cond("alert.title", "does_not_contain", "db-2"), T),
    (cond("alert.title", "does_not_contain", "CPU"), F),
    (cond("alert.title", "starts_with", "CPU"), T),
    (cond("alert.title", "starts_with", "high"), F),
    (cond(attr("teams"), "starts_with", "pay"), T),
    (cond("alert.title", "ends_with", "db-1"), T),
    (cond("alert.title", "ends_with", "CPU"), F),
    (cond(attr("teams"), "contains_all", "search", "payments"), T),
    (cond(attr("teams"), "contains_all", "search", "x"), F),
    (cond(attr("teams"), "contains_none", "x", "y"), T),
    (cond(attr("teams"), "contains_none", "x", "search"), F),
    (cond(attr("count"), "gt", "2"), T),
    (cond(attr("count"), "gt", "3"), F),
    (cond(attr("count"), "gte", "3"), T),
    (cond(attr("count"), "gte", "3.01"), F),
    (cond(attr("count"), "lt", "3.5"), T),
    (cond(attr("count"), "lt", "3"), F),
    (cond(attr("count"), "lte", "2"), F),
    (cond(attr("count"), "lte", "3"), T),
    (cond("alert.description", "is_blank"), T),
    (cond("alert.source_url", "is_set"), F),
]


@pytest.mark.parametrize(("condition", "expected"), OPERATION_TABLE, ids=lambda v: str(v))
def test_each_operation(condition: Condition, expected: Truth) -> None:
    assert condition_holds(condition, ALERT).truth is expected


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (cond(attr("service.team"), "one_of", "x"), "alert.attributes.service.team navigates into a catalog entry"),
        (cond('expressions["abc"]', "is_set"), 'expressions["abc"] is an expression'),
        (cond("alert.priority", "is_set"), "alert.priority: subject not known offline"),
        (cond(attr("severity"), "matches", "c.*"), "operation 'matches' not evaluated offline"),
        (cond(attr("severity"), "gt", "1"), "compares numbers, and the value is not one number"),
        (
            Condition(attr("severity"), "one_of", (Binding(value=Value(reference="alert.title")),)),
            "a parameter is a reference",
        ),
        (cond(attr("severity"), "one_of"), "needs a value"),
    ],
)
def test_what_cannot_be_evaluated_offline_is_unknown_with_the_reason(condition: Condition, reason: str) -> None:
    verdict = condition_holds(condition, ALERT)
    assert verdict.truth is U
    assert reason in verdict.reason


def test_a_failing_condition_is_named() -> None:
    verdict = condition_holds(cond(attr("severity"), "one_of", "warning"), ALERT)
    assert verdict.reason == "alert.attributes.severity one_of [warning] does not hold"


ROUTE = Route(
    name="Prod",
    sources=(Source("am", ((cond(attr("severity"), "one_of", "critical"),),)), Source("checkly")),
    escalation=Escalation(targets=(EscalationTarget(paths=Binding(array=(Value(literal="On-Call"),))),)),
    destinations=(
        Destination(slack=Target(Binding(array=(Value(literal="#alerts"),)))),
        Destination(
            groups=((cond("alert.title", "contains", "db"),),),
            slack=Target(Binding(array=(Value(literal="#db"),))),
        ),
    ),
    incidents=Incidents(
        enabled=True, template=Template(severity=SeverityRule("max", Binding(value=Value(literal="Critical"))))
    ),
)


def test_a_match_carries_escalation_paths_channels_and_incident() -> None:
    result = evaluate_route(ROUTE, ALERT)
    assert result.truth is T
    assert result.escalation_paths == ("On-Call",)
    assert result.channels == ("#alerts", "#db")
    assert result.incident is T
    assert result.severity == "Critical"


def test_a_destination_whose_conditions_fail_is_not_posted_to() -> None:
    result = evaluate_route(ROUTE, Alert("checkly", title="Checkout down"))
    assert result.truth is T
    assert result.channels == ("#alerts",)


def test_source_not_in_route_and_disabled_route_are_no_match_with_reason() -> None:
    assert evaluate_route(ROUTE, Alert("datadog")).reason == "alert source datadog is not one of the route's sources"
    disabled = evaluate_route(Route(name="Off", enabled=False, sources=(Source("am"),)), ALERT)
    assert (disabled.truth, disabled.reason) == (F, "the route is disabled")


def test_route_level_groups_and_with_source_groups() -> None:
    route = Route(name="R", sources=(Source("am"),), groups=((cond(attr("env"), "is_set"),),))
    assert evaluate_route(route, ALERT).truth is F
    evaluation = evaluate([ROUTE, route], ALERT)
    assert evaluation.matched == ("Prod",)
    assert evaluation.escalation_paths == ("On-Call",)


def test_unknown_is_settled_by_a_false_and_or_a_true_or() -> None:
    unknown = cond(attr("service.team"), "is_set")
    false = cond(attr("severity"), "is", "warning")
    true = cond(attr("severity"), "is", "critical")
    assert groups_hold(((unknown, false),), ALERT).truth is F
    assert groups_hold(((unknown,), (true,)), ALERT).truth is T
    assert groups_hold(((unknown, true),), ALERT).truth is U
    assert groups_hold((), ALERT).truth is T


# --- the property: a route's match set is the OR of its groups' AND of conditions -----------------------------------

# Conditions drawn from a pool whose truth on ALERT is known (True/False) or unknown (None).
POOL: list[tuple[Condition, bool | None]] = [(c, {T: True, F: False}[t]) for c, t in OPERATION_TABLE] + [
    (cond(attr("svc.team"), "is_set"), None),
    (cond('expressions["x"]', "is_blank"), None),
    (cond(attr("severity"), "matches", "c.*"), None),
]
pool_index = st.integers(min_value=0, max_value=len(POOL) - 1)
groups_strategy = st.lists(st.lists(pool_index, min_size=1, max_size=4), max_size=4)


def brute_force(source_groups: list[list[int]], route_groups: list[list[int]]) -> Truth:
    """Try every assignment of the unknown conditions: match when all assignments match, no match when none do."""
    used = sorted({i for groups in (source_groups, route_groups) for group in groups for i in group})
    unknowns = [i for i in used if POOL[i][1] is None]
    outcomes = set()
    for assignment in itertools.product([False, True], repeat=len(unknowns)):
        truth = {i: POOL[i][1] for i in used} | dict(zip(unknowns, assignment, strict=True))

        def holds(groups: list[list[int]], truth: dict[int, bool | None] = truth) -> bool:
            return not groups or any(all(truth[i] for i in group) for group in groups)

        outcomes.add(holds(source_groups) and holds(route_groups))
    if outcomes == {True}:
        return T
    if outcomes == {False}:
        return F
    return U


@settings(max_examples=300, deadline=None)
@given(source_groups=groups_strategy, route_groups=groups_strategy)
def test_match_is_or_of_and_against_brute_force(source_groups: list[list[int]], route_groups: list[list[int]]) -> None:
    def groups(indexes: list[list[int]]) -> tuple[tuple[Condition, ...], ...]:
        return tuple(tuple(POOL[i][0] for i in group) for group in indexes)

    route = Route(name="R", sources=(Source("am", groups(source_groups)),), groups=groups(route_groups))
    result = evaluate_route(route, ALERT)
    assert result.truth is brute_force(source_groups, route_groups)
    if result.truth is U:
        assert result.reason  # an unknown always says why


@given(st.lists(st.sampled_from([T, F, U]), max_size=6))
def test_kleene_and_or(truths: list[Truth]) -> None:
    verdicts = [Verdict(t, "r") for t in truths]
    assert all_of(verdicts).truth is (F if F in truths else U if U in truths else T)
    assert any_of(verdicts).truth is (T if T in truths else U if U in truths else F)


# --- the property: unknown is never reported as match or no-match -------------------------------------------------

routes_strategy = st.lists(st.tuples(groups_strategy, groups_strategy), min_size=1, max_size=4)
WHERE = Location("route-tests/property.yaml", 3, 5)


def _routes(drawn: list[tuple[list[list[int]], list[list[int]]]]) -> list[Route]:
    def groups(indexes: list[list[int]]) -> tuple[tuple[Condition, ...], ...]:
        return tuple(tuple(POOL[i][0] for i in group) for group in indexes)

    return [
        Route(
            name=f"R{n}",
            sources=(Source("am", groups(source_groups)),),
            groups=groups(route_groups),
            escalation=Escalation(targets=(EscalationTarget(paths=Binding(array=(Value(literal=f"P{n}"),))),)),
            destinations=(Destination(slack=Target(Binding(array=(Value(literal=f"#c{n}"),)))),),
        )
        for n, (source_groups, route_groups) in enumerate(drawn)
    ]


def _case(kind: str, names: tuple[str, ...] = ()) -> Case:
    expectation = Expectation(
        kind, names, kind == "no_route", WHERE, ("cases", 0, "expect", kind), (WHERE,) * len(names)
    )
    return Case("property", ALERT, (expectation,), WHERE, ("cases", 0))


@pytest.mark.untraced
@settings(max_examples=300, deadline=None)
@given(drawn=routes_strategy)
def test_unknown_is_never_reported_as_match_or_no_match(drawn: list[tuple[list[list[int]], list[list[int]]]]) -> None:
    routes = _routes(drawn)
    truths = {f"R{n}": brute_force(s, r) for n, (s, r) in enumerate(drawn)}
    by_truth = {t: tuple(name for name, truth in truths.items() if truth is t) for t in (T, F, U)}
    evaluation = evaluate(routes, ALERT)
    # the evaluator: an undecided route is neither matched nor unmatched, and carries no paging or channel
    assert (evaluation.matched, evaluation.named(F)) == (by_truth[T], by_truth[F])
    assert tuple(r.route for r in evaluation.unknown) == by_truth[U]
    assert all(r.reason for r in evaluation.unknown)
    assert evaluation.escalation_paths == tuple(f"P{name[1:]}" for name in by_truth[T])
    assert evaluation.channels == tuple(f"#c{name[1:]}" for name in by_truth[T])
    # route tests: a case whose answer depends on an undecided route never passes, and says why
    undecided = "cannot be decided offline"
    for kind, names in (("routes", by_truth[T]), ("no_route", ())):
        result = run_case(_case(kind, names), routes)
        assert result.passed is (not by_truth[U] and (kind == "routes" or not by_truth[T]))
        if by_truth[U]:
            assert [undecided in p.message for p in result.failures] == [True]
    for name in by_truth[U]:
        for kind in ("hits", "misses"):
            failures = run_case(_case(kind, (name,)), routes).failures
            assert [p.message.split(": ", 1)[1].startswith(f'{undecided}: "{name}"') for p in failures] == [True]


def test_every_operation_has_table_tests_both_ways_and_is_documented() -> None:
    from reconciler.core.operators import COMPARISONS, OPERATIONS
    from reconciler.emulator.labels import OPERATIONS as ENGINE

    implemented = set(OPERATIONS) | set(COMPARISONS)
    assert implemented == set(ENGINE)  # every operation the engine (emulator) accepts is evaluated offline
    for operation in implemented:  # a case that holds and one that does not, for each
        assert {t for c, t in OPERATION_TABLE if c.operation == operation} == {T, F}, operation
    docs = (Path(__file__).parent.parent / "docs" / "route-tests.md").read_text(encoding="utf-8")
    table = docs.split("### Operations", 1)[1].split("### Unknown", 1)[0]
    assert {op for op in implemented if f"`{op}`" not in table} == set()
