"""A route file (names, short forms, defaults omitted) → the route model (ids): the resolve step.

Pure: no I/O. Every name is looked up in the `Catalog` (an exact id wins over a name; users by email; Slack and
Teams channels through `routes/channels.yaml`); an unknown or ambiguous name is a located `Problem` listing the
closest names or the matching ids. Raw forms inside a file (`binding:`, `param_bindings:`, `expressions:`) are the
API's own shapes and are read by the wire readers. Problems of every file are collected before
`decode_routes` raises one `InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import InputError, JsonPath, Problem
from reconciler.files import references as refs
from reconciler.files.resolver import Resolver, RouteDocLike, as_list, as_map
from reconciler.model import Catalog
from reconciler.route import (
    ON_EACH_NEW_ALERT,
    ON_PRIORITY_INCREASE,
    Binding,
    Destination,
    Escalation,
    EscalationTarget,
    FieldRule,
    Grouping,
    Incidents,
    Rejoin,
    Route,
    SeverityRule,
    Source,
    Target,
    Template,
    Text,
    Value,
)
from reconciler.templates.documents import TemplateError, is_doc, map_variables, template_to_doc
from reconciler.wire import common as wire

__all__ = ["DesiredRoute", "RouteDocLike", "decode_route", "decode_routes"]

_TEMPLATE_FIELDS: Mapping[str, str | None] = {
    "incident_type": "incident_type",
    "incident_mode": None,
    "start_in_triage": None,
    "workspace": None,
    "membership_teams": "team",
}


@dataclass(frozen=True)
class DesiredRoute:
    """One route as git declares it: the model, plus where it comes from and how the file treats it."""

    route: Route
    source: str  # the route file, as displayed
    pinned_id: str | None = None  # `id:` from the file
    protect: bool = False

    @property
    def name(self) -> str:
        return self.route.name


class _Decoder(Resolver):
    """Builds the route model of one route file."""

    def rejoin(self, config: Mapping[str, Any], legacy: Mapping[str, Any]) -> Rejoin | None:
        joins = config.get("when_alert_joins_group")
        if isinstance(joins, Mapping):
            return Rejoin(str(joins.get("mode") or ""), int(joins.get("grace_period_seconds") or 0))
        if "auto_relate_grouped_alerts" in legacy or "defer_time_seconds" in legacy:
            relate = bool(legacy.get("auto_relate_grouped_alerts", False))
            # v2's auto-relate flag as v3's mode: relating grouped alerts means escalating again on priority rises.
            mode = ON_PRIORITY_INCREASE if relate else ON_EACH_NEW_ALERT
            return Rejoin(mode, 0 if relate else int(legacy.get("defer_time_seconds") or 0))
        return None

    def escalation(self, config: Any, legacy: Mapping[str, Any], path: JsonPath) -> Escalation:
        item = as_map(config)
        targets = []
        for i, target in enumerate(as_list(item.get("escalation_targets"))):
            where = (*path, "escalation_targets", i)
            target = as_map(target)
            paths = target.get("escalation_paths")
            users = target.get("users")
            if paths is not None and users is not None:  # validate says so first; decode never loses the users
                self.problem(
                    (*where, "users"),
                    "a target takes escalation_paths or users, not both (incident.io keeps only the escalation "
                    "paths); put the users in a target of their own",
                )
            targets.append(
                EscalationTarget(
                    paths=None
                    if paths is None
                    else self.values(paths, (*where, "escalation_paths"), "escalation_path"),
                    users=None if users is None else self.values(users, (*where, "users"), "user"),
                )
            )
        return Escalation(
            auto_cancel=bool(item.get("auto_cancel_escalations", False)),
            targets=tuple(targets),
            rejoin=self.rejoin(item, legacy),
        )

    def destination(self, config: Any, path: JsonPath) -> Destination:
        item = as_map(config)
        found: dict[str, Target] = {}
        for key, kind in (("slack_targets", "slack"), ("ms_teams_targets", "teams")):
            if key not in item:
                continue
            target = as_map(item[key])
            if "binding" in target:
                bound = self.raw(target["binding"])
            else:
                bound = self.values(as_list(target.get("channels")), (*path, key, "channels"), kind)
            found[kind] = Target(
                binding=bound,
                visibility=str(target.get("channel_visibility", "public")),
                group_alerts_summary=bool(target.get("group_alerts_summary", False)),
            )
        return Destination(groups=self.groups(item, path), slack=found.get("slack"), teams=found.get("teams"))

    def grouping(self, data: Mapping[str, Any], legacy: Mapping[str, Any]) -> Grouping:
        block = data.get("grouping")
        if isinstance(block, Mapping):
            keys, window = as_list(block.get("keys")), block.get("window_seconds")
            enabled = bool(block.get("enabled", True))
            window_type = block.get("window_type", "rolling")
        else:  # the v2 spelling inside incident_config: grouping is on with a window above 0
            keys, window = as_list(legacy.get("grouping_keys")), legacy.get("grouping_window_seconds")
            enabled = isinstance(window, int) and window > 0
            window_type = "rolling"
        return Grouping(
            enabled=enabled,
            keys=tuple(self.mapped(k if isinstance(k, str) else str(as_map(k).get("reference") or "")) for k in keys),
            window_seconds=window if isinstance(window, int) and not isinstance(window, bool) else None,
            window_type=str(window_type),
        )

    def text(self, value: Any, path: JsonPath) -> Text:
        """A templated field (name, summary, message): a template string, or the raw `{autogenerated, binding}`."""
        if isinstance(value, str):
            try:
                doc = template_to_doc(value)
            except TemplateError as error:  # validate reports it first; decoding unvalidated files must not crash
                self.problem(path, str(error))
                return Text(autogenerated=False)
            doc = map_variables(doc, lambda ref: self.reference(ref, path))
            return Text(autogenerated=False, binding=Binding(value=Value(literal=doc)))
        raw = dict(as_map(value))
        bound = as_map(raw.get("binding"))
        literal = as_map(bound.get("value")).get("literal")
        if isinstance(literal, str) and is_doc(literal):
            doc = map_variables(literal, lambda ref: self.reference(ref, path))
            bound = {**bound, "value": {**bound["value"], "literal": doc}}
        binding = self.raw(bound) if bound else None
        autogenerated = raw.get("autogenerated")
        return Text(autogenerated=(binding is None) if autogenerated is None else bool(autogenerated), binding=binding)

    def template(self, template: Any, path: JsonPath) -> Template:
        item = as_map(template)
        texts = {key: self.text(item[key], (*path, key)) for key in ("name", "summary") if key in item}
        severity = None
        if "severity" in item:
            rule = as_map(item["severity"])
            bound = None
            if "binding" in rule:
                bound = self.raw(rule["binding"])
            elif "value" in rule:
                bound = self.values(rule["value"], (*path, "severity", "value"), "severity")
            severity = SeverityRule(str(rule.get("merge_strategy") or ""), bound)
        bindings: dict[str, Binding] = {}
        for key, kind in _TEMPLATE_FIELDS.items():
            if key not in item:
                continue
            value = item[key]
            if isinstance(value, Mapping) and "binding" in value:
                bindings[key] = self.raw(value["binding"])
            else:
                bindings[key] = self.values(value, (*path, key), kind)
        fields = []
        for i, field in enumerate(as_list(item.get("custom_fields"))):
            field = as_map(field)
            where = (*path, "custom_fields", i)
            key = "custom_field" if "custom_field" in field else "custom_field_id"
            bound = (
                self.values(field["value"], (*where, "value")) if "value" in field else self.raw(field.get("binding"))
            )
            fields.append(
                FieldRule(
                    self.lookup("custom_field", field.get(key), (*where, key)),
                    bound,
                    str(field.get("merge_strategy") or ""),
                )
            )
        summary = texts.get("summary")
        return Template(
            name=texts.get("name", Text()),
            summary=None if summary == Text() else summary,
            severity=severity,
            custom_fields=tuple(fields),
            **bindings,
        )

    def message_template(self, value: Any, path: JsonPath) -> Binding | None:
        if value is None:
            return None
        if isinstance(value, Mapping) and set(value) == {"template"}:
            return self.text(value["template"], (*path, "template")).binding
        return self.values(value, path)

    def route(self) -> Route:
        data = self.doc.data
        self.collect_references(data, ())
        legacy = as_map(data.get("incident_config"))
        team_key = "owning_teams" if "owning_teams" in data else "owning_team_ids"
        sources = []
        for i, source in enumerate(as_list(data.get("alert_sources"))):
            source = as_map(source)
            key = "alert_source" if "alert_source" in source else "alert_source_id"
            sources.append(
                Source(
                    self.lookup("alert_source", source.get(key), ("alert_sources", i, key)),
                    self.groups(source, ("alert_sources", i)),
                )
            )
        expressions = refs.stored_operations(
            refs.map_references(as_list(data.get("expressions")), self.mapped), self.catalog
        )
        return Route(
            name=str(data.get("name") or ""),
            enabled=bool(data.get("enabled", True)),
            is_private=bool(data.get("is_private", False)),
            owning_team_ids=tuple(
                self.lookup("team", t, (team_key, i)) for i, t in enumerate(as_list(data.get(team_key)))
            ),
            sources=tuple(sources),
            groups=self.groups(data, ()),
            expressions=tuple(wire.expression(e) for e in expressions),
            destinations=tuple(
                self.destination(c, ("channel_config", i)) for i, c in enumerate(as_list(data.get("channel_config")))
            ),
            message_template=self.message_template(data.get("message_template"), ("message_template",)),
            escalation=self.escalation(data.get("escalation_config"), legacy, ("escalation_config",)),
            grouping=self.grouping(data, legacy),
            incidents=Incidents(
                enabled=bool(legacy.get("enabled", False)),
                auto_decline=bool(legacy.get("auto_decline_enabled", False)),
                groups=self.groups(legacy, ("incident_config",)),
                template=self.template(data.get("incident_template"), ("incident_template",)),
            ),
        ).canonical()


def decode_route(doc: RouteDocLike, catalog: Catalog) -> tuple[DesiredRoute | None, list[Problem]]:
    """One route file → its desired route, or None and every problem found."""
    decoder = _Decoder(doc, catalog)
    data = doc.data
    name = data.get("name")
    if not isinstance(name, str) or not name:
        decoder.problem(("name",), "a route needs a name")
    route = decoder.route()
    if decoder.problems:
        return None, sorted(decoder.problems)
    pinned = data.get("id")
    return (
        DesiredRoute(
            route=route,
            source=str(doc.path),
            pinned_id=pinned if isinstance(pinned, str) and pinned else None,
            protect=bool(data.get("protect", False)),
        ),
        [],
    )


def decode_routes(docs: Sequence[RouteDocLike], catalog: Catalog) -> list[DesiredRoute]:
    """Every route file → desired routes; raise one InputError with the problems of all files."""
    routes: list[DesiredRoute] = []
    problems: list[Problem] = []
    for doc in docs:
        route, found = decode_route(doc, catalog)
        problems.extend(found)
        if route is not None:
            routes.append(route)
    if problems:
        raise InputError(problems)
    return routes
