"""Step 3, resolve: a route file (names, short forms, defaults omitted) → the canonical API payload (ids).

Pure: no I/O. Every name is looked up in the `Catalog` (an exact id wins over a name; users by email, Slack channels
through `routes/channels.yaml`); an unknown or ambiguous name is a located `Problem` listing the closest names or the
matching ids. Problems are collected for every file before `resolve_routes` raises one `InputError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.document import KINDS, entities, same_name
from reconciler.errors import InputError, JsonPath, Location, Problem, json_path
from reconciler.model import Catalog
from reconciler.normalize import (
    ATTRIBUTE_PREFIX,
    ESCALATION_DEFAULTS,
    INCIDENT_DEFAULTS,
    REFERENCE_KEYS,
    canonicalize,
    map_references,
    split_attribute,
)
from reconciler.richtext import TemplateError, is_doc, map_variables, template_to_doc

_TEMPLATE_FIELDS: Mapping[str, str | None] = {
    "incident_type": "incident_type",
    "incident_mode": None,
    "start_in_triage": None,
    "workspace": None,
    "membership_teams": "team",
}


class RouteDocLike(Protocol):
    """What resolve needs of a loaded route file (`reconciler.load.RouteDoc`)."""

    @property
    def path(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...

    def location(self, path: JsonPath) -> Location: ...


@dataclass(frozen=True)
class DesiredRoute:
    """One route as git declares it, resolved to ids."""

    name: str
    source: str  # the route file, as displayed
    pinned_id: str | None  # `id:` from the file
    protect: bool
    payload: dict[str, Any]  # canonical create payload (ids, defaults filled)
    document: dict[str, Any]  # the file's data, for display


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _unknown(label: str, value: str, names: Sequence[str]) -> str:
    message = f'unknown {label} "{value}"'
    closest = difflib.get_close_matches(value, names, n=3)
    return f"{message}; closest: {_quoted(closest)}" if closest else message


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class _Resolver:
    def __init__(self, doc: RouteDocLike, catalog: Catalog) -> None:
        self.doc = doc
        self.catalog = catalog
        self.problems: list[Problem] = []
        self.attributes: dict[str, str] = {}  # attribute key as written -> id

    def problem(self, path: JsonPath, message: str) -> None:
        self.problems.append(Problem(self.doc.location(path), json_path(path), message))

    def lookup(self, kind: str, value: Any, path: JsonPath) -> str:
        label = KINDS[kind][0]
        if not isinstance(value, str) or not value:
            self.problem(path, f"expected the name or id of a {label}, got {value!r}")
            return str(value)
        pool = entities(self.catalog, kind)
        if any(e.id == value for e in pool):
            return value
        matches = [e for e in pool if same_name(kind, e.name, value)]
        if len(matches) == 1:
            return matches[0].id
        if matches:
            ids = ", ".join(e.id for e in matches)
            self.problem(path, f'ambiguous {label} "{value}": matches ids {ids}; write one of the ids instead')
        else:
            self.problem(path, _unknown(label, value, sorted({e.name for e in pool})))
        return value

    def channel(self, value: str, path: JsonPath) -> str:
        if not value.startswith("#"):
            return value  # a raw channel id
        found = self.catalog.slack_channels.get(value)
        if found is not None:
            return found
        message = f'unknown Slack channel "{value}" (not in routes/channels.yaml)'
        closest = difflib.get_close_matches(value, sorted(self.catalog.slack_channels), n=3)
        self.problem(path, f"{message}; closest: {_quoted(closest)}" if closest else message)
        return value

    def literal(self, value: Any, path: JsonPath, kind: str | None) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        if kind is None:
            return value if isinstance(value, str) else str(value)
        if kind == "slack":
            return self.channel(str(value), path)
        return self.lookup(kind, value, path)

    def item(self, value: Any, path: JsonPath, kind: str | None) -> dict[str, Any]:
        if isinstance(value, Mapping):
            return dict(value)  # {reference: ...} or a raw {literal: ...}
        return {"literal": self.literal(value, path, kind)}

    def values(self, value: Any, path: JsonPath, kind: str | None = None) -> dict[str, Any]:
        """A Values form (string, list, `{reference}`, raw binding) → an API binding."""
        if isinstance(value, list):
            return {"array_value": [self.item(v, (*path, i), kind) for i, v in enumerate(value)]}
        if isinstance(value, Mapping):
            if "reference" in value or "literal" in value:
                return {"value": dict(value)}
            return dict(value)  # raw {value: ...} / {array_value: ...}: ids, passed through
        return {"value": {"literal": self.literal(value, path, kind)}}

    def reference(self, reference: str, path: JsonPath) -> str:
        split = split_attribute(reference)
        if split is None:
            return reference
        attribute_id = self.lookup("alert_attribute", split[0], path)
        self.attributes[split[0]] = attribute_id
        return f"{ATTRIBUTE_PREFIX}{attribute_id}{split[1]}"

    def collect_references(self, value: Any, path: JsonPath) -> None:
        """Look up every attribute named in a reference, so each unknown one is reported where it is written."""
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key in REFERENCE_KEYS and isinstance(item, str):
                    self.reference(item, (*path, key))
                elif key == "grouping_keys" and isinstance(item, list):
                    for i, grouping_key in enumerate(item):
                        if isinstance(grouping_key, str):
                            self.reference(grouping_key, (*path, key, i))
                self.collect_references(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.collect_references(item, (*path, i))

    def mapped(self, reference: str) -> str:
        split = split_attribute(reference)
        if split is None or split[0] not in self.attributes:
            return reference
        return f"{ATTRIBUTE_PREFIX}{self.attributes[split[0]]}{split[1]}"

    def condition(self, condition: Any, path: JsonPath) -> dict[str, Any]:
        item = _map(condition)
        if "values" in item:
            bindings = [self.values(_list(item["values"]), (*path, "values"))]
        elif "value" in item:
            bindings = [self.values(item["value"], (*path, "value"))]
        else:
            bindings = [
                self.values(b, (*path, "param_bindings", i)) for i, b in enumerate(_list(item.get("param_bindings")))
            ]
        return {"subject": item.get("subject"), "operation": item.get("operation"), "param_bindings": bindings}

    def groups(self, owner: Mapping[str, Any], path: JsonPath) -> list[dict[str, Any]]:
        """`conditions:` (one AND group) or `condition_groups:` (raw OR of ANDs) of `owner`."""
        if "conditions" in owner and "condition_groups" in owner:
            self.problem((*path, "conditions"), "conditions and condition_groups are mutually exclusive")
        if "conditions" in owner:
            conditions = _list(owner["conditions"])
            if not conditions:
                return []
            return [{"conditions": [self.condition(c, (*path, "conditions", i)) for i, c in enumerate(conditions)]}]
        return [
            {
                "conditions": [
                    self.condition(c, (*path, "condition_groups", g, "conditions", i))
                    for i, c in enumerate(_list(_map(group).get("conditions")))
                ]
            }
            for g, group in enumerate(_list(owner.get("condition_groups")))
        ]

    def escalation(self, config: Any, path: JsonPath) -> dict[str, Any]:
        item = _map(config)
        targets = []
        for i, target in enumerate(_list(item.get("escalation_targets"))):
            where = (*path, "escalation_targets", i)
            entry: dict[str, Any] = {}
            target = _map(target)
            if "escalation_paths" in target and "users" in target:
                self.problem(
                    (*where, "users"),
                    "a target takes escalation_paths or users, not both (incident.io overwrites users with the "
                    "escalation paths); put the users in a target of their own",
                )
            if "escalation_paths" in target:
                paths = target["escalation_paths"]
                entry["escalation_paths"] = self.values(paths, (*where, "escalation_paths"), "escalation_path")
            if "users" in target:
                entry["users"] = self.values(target["users"], (*where, "users"), "user")
            targets.append(entry)
        cancel = item.get("auto_cancel_escalations", ESCALATION_DEFAULTS["auto_cancel_escalations"])
        return {"auto_cancel_escalations": cancel, "escalation_targets": targets}

    def channel_config(self, config: Any, path: JsonPath) -> dict[str, Any]:
        item = _map(config)
        out: dict[str, Any] = {"condition_groups": self.groups(item, path)}
        for key, kind in (("slack_targets", "slack"), ("ms_teams_targets", None)):
            if key not in item:
                continue
            target = _map(item[key])
            if "binding" in target:
                bound = dict(_map(target["binding"]))
            else:
                bound = self.values(_list(target.get("channels")), (*path, key, "channels"), kind)
            out[key] = {"binding": bound, "channel_visibility": target.get("channel_visibility", "public")}
        return out

    def incident_config(self, config: Any, path: JsonPath) -> dict[str, Any]:
        item = _map(config)
        out = {key: item.get(key, default) for key, default in INCIDENT_DEFAULTS.items()}
        out["condition_groups"] = self.groups(item, path)
        out["grouping_keys"] = [
            {"reference": key} if isinstance(key, str) else dict(_map(key)) for key in _list(item.get("grouping_keys"))
        ]
        return out

    def text(self, value: Any, path: JsonPath) -> dict[str, Any]:
        """A templated field (name, summary): a template string, or the raw `{autogenerated, binding}`."""
        if isinstance(value, str):
            try:
                doc = template_to_doc(value)
            except TemplateError as error:  # validate reports it first; resolving unvalidated files must not crash
                self.problem(path, str(error))
                return {"autogenerated": False}
            doc = map_variables(doc, lambda ref: self.reference(ref, path))
            return {"autogenerated": False, "binding": {"value": {"literal": doc}}}
        raw = dict(_map(value))
        literal = _map(_map(raw.get("binding")).get("value")).get("literal")
        if isinstance(literal, str) and is_doc(literal):
            doc = map_variables(literal, lambda ref: self.reference(ref, path))
            raw["binding"] = {**raw["binding"], "value": {**raw["binding"]["value"], "literal": doc}}
        return raw

    def template(self, template: Any, path: JsonPath) -> dict[str, Any]:
        item = _map(template)
        out: dict[str, Any] = {}
        for key in ("name", "summary"):
            if key in item:
                out[key] = self.text(item[key], (*path, key))
        if "severity" in item:
            severity = _map(item["severity"])
            out["severity"] = {"merge_strategy": severity.get("merge_strategy")}
            if "binding" in severity:
                out["severity"]["binding"] = dict(_map(severity["binding"]))
            elif "value" in severity:
                out["severity"]["binding"] = self.values(severity["value"], (*path, "severity", "value"), "severity")
        for key, kind in _TEMPLATE_FIELDS.items():
            if key not in item:
                continue
            value = item[key]
            if isinstance(value, Mapping) and "binding" in value:
                out[key] = {"binding": dict(_map(value["binding"]))}
            else:
                out[key] = {"binding": self.values(value, (*path, key), kind)}
        fields = []
        for i, field in enumerate(_list(item.get("custom_fields"))):
            field = _map(field)
            where = (*path, "custom_fields", i)
            key = "custom_field" if "custom_field" in field else "custom_field_id"
            fields.append(
                {
                    "custom_field_id": self.lookup("custom_field", field.get(key), (*where, key)),
                    "binding": self.values(field["value"], (*where, "value"))
                    if "value" in field
                    else dict(_map(field.get("binding"))),
                    "merge_strategy": field.get("merge_strategy"),
                }
            )
        if fields:
            out["custom_fields"] = fields
        return out

    def payload(self) -> dict[str, Any]:
        data = self.doc.data
        self.collect_references(data, ())
        team_key = "owning_teams" if "owning_teams" in data else "owning_team_ids"
        payload: dict[str, Any] = {
            "name": data.get("name"),
            "enabled": data.get("enabled", True),
            "is_private": data.get("is_private", False),
            "owning_team_ids": [self.lookup("team", t, (team_key, i)) for i, t in enumerate(_list(data.get(team_key)))],
            "alert_sources": [],
            "condition_groups": self.groups(data, ()),
            "expressions": _list(data.get("expressions")),
            "channel_config": [
                self.channel_config(c, ("channel_config", i)) for i, c in enumerate(_list(data.get("channel_config")))
            ],
            "escalation_config": self.escalation(data.get("escalation_config"), ("escalation_config",)),
            "incident_config": self.incident_config(data.get("incident_config"), ("incident_config",)),
            "incident_template": self.template(data.get("incident_template"), ("incident_template",)),
        }
        for i, source in enumerate(_list(data.get("alert_sources"))):
            source = _map(source)
            key = "alert_source" if "alert_source" in source else "alert_source_id"
            payload["alert_sources"].append(
                {
                    "alert_source_id": self.lookup("alert_source", source.get(key), ("alert_sources", i, key)),
                    "condition_groups": self.groups(source, ("alert_sources", i)),
                }
            )
        if "message_template" in data:
            payload["message_template"] = self.values(data["message_template"], ("message_template",))
        return canonicalize(map_references(payload, self.mapped), self.catalog)


def resolve_route(doc: RouteDocLike, catalog: Catalog) -> tuple[DesiredRoute | None, list[Problem]]:
    """One route file → its desired route, or None and every problem found."""
    resolver = _Resolver(doc, catalog)
    data = doc.data
    name = data.get("name")
    if not isinstance(name, str) or not name:
        resolver.problem(("name",), "a route needs a name")
    payload = resolver.payload()
    if resolver.problems:
        return None, sorted(resolver.problems)
    pinned = data.get("id")
    route = DesiredRoute(
        name=str(name),
        source=str(doc.path),
        pinned_id=pinned if isinstance(pinned, str) and pinned else None,
        protect=bool(data.get("protect", False)),
        payload=payload,
        document=dict(data),
    )
    return route, []


def resolve_routes(docs: Sequence[RouteDocLike], catalog: Catalog) -> list[DesiredRoute]:
    """Every route file → desired routes; raise one InputError with the problems of all files."""
    routes: list[DesiredRoute] = []
    problems: list[Problem] = []
    for doc in docs:
        route, found = resolve_route(doc, catalog)
        problems.extend(found)
        if route is not None:
            routes.append(route)
    if problems:
        raise InputError(problems)
    return routes
