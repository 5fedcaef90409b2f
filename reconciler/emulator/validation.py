"""Request-body checks for alert-route writes, v2 and v3: the payload's shape (payload_shapes.py), the rules the API
holds a route to, then every referenced id. Problems carry `source.field` paths like
`alert_sources[0].alert_source_id`; all of them are reported at once (422).

Rules for both versions:
- a name that is not blank; condition operations the engine knows (the spec lists none, so the emulator refuses
  operations outside OPERATIONS); a subject `alert.attributes.<id>` names a known attribute, `expressions["<ref>"]`
  an expression of the same route;
- an escalation target holds escalation paths or users, never both (the server would overwrite the users with its
  echo of the paths, dropping them without a word).

v3, as the Terraform provider enforces them before sending (incident_alert_route_validate.go) and the payload's
field descriptions state them: with grouping off, no window_seconds, window_type, grouping_keys or
when_alert_joins_group; with grouping on, window_seconds (60..172800) and window_type are required; a
grace_period_seconds only with mode on_each_new_alert; with incident creation off, no template, no
condition_groups (an empty list is accepted) and no auto_decline_enabled; with it on, auto_decline_enabled is
required.

v2: the same route is read through v3, so a v2 write must stay expressible there: grouping_window_seconds is 0 (no
grouping) or within v3's 60..172800.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.emulator.errors import ErrorDetail
from reconciler.emulator.labels import ATTRIBUTE_PREFIX, OPERATIONS
from reconciler.emulator.payload_shapes import CREATE_V2, CREATE_V3, UPDATE_V2, UPDATE_V3
from reconciler.emulator.shapes import check
from reconciler.emulator.state import EmulatorState

Obj = dict[str, Any]
EXPRESSION_PREFIX, EXPRESSION_SUFFIX = 'expressions["', '"]'


@dataclass(frozen=True)
class Layout:
    """Where a payload version keeps the parts that moved between v2 and v3."""

    destinations: tuple[str, ...]
    template: tuple[str, ...]


V2 = Layout(destinations=("channel_config",), template=("incident_template",))
V3 = Layout(destinations=("message_config", "destinations"), template=("incident_config", "template"))


def _at(body: Obj, keys: tuple[str, ...]) -> Any:
    node: Any = body
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _literals(binding: Obj) -> list[tuple[str, str]]:
    """(literal, field suffix) pairs of a binding."""
    out = []
    if "literal" in binding.get("value", {}):
        out.append((binding["value"]["literal"], ".value.literal"))
    for i, v in enumerate(binding.get("array_value", [])):
        if "literal" in v:
            out.append((v["literal"], f".array_value[{i}].literal"))
    return out


class _References:
    """The rules both versions share and the referenced-id checks, on a structurally sound payload."""

    def __init__(self, state: EmulatorState, body: Obj, problems: list[ErrorDetail]):
        self.state, self.problems = state, problems
        self.expressions = {e["reference"] for e in body["expressions"]}

    def need(self, ok: bool, field: str, what: str) -> None:
        if not ok:
            self.problems.append(ErrorDetail("invalid_value", f"referenced {what} not found in scope", field))

    def binding_ids(self, binding: Obj, path: str, lookup: dict[str, Obj], what: str) -> None:
        for literal, suffix in _literals(binding):
            self.need(literal in lookup, path + suffix, what)

    def groups(self, groups: list[Obj], path: str, *, subjects: bool = True) -> None:
        for g, group in enumerate(groups):
            for c, condition in enumerate(group["conditions"]):
                where = f"{path}[{g}].conditions[{c}]"
                if condition["operation"] not in OPERATIONS:
                    message = f"unknown operation {condition['operation']!r}"
                    self.problems.append(ErrorDetail("invalid_value", message, where + ".operation"))
                subject = condition["subject"]
                if not subject.strip():
                    self.problems.append(ErrorDetail("invalid_value", "subject must not be blank", where + ".subject"))
                elif subjects and subject.startswith(ATTRIBUTE_PREFIX):
                    known = subject[len(ATTRIBUTE_PREFIX) :] in self.state.alert_attributes
                    self.need(known, where + ".subject", "alert attribute")
                elif subjects and subject.startswith(EXPRESSION_PREFIX) and subject.endswith(EXPRESSION_SUFFIX):
                    known = subject[len(EXPRESSION_PREFIX) : -len(EXPRESSION_SUFFIX)] in self.expressions
                    self.need(known, where + ".subject", "expression")

    def route(self, body: Obj, layout: Layout) -> None:
        s = self.state
        if not body["name"].strip():
            self.problems.append(ErrorDetail("invalid_value", "name must not be blank", "name"))
        for i, source in enumerate(body["alert_sources"]):
            ok = source["alert_source_id"] in s.alert_sources
            self.need(ok, f"alert_sources[{i}].alert_source_id", "alert source")
            self.groups(source["condition_groups"], f"alert_sources[{i}].condition_groups")
        self.groups(body["condition_groups"], "condition_groups")
        for e, expression in enumerate(body["expressions"]):
            for o, op in enumerate(expression["operations"]):
                where = f"expressions[{e}].operations[{o}]"
                if "filter" in op:
                    self.groups(op["filter"]["condition_groups"], where + ".filter.condition_groups", subjects=False)
                for b, branch in enumerate((op.get("branches") or {}).get("branches", [])):
                    self.groups(
                        branch["condition_groups"], f"{where}.branches.branches[{b}].condition_groups", subjects=False
                    )
        path = ".".join(layout.destinations)
        for i, channel in enumerate(_at(body, layout.destinations)):
            self.groups(channel["condition_groups"], f"{path}[{i}].condition_groups")
        self.groups(body["incident_config"].get("condition_groups") or [], "incident_config.condition_groups")
        self.escalation(body["escalation_config"]["escalation_targets"])
        for i, team in enumerate(body.get("owning_team_ids") or []):
            self.need(team in s.teams, f"owning_team_ids[{i}]", "team")
        template = _at(body, layout.template)
        if template is not None:
            self.template(template, ".".join(layout.template))

    def escalation(self, targets: list[Obj]) -> None:
        s = self.state
        for i, target in enumerate(targets):
            path = f"escalation_config.escalation_targets[{i}]"
            if "escalation_paths" in target and "users" in target:
                message = "an escalation target holds escalation_paths or users, not both"
                self.problems.append(ErrorDetail("invalid_value", message, path))
                continue
            if "escalation_paths" in target:
                self.binding_ids(
                    target["escalation_paths"], path + ".escalation_paths", s.escalation_paths, "escalation path"
                )
            elif "users" in target:
                self.binding_ids(target["users"], path + ".users", s.users, "user")

    def template(self, template: Obj, path: str) -> None:
        s = self.state
        severity = template.get("severity")
        if severity and "binding" in severity:
            self.binding_ids(severity["binding"], path + ".severity.binding", s.severities, "severity")
        for name, lookup, what in (
            ("incident_type", s.incident_types, "incident type"),
            ("membership_teams", s.teams, "team"),
        ):
            binding = (template.get(name) or {}).get("binding")
            if binding:
                self.binding_ids(binding, f"{path}.{name}.binding", lookup, what)
        for i, cf in enumerate(template.get("custom_fields") or []):
            ok = cf["custom_field_id"] in s.custom_fields
            self.need(ok, f"{path}.custom_fields[{i}].custom_field_id", "custom field")


def _v2_rules(body: Obj, problems: list[ErrorDetail]) -> None:
    window = body["incident_config"]["grouping_window_seconds"]
    if window != 0 and not 60 <= window <= 172800:
        message = (
            "grouping_window_seconds must be 0 (no grouping) or between 60 and 172800, so that the route stays "
            "expressible in v3 (grouping_config.default.window_seconds)"
        )
        problems.append(ErrorDetail("invalid_value", message, "incident_config.grouping_window_seconds"))


def _refuse(problems: list[ErrorDetail], field: str, message: str) -> None:
    problems.append(ErrorDetail("invalid_value", message, field))


def _v3_rules(body: Obj, problems: list[ErrorDetail]) -> None:
    grouping = body["grouping_config"]["default"]
    base = "grouping_config.default"
    joins = body["escalation_config"].get("when_alert_joins_group")
    if grouping["enabled"]:
        for name in ("window_seconds", "window_type"):
            if grouping.get(name) is None:
                message = f"{name} is required when grouping is enabled"
                problems.append(ErrorDetail("is_required", message, f"{base}.{name}"))
    else:
        for name in ("window_seconds", "window_type"):
            if grouping.get(name) is not None:
                _refuse(problems, f"{base}.{name}", f"{name} must not be set when grouping is disabled")
        if grouping.get("grouping_keys"):
            _refuse(problems, f"{base}.grouping_keys", "grouping_keys must not be set when grouping is disabled")
        if joins is not None:
            message = "when_alert_joins_group is only valid when grouping is enabled"
            _refuse(problems, "escalation_config.when_alert_joins_group", message)
    if joins is not None and joins["mode"] != "on_each_new_alert" and joins.get("grace_period_seconds") is not None:
        message = "grace_period_seconds can only be set when mode is on_each_new_alert"
        _refuse(problems, "escalation_config.when_alert_joins_group.grace_period_seconds", message)
    incident = body["incident_config"]
    if incident["enabled"]:
        if incident.get("auto_decline_enabled") is None:
            message = "auto_decline_enabled is required when incident creation is enabled"
            problems.append(ErrorDetail("is_required", message, "incident_config.auto_decline_enabled"))
        return
    if incident.get("template") is not None:
        _refuse(problems, "incident_config.template", "template must not be set when incident creation is disabled")
    if incident.get("condition_groups"):
        message = "condition_groups must be empty when incident creation is disabled"
        _refuse(problems, "incident_config.condition_groups", message)
    if incident.get("auto_decline_enabled") is not None:
        message = "auto_decline_enabled must not be set when incident creation is disabled"
        _refuse(problems, "incident_config.auto_decline_enabled", message)


def validate_route_payload(body: Any, state: EmulatorState, *, update: bool) -> list[ErrorDetail]:
    """Every problem with a v2 create (update=False) or update payload; empty when it can be accepted."""
    if not isinstance(body, dict):
        return [ErrorDetail("invalid_value", "the request body must be a JSON object")]
    problems = check(body, UPDATE_V2 if update else CREATE_V2)
    if not problems:  # the rules and reference checks assume the structure is sound
        _v2_rules(body, problems)
        _References(state, body, problems).route(body, V2)
    return problems


def validate_route_payload_v3(body: Any, state: EmulatorState, *, update: bool) -> list[ErrorDetail]:
    """Every problem with a v3 create (update=False) or update payload; empty when it can be accepted."""
    if not isinstance(body, dict):
        return [ErrorDetail("invalid_value", "the request body must be a JSON object")]
    problems = check(body, UPDATE_V3 if update else CREATE_V3)
    if not problems:
        _v3_rules(body, problems)
        _References(state, body, problems).route(body, V3)
    return problems
