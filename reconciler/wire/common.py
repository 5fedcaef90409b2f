"""What the v2 and v3 alert-route shapes share: bindings, conditions, expressions, channel targets, templates.

Pure: no I/O. Readers accept a response (labels, `subject: {label, reference}`, `operation: {label, value}`) or a
payload (plain strings) alike and give model values; writers give payload JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.errors import WireRefusal
from reconciler.route import (
    JSON,
    Binding,
    Condition,
    Destination,
    EscalationTarget,
    Expression,
    FieldRule,
    Groups,
    Route,
    SeverityRule,
    Source,
    Target,
    Template,
    Text,
    Value,
    freeze,
    thaw,
)
from reconciler.templates.documents import canonical_doc, is_doc

__all__ = ["WireRefusal"]  # re-exported by reconciler.wire

TEMPLATE_BINDINGS = ("incident_type", "incident_mode", "start_in_triage", "membership_teams")


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def flag(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


# Reading


def value(item: Any) -> Value:
    data = mapping(item)
    literal = data.get("literal")
    if isinstance(literal, str) and is_doc(literal):
        literal = canonical_doc(literal)  # templates compare under incident.io's grammar, not as text
    reference = data.get("reference")
    return Value(
        literal=literal if isinstance(literal, str) else None,
        reference=reference if isinstance(reference, str) else None,
    )


def binding(item: Any) -> Binding | None:
    data = mapping(item)
    one = data.get("value")
    many = data.get("array_value")
    if one is None and many is None:
        return None
    return Binding(
        value=None if one is None else value(one),
        array=None if many is None else tuple(value(v) for v in items(many)),
    )


def _text(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else item


def condition(item: Any) -> Condition:
    data = mapping(item)
    params = tuple(b for b in (binding(p) for p in items(data.get("param_bindings"))) if b is not None)
    return Condition(
        subject=str(_text(data.get("subject"), "reference") or ""),
        operation=str(_text(data.get("operation"), "value") or ""),
        params=params,
    )


def groups(item: Any) -> Groups:
    return tuple(tuple(condition(c) for c in items(mapping(g).get("conditions"))) for g in items(item))


def _returns(item: Any) -> dict[str, Any]:
    data = mapping(item)
    return {"array": data.get("array"), "type": data.get("type")}


def operation(item: Any) -> JSON:
    """An expression operation in canonical JSON (response-only `returns` and `reference_label` dropped)."""
    data = mapping(item)
    out: dict[str, Any] = {"operation_type": data.get("operation_type")}
    if data.get("navigate") is not None:
        out["navigate"] = {"reference": mapping(data["navigate"]).get("reference")}
    if data.get("filter") is not None:
        out["filter"] = {"condition_groups": groups_json(groups(mapping(data["filter"]).get("condition_groups")))}
    if data.get("concatenate") is not None:
        out["concatenate"] = {"reference": mapping(data["concatenate"]).get("reference")}
    if data.get("parse") is not None:
        parse = mapping(data["parse"])
        out["parse"] = {"source": parse.get("source"), "returns": _returns(parse.get("returns"))}
    if data.get("branches") is not None:
        branches = mapping(data["branches"])
        out["branches"] = {
            "branches": [
                {
                    "condition_groups": groups_json(groups(mapping(b).get("condition_groups"))),
                    "result": binding_json(binding(mapping(b).get("result")) or Binding()),
                }
                for b in items(branches.get("branches"))
            ],
            "returns": _returns(branches.get("returns")),
        }
    if data.get("cast") is not None:
        out["cast"] = {"returns": _returns(mapping(data["cast"]).get("returns"))}
    return freeze(out)


def expression(item: Any) -> Expression:
    data = mapping(item)
    return Expression(
        reference=str(data.get("reference") or ""),
        label=str(data.get("label") or ""),
        root_reference=str(data.get("root_reference") or ""),
        operations=tuple(operation(o) for o in items(data.get("operations"))),
        else_result=binding(mapping(data.get("else_branch")).get("result")),
    )


def sources(item: Any) -> tuple[Source, ...]:
    return tuple(
        Source(str(mapping(s).get("alert_source_id") or ""), groups(mapping(s).get("condition_groups")))
        for s in items(item)
    )


def shared(route: Mapping[str, Any]) -> dict[str, Any]:
    """The `Route` fields both versions spell alike: name, flags, owning teams, sources, conditions, expressions."""
    return {
        "name": str(route.get("name") or ""),
        "enabled": flag(route.get("enabled"), True),
        "is_private": flag(route.get("is_private"), False),
        "owning_team_ids": tuple(str(t) for t in items(route.get("owning_team_ids"))),
        "sources": sources(route.get("alert_sources")),
        "groups": groups(route.get("condition_groups")),
        "expressions": tuple(expression(e) for e in items(route.get("expressions"))),
    }


def shared_json(route: Route) -> dict[str, Any]:
    """The payload fields both versions spell alike."""
    return {
        "name": route.name,
        "enabled": route.enabled,
        "is_private": route.is_private,
        "owning_team_ids": list(route.owning_team_ids),
        "alert_sources": sources_json(route.sources),
        "condition_groups": groups_json(route.groups),
        "expressions": [expression_json(e) for e in route.expressions],
    }


def target(item: Any) -> Target | None:
    if item is None:
        return None
    data = mapping(item)
    return Target(
        binding=binding(data.get("binding")) or Binding(),
        visibility=str(data.get("channel_visibility") or "public"),
        group_alerts_summary=bool(data.get("group_alerts_summary", False)),
    )


def destination(item: Any) -> Destination:
    data = mapping(item)
    return Destination(
        groups=groups(data.get("condition_groups")),
        slack=target(data.get("slack_targets")),
        teams=target(data.get("ms_teams_targets")),
    )


def escalation_target(item: Any) -> EscalationTarget:
    data = mapping(item)
    paths = binding(data.get("escalation_paths"))
    # The server copies an escalation-path binding into `users` ("legacy compatibility"): paths win.
    return EscalationTarget(paths=paths, users=None if paths is not None else binding(data.get("users")))


def _text_field(item: Any) -> Text:
    data = mapping(item)
    bound = binding(data.get("binding"))
    autogenerated = data.get("autogenerated")
    return Text(autogenerated=(bound is None) if autogenerated is None else bool(autogenerated), binding=bound)


def template(item: Any) -> Template:
    data = mapping(item)
    summary = _text_field(data["summary"]) if data.get("summary") is not None else None
    severity = mapping(data.get("severity")) if data.get("severity") is not None else None
    return Template(
        name=_text_field(data.get("name")),
        summary=None if summary == Text() else summary,  # an omitted summary is echoed as autogenerated
        severity=None
        if severity is None
        else SeverityRule(str(severity.get("merge_strategy") or ""), binding(severity.get("binding"))),
        custom_fields=tuple(
            FieldRule(
                str(mapping(f).get("custom_field_id") or ""),
                binding(mapping(f).get("binding")) or Binding(),
                str(mapping(f).get("merge_strategy") or ""),
            )
            for f in items(data.get("custom_fields"))
        ),
        **{key: binding(mapping(data.get(key)).get("binding")) for key in (*TEMPLATE_BINDINGS, "workspace")},
    )


# Writing


def value_json(item: Value) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.literal is not None:
        out["literal"] = item.literal
    if item.reference is not None:
        out["reference"] = item.reference
    return out


def binding_json(item: Binding) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.value is not None:
        out["value"] = value_json(item.value)
    if item.array is not None:
        out["array_value"] = [value_json(v) for v in item.array]
    return out


def groups_json(item: Groups) -> list[dict[str, Any]]:
    return [
        {
            "conditions": [
                {
                    "subject": c.subject,
                    "operation": c.operation,
                    "param_bindings": [binding_json(b) for b in c.params],
                }
                for c in group
            ]
        }
        for group in item
    ]


def sources_json(item: tuple[Source, ...]) -> list[dict[str, Any]]:
    return [{"alert_source_id": s.alert_source_id, "condition_groups": groups_json(s.groups)} for s in item]


def expression_json(item: Expression) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": item.label,
        "reference": item.reference,
        "root_reference": item.root_reference,
        "operations": [thaw(o) for o in item.operations],
    }
    if item.else_result is not None:
        out["else_branch"] = {"result": binding_json(item.else_result)}
    return out


def target_json(item: Target, *, v3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"binding": binding_json(item.binding), "channel_visibility": item.visibility}
    if v3 and item.group_alerts_summary:
        out["group_alerts_summary"] = True
    return out


def destination_json(item: Destination, *, v3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"condition_groups": groups_json(item.groups)}
    if item.slack is not None:
        out["slack_targets"] = target_json(item.slack, v3=v3)
    if item.teams is not None:
        out["ms_teams_targets"] = target_json(item.teams, v3=v3)
    return out


def escalation_target_json(item: EscalationTarget) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.paths is not None:
        out["escalation_paths"] = binding_json(item.paths)
    if item.users is not None:
        out["users"] = binding_json(item.users)
    return out


def _text_json(item: Text) -> dict[str, Any]:
    out: dict[str, Any] = {"autogenerated": item.autogenerated}
    if item.binding is not None:
        out["binding"] = binding_json(item.binding)
    return out


def template_json(item: Template, *, v3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": _text_json(item.name)}
    if item.summary is not None:
        out["summary"] = _text_json(item.summary)
    if item.severity is not None:
        out["severity"] = {"merge_strategy": item.severity.merge_strategy}
        if item.severity.binding is not None:
            out["severity"]["binding"] = binding_json(item.severity.binding)
    if item.custom_fields:
        out["custom_fields"] = [
            {
                "custom_field_id": f.custom_field_id,
                "binding": binding_json(f.binding),
                "merge_strategy": f.merge_strategy,
            }
            for f in item.custom_fields
        ]
    for key in (*TEMPLATE_BINDINGS, *(() if v3 else ("workspace",))):
        bound = getattr(item, key)
        if bound is not None:
            out[key] = {"binding": binding_json(bound)}
    return out
