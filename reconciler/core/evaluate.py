"""Where an alert goes: evaluate an alert against routes offline, the way incident.io's engine routes it.

Pure: no I/O. Works on the one route model (`reconciler.route.Route`), so desired routes (from files) and live
routes (from the API) evaluate alike. A route takes an alert when the alert's source is one of the route's sources,
that source's condition groups hold, and the route-level condition groups hold (groups OR'd, the conditions of a
group AND'd, no groups meaning "always"). Logic is three-valued (Kleene): a condition the evaluator cannot decide
offline (a catalog navigation, an expression, an operation it does not know, a parameter that is a reference) is
"unknown" with the reason, and it makes the route's answer unknown unless the other conditions settle it either way.
Unknown is never reported as a match or a no-match. The operations are documented in docs/route-tests.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.core.operators import COMPARISONS, OPERATIONS, Values, items, number
from reconciler.route import Binding, Condition, Groups, Route

ATTRIBUTE_PREFIX = "alert.attributes."
TEXT_SUBJECTS: Mapping[str, str] = {
    "alert.title": "title",
    "alert.description": "description",
    "alert.source_url": "source_url",
}


class Truth(StrEnum):
    """A three-valued answer: `unknown` when it cannot be decided offline."""

    TRUE = "match"
    FALSE = "no match"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Alert:
    """An alert as the engine sees it: its source, its text fields and its attribute values.

    `attributes` maps attribute ids (or, offline, the names route files use) to a value: a string for a single
    value, a tuple for an array attribute. An absent attribute is blank.
    """

    source_id: str
    title: str = ""
    description: str = ""
    source_url: str = ""
    attributes: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """A three-valued answer and why (the first deciding reason: what failed, or what could not be evaluated)."""

    truth: Truth
    reason: str = ""


@dataclass(frozen=True)
class RouteResult:
    """One route's answer for one alert, and what follows when it matches."""

    route: str
    truth: Truth
    reason: str = ""
    escalation_paths: tuple[str, ...] = ()  # ids (names when the routes were decoded offline)
    users: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()  # Slack and Teams channels of the destinations whose conditions hold
    incident: Truth = Truth.FALSE  # whether the route would open an incident
    incident_reason: str = ""  # why `incident` is unknown (or false), from the incident conditions
    severity: str | None = None  # the incident template's severity literal, if any


@dataclass(frozen=True)
class Evaluation:
    """Every route's answer for one alert."""

    results: tuple[RouteResult, ...]

    def named(self, truth: Truth) -> tuple[str, ...]:
        return tuple(r.route for r in self.results if r.truth is truth)

    @property
    def matched(self) -> tuple[str, ...]:
        return self.named(Truth.TRUE)

    @property
    def unknown(self) -> tuple[RouteResult, ...]:
        return tuple(r for r in self.results if r.truth is Truth.UNKNOWN)

    @property
    def escalation_paths(self) -> tuple[str, ...]:
        return _union(r.escalation_paths for r in self.results if r.truth is Truth.TRUE)

    @property
    def channels(self) -> tuple[str, ...]:
        return _union(r.channels for r in self.results if r.truth is Truth.TRUE)


def _union(parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for part in parts for item in part))


# --- three-valued logic ------------------------------------------------------------------------------------------


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    """AND: false when any is false, else unknown when any is unknown, else true."""
    unknown: Verdict | None = None
    for verdict in verdicts:
        if verdict.truth is Truth.FALSE:
            return verdict
        if verdict.truth is Truth.UNKNOWN and unknown is None:
            unknown = verdict
    return unknown or Verdict(Truth.TRUE)


def any_of(verdicts: Iterable[Verdict]) -> Verdict:
    """OR: true when any is true, else unknown when any is unknown, else false (with the first reason)."""
    unknown: Verdict | None = None
    first: Verdict | None = None
    for verdict in verdicts:
        if verdict.truth is Truth.TRUE:
            return verdict
        if verdict.truth is Truth.UNKNOWN and unknown is None:
            unknown = verdict
        first = first or verdict
    return unknown or first or Verdict(Truth.FALSE)


def groups_hold(groups: Groups, alert: Alert) -> Verdict:
    """Condition groups: () always holds; otherwise any group whose every condition holds."""
    if not groups:
        return Verdict(Truth.TRUE)
    return any_of(all_of(condition_holds(c, alert) for c in group) for group in groups)


# --- conditions ----------------------------------------------------------------------------------------------------


def _compare(condition: Condition, value: str | Values, params: Values) -> Verdict:
    """gt/gte/lt/lte on numbers; anything that is not one number against one number is unknown."""
    values = items(value)
    left = number(values[0]) if len(values) == 1 else None
    right = number(params[0]) if len(params) == 1 else None
    if left is None or right is None:
        return Verdict(Truth.UNKNOWN, f"{describe(condition)}: compares numbers, and the value is not one number")
    if COMPARISONS[condition.operation](left, right):
        return Verdict(Truth.TRUE)
    return Verdict(Truth.FALSE, f"{describe(condition)} does not hold")


def _subject_value(subject: str, alert: Alert) -> str | Values | Verdict:
    """The alert's value for `subject`, or an unknown verdict saying why it cannot be read offline."""
    if subject in TEXT_SUBJECTS:
        text: str = getattr(alert, TEXT_SUBJECTS[subject])
        return text
    if subject.startswith(ATTRIBUTE_PREFIX):
        key = subject[len(ATTRIBUTE_PREFIX) :]
        if key in alert.attributes:
            return alert.attributes[key]
        if "." in key or "[" in key:  # `<attribute>.<rest>`: a catalog entry's attribute
            return Verdict(Truth.UNKNOWN, f"{subject} navigates into a catalog entry: no catalog data offline")
        return ""  # an attribute the alert does not have is blank
    if subject.startswith("expressions["):
        return Verdict(Truth.UNKNOWN, f"{subject} is an expression: expressions are not evaluated offline")
    return Verdict(Truth.UNKNOWN, f"{subject}: subject not known offline")


def _params(params: Sequence[Binding]) -> Values | None:
    """The literal parameters, or None when one is a reference (its value is not known offline)."""
    out: list[str] = []
    for binding in params:
        values = (binding.value,) if binding.value is not None else binding.array or ()
        for value in values:
            if value is None or value.literal is None:
                return None
            out.append(value.literal)
    return tuple(out)


def describe(condition: Condition) -> str:
    """`alert.attributes.severity one_of [critical]`."""
    params = _params(condition.params)
    shown = "" if not condition.params else " [" + ", ".join(params or ("…",)) + "]"
    return f"{condition.subject} {condition.operation}{shown}"


def condition_holds(condition: Condition, alert: Alert) -> Verdict:
    """One condition against one alert (false verdicts say which condition failed)."""
    known = OPERATIONS.get(condition.operation)
    if known is None and condition.operation not in COMPARISONS:
        return Verdict(Truth.UNKNOWN, f"{describe(condition)}: operation {condition.operation!r} not evaluated offline")
    value = _subject_value(condition.subject, alert)
    if isinstance(value, Verdict):
        return value
    params = _params(condition.params)
    if params is None:
        return Verdict(Truth.UNKNOWN, f"{describe(condition)}: a parameter is a reference, not known offline")
    if known is None:
        return _compare(condition, value, params)
    test, needs = known
    if needs and not params:
        return Verdict(Truth.UNKNOWN, f"{describe(condition)}: the operation needs a value and has none")
    if test(value, params):
        return Verdict(Truth.TRUE)
    return Verdict(Truth.FALSE, f"{describe(condition)} does not hold")


# --- routes --------------------------------------------------------------------------------------------------------


def _literals(binding: Binding | None) -> tuple[str, ...]:
    if binding is None:
        return ()
    values = (binding.value,) if binding.value is not None else binding.array or ()
    return tuple(v.literal if v.literal is not None else f"{{{v.reference}}}" for v in values if v is not None)


def route_takes(route: Route, alert: Alert) -> Verdict:
    """Whether `route` takes `alert`: enabled, from one of its sources, source and route conditions holding."""
    if not route.enabled:
        return Verdict(Truth.FALSE, "the route is disabled")
    sources = [s for s in route.sources if s.alert_source_id == alert.source_id]
    if not sources:
        return Verdict(Truth.FALSE, f"alert source {alert.source_id} is not one of the route's sources")
    return all_of([any_of(groups_hold(s.groups, alert) for s in sources), groups_hold(route.groups, alert)])


def evaluate_route(route: Route, alert: Alert) -> RouteResult:
    """One route's answer, with the escalation paths, channels and incident that follow when it matches."""
    verdict = route_takes(route, alert)
    if verdict.truth is not Truth.TRUE:
        return RouteResult(route.name, verdict.truth, verdict.reason)
    paths = _union(_literals(t.paths) for t in route.escalation.targets)
    users = _union(_literals(t.users) for t in route.escalation.targets)
    channels: list[tuple[str, ...]] = []
    for destination in route.destinations:
        if groups_hold(destination.groups, alert).truth is Truth.TRUE:
            for target in (destination.slack, destination.teams):
                if target is not None:
                    channels.append(_literals(target.binding))
    incidents = route.incidents
    opens = groups_hold(incidents.groups, alert) if incidents.enabled else Verdict(Truth.FALSE, "incidents are off")
    severity = incidents.template.severity
    return RouteResult(
        route=route.name,
        truth=Truth.TRUE,
        escalation_paths=paths,
        users=users,
        channels=_union(channels),
        incident=opens.truth,
        incident_reason=opens.reason,
        severity=_literals(severity.binding)[0] if severity and _literals(severity.binding) else None,
    )


def evaluate(routes: Sequence[Route], alert: Alert) -> Evaluation:
    """Every route's answer for `alert`, in the order of `routes`."""
    return Evaluation(tuple(evaluate_route(route, alert) for route in routes))
