"""Impact replay: which of the recent alerts would route differently once the plan is applied.

Pure: no I/O. Each alert (as `GET /v2/alerts` returns it) is evaluated against the live routes and against the
planned routes (live with the plan's changes applied); alerts whose set of matching routes changes are grouped by
(before → after), counted, with up to three examples each. An alert the evaluator cannot decide on either side
(see `reconciler.core.evaluate`) is counted as undecided, never as rerouted or unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from reconciler.core.evaluate import Alert, Truth, evaluate
from reconciler.model import Action, LiveRoute, Plan
from reconciler.route import Route

EXAMPLES = 3
DEFAULT_LIMIT = 5000
_DURATION = re.compile(r"^([1-9][0-9]{0,4})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`7d`, `24h`, `90m`, `2w` → a timedelta; ValueError with the accepted forms otherwise."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration: write a number and a unit, like 7d, 24h, 90m or 2w")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@dataclass(frozen=True)
class Example:
    title: str
    source: str
    created_at: str


@dataclass(frozen=True)
class Reroute:
    """Alerts whose routes change from `before` to `after` (route names; empty means no route)."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    count: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class Impact:
    period: str  # as given, e.g. "7d"
    alerts_replayed: int
    alerts_rerouted: int
    undecided: int
    limit: int
    limit_hit: bool
    reroutes: tuple[Reroute, ...]


def _value(entry: Mapping[str, Any]) -> str:
    value = entry if isinstance(entry, Mapping) else {}
    catalog = value.get("catalog_entry")
    if isinstance(catalog, Mapping) and isinstance(catalog.get("id"), str):
        return str(catalog["id"])  # conditions on catalog attributes hold entry ids
    return str(value.get("literal", value.get("label", "")))


def alert_from_api(data: Mapping[str, Any]) -> Alert:
    """An `AlertV2` object → the evaluator's alert (attributes by id)."""
    attributes: dict[str, str | tuple[str, ...]] = {}
    for entry in data.get("attributes") or []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("attribute"), Mapping):
            continue
        attribute_id = str(entry["attribute"].get("id", ""))
        if isinstance(entry.get("array_value"), list):
            attributes[attribute_id] = tuple(_value(v) for v in entry["array_value"])
        elif isinstance(entry.get("value"), Mapping):
            attributes[attribute_id] = _value(entry["value"])
    return Alert(
        source_id=str(data.get("alert_source_id", "")),
        title=str(data.get("title") or ""),
        description=str(data.get("description") or ""),
        source_url=str(data.get("source_url") or ""),
        attributes=attributes,
    )


def planned_routes(live: Sequence[LiveRoute], plan: Plan) -> list[Route]:
    """The routes incident.io would hold after the plan: live, with updates and deletes applied, creates added."""
    by_id = {route.route_id: route.route for route in live}
    created: list[Route] = []
    for change in plan.changes:
        if change.refused:
            continue
        if change.action is Action.DELETE and change.route_id:
            by_id.pop(change.route_id, None)
        elif change.action is Action.UPDATE and change.route_id and change.desired is not None:
            by_id[change.route_id] = change.desired
        elif change.action is Action.CREATE and change.desired is not None:
            created.append(change.desired)
    return [*by_id.values(), *created]


def _subjects(routes: Sequence[Route]) -> set[str]:
    """Every subject a route's routing conditions read (sources' and the route's groups)."""
    groups = [g for r in routes for g in (*r.groups, *(g for s in r.sources for g in s.groups))]
    return {condition.subject for group in groups for condition in group}


class _Router:
    """Where alerts go under one set of routes, fast: only the routes of the alert's source are evaluated, and
    alerts that look the same to every condition (same source and same values of every subject the conditions
    read) share one evaluation."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.by_source: dict[str, list[Route]] = {}
        for route in routes:
            for source_id in dict.fromkeys(s.alert_source_id for s in route.sources):
                self.by_source.setdefault(source_id, []).append(route)
        self.subjects = sorted(_subjects(routes))
        self.memo: dict[tuple[object, ...], tuple[str, ...] | None] = {}

    def _key(self, alert: Alert) -> tuple[object, ...]:
        seen: list[object] = [alert.source_id]
        for subject in self.subjects:
            if subject.startswith("alert.attributes."):
                seen.append(alert.attributes.get(subject[len("alert.attributes.") :]))
            elif subject in ("alert.title", "alert.description", "alert.source_url"):
                seen.append(getattr(alert, subject.removeprefix("alert.")))
            # other subjects (expressions...) are unknown whatever the alert holds
        return tuple(seen)

    def outcome(self, alert: Alert) -> tuple[str, ...] | None:
        """The names of the routes taking `alert`, sorted; None when one of them cannot be decided offline."""
        key = self._key(alert)
        if key not in self.memo:
            evaluation = evaluate(self.by_source.get(alert.source_id, []), alert)
            undecided = any(r.truth is Truth.UNKNOWN for r in evaluation.results)
            self.memo[key] = None if undecided else tuple(sorted(evaluation.matched))
        return self.memo[key]


def replay(
    alerts: Sequence[Mapping[str, Any]],
    before: Sequence[Route],
    after: Sequence[Route],
    *,
    source_names: Mapping[str, str],
    period: str,
    limit: int,
    limit_hit: bool,
) -> Impact:
    """Evaluate every alert before and after; group the ones whose routes change, largest group first."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Mapping[str, Any]]] = {}
    undecided = 0
    old_router, new_router = _Router(before), _Router(after)
    for data in alerts:
        alert = alert_from_api(data)
        old, new = old_router.outcome(alert), new_router.outcome(alert)
        if old is None or new is None:
            undecided += 1
        elif old != new:
            groups.setdefault((old, new), []).append(data)
    reroutes = [
        Reroute(
            before=old,
            after=new,
            count=len(items),
            examples=tuple(
                Example(
                    title=str(item.get("title") or ""),
                    source=source_names.get(str(item.get("alert_source_id")), str(item.get("alert_source_id"))),
                    created_at=str(item.get("created_at") or ""),
                )
                for item in items[:EXAMPLES]
            ),
        )
        for (old, new), items in groups.items()
    ]
    reroutes.sort(key=lambda r: (-r.count, r.before, r.after))
    return Impact(
        period=period,
        alerts_replayed=len(alerts),
        alerts_rerouted=sum(r.count for r in reroutes),
        undecided=undecided,
        limit=limit,
        limit_hit=limit_hit,
        reroutes=tuple(reroutes),
    )


def impact_to_json(impact: Impact) -> dict[str, Any]:
    """The `impact` object of `plan --format json` and the plan file."""
    return {
        "period": impact.period,
        "alerts_replayed": impact.alerts_replayed,
        "alerts_rerouted": impact.alerts_rerouted,
        "alerts_undecided": impact.undecided,
        "limit": impact.limit,
        "limit_hit": impact.limit_hit,
        "reroutes": [
            {
                "before": list(r.before),
                "after": list(r.after),
                "count": r.count,
                "examples": [{"title": e.title, "source": e.source, "created_at": e.created_at} for e in r.examples],
            }
            for r in impact.reroutes
        ],
    }


def impact_from_json(data: Mapping[str, Any]) -> Impact:
    """The inverse of `impact_to_json` (for a plan file the schema has already checked)."""
    return Impact(
        period=str(data["period"]),
        alerts_replayed=int(data["alerts_replayed"]),
        alerts_rerouted=int(data["alerts_rerouted"]),
        undecided=int(data["alerts_undecided"]),
        limit=int(data["limit"]),
        limit_hit=bool(data["limit_hit"]),
        reroutes=tuple(
            Reroute(
                before=tuple(r["before"]),
                after=tuple(r["after"]),
                count=int(r["count"]),
                examples=tuple(Example(e["title"], e["source"], e["created_at"]) for e in r["examples"]),
            )
            for r in data["reroutes"]
        ),
    )
