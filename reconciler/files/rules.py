"""The rules incident.io's API enforces on a route that a JSON Schema cannot say well: each one a located problem.

Pure: no I/O. They are the Terraform provider's documented v3 rules, checked before any request:

* grouping: keys and a window only while grouping is on; a window (60 to 172800 s) whenever it is on;
* incidents: a template, conditions and auto-decline only while incidents are enabled;
* when an alert joins a group: only while grouping is on; a grace period only with `on_each_new_alert`;
* an escalation target pages escalation paths or users, never both (the API would keep only the paths).

Both spellings of a setting are accepted (`grouping:` and v2's `incident_config.grouping_*`,
`escalation_config.when_alert_joins_group` and v2's `auto_relate_grouped_alerts`/`defer_time_seconds`), never both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from reconciler.errors import JsonPath, Location, Problem, json_path

WINDOW_MIN, WINDOW_MAX = 60, 172_800
LEGACY_GROUPING = ("grouping_keys", "grouping_window_seconds")
LEGACY_REJOIN = ("auto_relate_grouped_alerts", "defer_time_seconds")


class Located(Protocol):
    """A loaded route file (`reconciler.files.load.RouteDoc`)."""

    @property
    def data(self) -> Mapping[str, Any]: ...

    def location(self, path: JsonPath) -> Location: ...

    def key_location(self, path: JsonPath) -> Location: ...


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _problem(doc: Located, path: JsonPath, message: str, *, key: bool = False) -> Problem:
    return Problem(doc.key_location(path) if key else doc.location(path), json_path(path), message)


def grouping_on(data: Mapping[str, Any]) -> bool:
    """Whether the file turns grouping on, in either spelling."""
    block = data.get("grouping")
    if isinstance(block, Mapping):
        return block.get("enabled", True) is not False
    window = _map(data.get("incident_config")).get("grouping_window_seconds")
    return isinstance(window, int) and not isinstance(window, bool) and window > 0


def _grouping(doc: Located) -> Iterator[Problem]:
    data = doc.data
    config = _map(data.get("incident_config"))
    block = data.get("grouping")
    legacy = [key for key in LEGACY_GROUPING if key in config]
    if isinstance(block, Mapping):
        for key in legacy:
            yield _problem(
                doc,
                ("incident_config", key),
                "grouping and incident_config.grouping_* are two spellings of one setting: use grouping",
                key=True,
            )
        if block.get("enabled", True) is False:
            for key in ("keys", "window_seconds", "window_type"):
                if key in block:
                    yield _problem(
                        doc, ("grouping", key), "only applies while grouping is on (enabled: false)", key=True
                    )
        elif "window_seconds" not in block:
            yield _problem(
                doc, ("grouping",), f"grouping needs window_seconds ({WINDOW_MIN} to {WINDOW_MAX}) while it is on"
            )
        return
    window = config.get("grouping_window_seconds")
    if isinstance(window, int) and not isinstance(window, bool) and 0 < window < WINDOW_MIN:
        yield _problem(
            doc,
            ("incident_config", "grouping_window_seconds"),
            f"a grouping window is {WINDOW_MIN} to {WINDOW_MAX} seconds (0 turns grouping off)",
        )
    keys = config.get("grouping_keys")
    if isinstance(keys, list) and keys and not grouping_on(data):
        yield _problem(
            doc,
            ("incident_config", "grouping_keys"),
            "grouping keys only apply while grouping is on: set grouping_window_seconds above 0, or write "
            "grouping: {keys, window_seconds}",
        )


def _incidents(doc: Located) -> Iterator[Problem]:
    data = doc.data
    config = _map(data.get("incident_config"))
    if config.get("enabled") is True:
        return
    why = "only applies while incidents are enabled (incident_config.enabled: true)"
    template = data.get("incident_template")
    if isinstance(template, Mapping) and template:
        yield _problem(doc, ("incident_template",), f"an incident template {why}", key=True)
    for key in ("conditions", "condition_groups"):
        if config.get(key):
            yield _problem(doc, ("incident_config", key), f"conditions for creating incidents: {why}", key=True)
    if "auto_decline_enabled" in config:
        yield _problem(doc, ("incident_config", "auto_decline_enabled"), f"auto-decline {why}", key=True)


def _rejoin(doc: Located) -> Iterator[Problem]:
    data = doc.data
    config = _map(data.get("incident_config"))
    escalation = _map(data.get("escalation_config"))
    joins = escalation.get("when_alert_joins_group")
    legacy = [key for key in LEGACY_REJOIN if key in config]
    on = grouping_on(data)
    if isinstance(joins, Mapping):
        where: JsonPath = ("escalation_config", "when_alert_joins_group")
        for key in legacy:
            yield _problem(
                doc,
                ("incident_config", key),
                "when_alert_joins_group and incident_config.auto_relate_grouped_alerts/defer_time_seconds are two "
                "spellings of one setting: use when_alert_joins_group",
                key=True,
            )
        if not on:
            yield _problem(doc, where, "only applies while grouping is on (see grouping)", key=True)
        grace = joins.get("grace_period_seconds")
        if joins.get("mode") == "on_priority_increase" and isinstance(grace, int) and grace:
            yield _problem(
                doc, (*where, "grace_period_seconds"), "a grace period only applies with mode on_each_new_alert"
            )
        return
    relate, defer = config.get("auto_relate_grouped_alerts"), config.get("defer_time_seconds")
    has_defer = isinstance(defer, int) and not isinstance(defer, bool) and defer > 0
    if not on:
        if relate is True:
            yield _problem(
                doc, ("incident_config", "auto_relate_grouped_alerts"), "only applies while grouping is on", key=True
            )
        if has_defer:
            yield _problem(
                doc, ("incident_config", "defer_time_seconds"), "only applies while grouping is on", key=True
            )
    elif relate is True and has_defer:
        yield _problem(
            doc,
            ("incident_config", "defer_time_seconds"),
            "a deferral only applies without auto_relate_grouped_alerts (it is v3's grace period for "
            "on_each_new_alert)",
        )


def _targets(doc: Located) -> Iterator[Problem]:
    targets = _map(doc.data.get("escalation_config")).get("escalation_targets")
    for i, target in enumerate(targets if isinstance(targets, list) else []):
        if isinstance(target, Mapping) and "escalation_paths" in target and "users" in target:
            yield _problem(
                doc,
                ("escalation_config", "escalation_targets", i, "users"),
                "a target takes escalation_paths or users, not both (incident.io keeps only the escalation paths); "
                "put the users in a target of their own",
                key=True,
            )


def route_rules(doc: Located) -> Iterator[Problem]:
    """Every problem of the rules above in one route file."""
    yield from _grouping(doc)
    yield from _incidents(doc)
    yield from _rejoin(doc)
    yield from _targets(doc)
