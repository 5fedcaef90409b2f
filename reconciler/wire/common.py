"""What the v2 and v3 alert-route shapes share: bindings, conditions, expressions, channel targets, templates.

Pure: no I/O. These readers accept a response (labels, `subject: {label, reference}`, `operation: {label, value}`)
or a payload (plain strings) alike and give model values; the writers, model to payload JSON, are `common_json.py`.
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
    SeverityRule,
    Source,
    Target,
    Template,
    Text,
    Value,
    freeze,
)
from reconciler.templates.documents import canonical_doc, is_doc
from reconciler.wire.common_json import TEMPLATE_BINDINGS, binding_json, groups_json

__all__ = ["WireRefusal"]  # re-exported by reconciler.wire


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def flag(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


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
