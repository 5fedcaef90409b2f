"""The route model (ids) → a route file (names, short forms, defaults omitted): export and plan display.

Pure: no I/O. The inverse of `reconciler.files.decode`: for every route whose ids exist in the catalog,
`decode(encode(route)) == route`. A name is written only when it resolves back to the same id; otherwise the id
stays. `full=True` writes every default out too: what the diff compares, so both sides read fully.
"""

from __future__ import annotations

from typing import Any

from reconciler.files import references as refs
from reconciler.model import Catalog
from reconciler.route import Binding, Condition, Destination, Escalation, Groups, Rejoin, Route, Target, Template, Text
from reconciler.templates.documents import doc_to_template, is_doc, map_variables
from reconciler.wire import common_json as wire_json


def _literal(catalog: Catalog, kind: str | None, literal: str) -> str | None:
    """The short-form scalar for a literal, or None when only the raw form can hold it."""
    if kind == "slack":
        return refs.channel_name(catalog.slack_channels, literal)
    if kind == "teams":
        return refs.channel_name(catalog.teams_channels, literal, marker="")
    return refs.name_for(catalog, kind, literal) if kind else literal


def _item(catalog: Catalog, kind: str | None, value: Any) -> Any:
    if value.literal is not None and value.reference is None:
        return _literal(catalog, kind, value.literal)
    if value.reference is not None and value.literal is None:
        return {"reference": refs.reference_names(catalog)(value.reference)}
    return None


def raw(binding: Binding, catalog: Catalog) -> dict[str, Any]:
    """A binding in the API's raw shape, attributes named."""
    result: dict[str, Any] = refs.map_references(wire_json.binding_json(binding), refs.reference_names(catalog))
    return result


def values_doc(binding: Binding, catalog: Catalog, kind: str | None = None) -> Any:
    """A binding in the Values form: a string, a list, `{reference}`; or the raw binding when no short form fits."""
    if binding.value is not None and binding.array is None:
        short = _item(catalog, kind, binding.value)
        if short is not None:
            return short
    if binding.array is not None and binding.value is None:
        items = [_item(catalog, kind, v) for v in binding.array]
        if all(item is not None for item in items):
            return items
    return raw(binding, catalog)


def list_doc(binding: Binding, catalog: Catalog, kind: str | None) -> Any:
    """For fields written as lists (escalation paths, users, teams, channels): the list, or the raw binding."""
    short = values_doc(binding, catalog, kind)
    return short if isinstance(short, list) else raw(binding, catalog)


def _condition(condition: Condition, catalog: Catalog) -> dict[str, Any]:
    subject = refs.reference_names(catalog)(condition.subject)
    operation = refs.written_operation(condition.subject, condition.operation, catalog)
    out: dict[str, Any] = {"subject": subject, "operation": operation}
    params = condition.params
    short = values_doc(params[0], catalog) if len(params) == 1 else None
    if not params:
        pass
    elif isinstance(short, str):
        out["value"] = short
    elif isinstance(short, list) and all(isinstance(item, str) for item in short):
        out["values"] = short
    else:
        out["param_bindings"] = [raw(b, catalog) for b in params]
    return out


def groups_doc(groups: Groups, catalog: Catalog, *, full: bool = False) -> dict[str, Any]:
    """`conditions:` for one non-empty AND group, `condition_groups:` otherwise; nothing for none."""
    if not groups:
        return {"conditions": []} if full else {}
    converted = [[_condition(c, catalog) for c in group] for group in groups]
    if len(converted) == 1 and converted[0]:
        return {"conditions": converted[0]}
    return {"condition_groups": [{"conditions": group} for group in converted]}


def _target(target: Target, catalog: Catalog, kind: str, full: bool) -> dict[str, Any]:
    short = values_doc(target.binding, catalog, kind)
    out: dict[str, Any] = {"channels": short} if isinstance(short, list) else {"binding": raw(target.binding, catalog)}
    if full or target.visibility != "public":
        out["channel_visibility"] = target.visibility
    if full or target.group_alerts_summary:
        out["group_alerts_summary"] = target.group_alerts_summary
    return out


def _destination(destination: Destination, catalog: Catalog, full: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if destination.slack is not None:
        entry["slack_targets"] = _target(destination.slack, catalog, "slack", full)
    if destination.teams is not None:
        entry["ms_teams_targets"] = _target(destination.teams, catalog, "teams", full)
    entry.update(groups_doc(destination.groups, catalog))
    return entry


def _escalation(escalation: Escalation, catalog: Catalog, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if full or escalation.auto_cancel:
        out["auto_cancel_escalations"] = escalation.auto_cancel
    targets = []
    for target in escalation.targets:
        entry: dict[str, Any] = {}
        if target.paths is not None:
            entry["escalation_paths"] = list_doc(target.paths, catalog, "escalation_path")
        if target.users is not None:
            entry["users"] = list_doc(target.users, catalog, "user")
        targets.append(entry)
    if full or targets:
        out["escalation_targets"] = targets
    rejoin = escalation.rejoin
    if rejoin is not None and (full or rejoin != Rejoin()):
        joins: dict[str, Any] = {"mode": rejoin.mode}
        if full or rejoin.grace_period_seconds:
            joins["grace_period_seconds"] = rejoin.grace_period_seconds
        out["when_alert_joins_group"] = joins
    return out


def text_doc(text: Text, catalog: Catalog) -> Any:
    """A templated field (name, summary): a template string when one expresses it, else the raw
    `{autogenerated, binding}` (with attributes named in its variables, as in a template)."""
    bound = text.binding
    if not text.autogenerated and bound is not None and bound.array is None and bound.value is not None:
        literal = bound.value.literal
        if bound.value.reference is None and isinstance(literal, str) and is_doc(literal):
            named = map_variables(literal, refs.reference_names(catalog))
            template = doc_to_template(named, spaced=True)
            if template is not None:
                return template
            return {"autogenerated": text.autogenerated, "binding": {"value": {"literal": named}}}
    out: dict[str, Any] = {"autogenerated": text.autogenerated}
    if bound is not None:
        out["binding"] = raw(bound, catalog)
    return out


def _template(template: Template, catalog: Catalog) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if template.name != Text():
        out["name"] = text_doc(template.name, catalog)
    if template.summary is not None:
        out["summary"] = text_doc(template.summary, catalog)
    if template.severity is not None:
        severity = template.severity
        entry: dict[str, Any] = {}
        short = values_doc(severity.binding, catalog, "severity") if severity.binding is not None else None
        if isinstance(short, str | list) or (isinstance(short, dict) and set(short) == {"reference"}):
            entry["value"] = short
        elif severity.binding is not None:
            entry["binding"] = raw(severity.binding, catalog)
        entry["merge_strategy"] = severity.merge_strategy
        out["severity"] = entry
    for key in ("incident_type", "incident_mode", "start_in_triage", "workspace", "membership_teams"):
        bound = getattr(template, key)
        if bound is None:
            continue
        if key == "membership_teams":
            short = list_doc(bound, catalog, "team")
            out[key] = short if isinstance(short, list) else {"binding": raw(bound, catalog)}
            continue
        short = values_doc(bound, catalog, "incident_type" if key == "incident_type" else None)
        if key == "start_in_triage" and short in ("true", "false"):
            short = short == "true"
        out[key] = (
            {"binding": raw(bound, catalog)} if isinstance(short, dict) and set(short) != {"reference"} else short
        )
    if template.custom_fields:
        out["custom_fields"] = [
            {
                "custom_field": refs.name_for(catalog, "custom_field", rule.custom_field_id),
                "value": values_doc(rule.binding, catalog),
                "merge_strategy": rule.merge_strategy,
            }
            for rule in template.custom_fields
        ]
    return out


def _message_template(binding: Binding, catalog: Catalog) -> Any:
    text = text_doc(Text(autogenerated=False, binding=binding), catalog)
    return {"template": text} if isinstance(text, str) else values_doc(binding, catalog)


def encode(route: Route, catalog: Catalog, *, route_id: str | None = None, full: bool = False) -> dict[str, Any]:
    """`route` as a route file's data (ready to dump as YAML); `route_id` pins it (`id:`)."""
    doc: dict[str, Any] = {}
    if route_id is not None:
        doc["id"] = route_id
    doc["name"] = route.name
    if full or not route.enabled:
        doc["enabled"] = route.enabled
    if full or route.is_private:
        doc["is_private"] = route.is_private
    if full or route.owning_team_ids:
        doc["owning_teams"] = [refs.name_for(catalog, "team", t) for t in route.owning_team_ids]
    if full or route.sources:
        doc["alert_sources"] = [
            {"alert_source": refs.name_for(catalog, "alert_source", s.alert_source_id), **groups_doc(s.groups, catalog)}
            for s in route.sources
        ]
    doc.update(groups_doc(route.groups, catalog, full=full))
    if full or route.expressions:
        expressions = [wire_json.expression_json(e) for e in route.expressions]
        named = refs.map_references(refs.written_operations(expressions, catalog), refs.reference_names(catalog))
        doc["expressions"] = named
    escalation = _escalation(route.escalation, catalog, full)
    if escalation:
        doc["escalation_config"] = escalation
    if full or route.destinations:
        doc["channel_config"] = [_destination(d, catalog, full) for d in route.destinations]
    grouping = route.grouping
    if grouping.enabled:
        block: dict[str, Any] = {}
        if full or grouping.keys:
            block["keys"] = [refs.reference_names(catalog)(k) for k in grouping.keys]
        block["window_seconds"] = grouping.window_seconds
        if full or grouping.window_type != "rolling":
            block["window_type"] = grouping.window_type
        doc["grouping"] = block
    elif full:
        doc["grouping"] = {"enabled": False}
    incidents = route.incidents
    config: dict[str, Any] = {}
    if full or incidents.enabled:
        config["enabled"] = incidents.enabled
    if full or incidents.auto_decline:
        config["auto_decline_enabled"] = incidents.auto_decline
    config.update(groups_doc(incidents.groups, catalog, full=full))
    if config:
        doc["incident_config"] = config
    template = _template(incidents.template, catalog)
    if template:
        doc["incident_template"] = template
    if route.message_template is not None:
        doc["message_template"] = _message_template(route.message_template, catalog)
    return doc
