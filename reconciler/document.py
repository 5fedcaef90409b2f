"""Canonical payload (ids) → the route file format (names, short forms, defaults omitted): export and plan display.

Pure: no I/O. The inverse of `reconciler.resolve`: for every payload whose ids exist in the catalog,
`resolve(to_document(payload)) == canonicalize(payload)`. A name is written only when resolving it gives the same id
back (unique, not another entity's id, and writable inside a reference); otherwise the id stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.model import Catalog, Entity
from reconciler.normalize import (
    ESCALATION_DEFAULTS,
    INCIDENT_DEFAULTS,
    canonicalize,
    map_references,
    split_attribute,
    unrewrite_operations,
)
from reconciler.richtext import doc_to_template, is_doc, map_variables

# kind -> (what people call it, Catalog attribute). Users are written by email (their Entity.name).
KINDS: Mapping[str, tuple[str, str]] = {
    "alert_source": ("alert source", "alert_sources"),
    "alert_attribute": ("alert attribute", "alert_attributes"),
    "escalation_path": ("escalation path", "escalation_paths"),
    "severity": ("severity", "severities"),
    "incident_type": ("incident type", "incident_types"),
    "custom_field": ("custom field", "custom_fields"),
    "user": ("user", "users"),
    "team": ("team", "teams"),
}
_UNSAFE_IN_REFERENCE = frozenset(".[]{}")


def entities(catalog: Catalog, kind: str) -> Sequence[Entity]:
    found: Sequence[Entity] = getattr(catalog, KINDS[kind][1])
    return found


def same_name(kind: str, a: str, b: str) -> bool:
    """Names compare exactly; emails case-insensitively."""
    return a.casefold() == b.casefold() if kind == "user" else a == b


def name_for(catalog: Catalog, kind: str, entity_id: str) -> str:
    """The name to write for `entity_id`: its name when that resolves back to it, else the id itself."""
    pool = entities(catalog, kind)
    entity = next((e for e in pool if e.id == entity_id), None)
    if entity is None or not entity.name or any(e.id == entity.name for e in pool):
        return entity_id
    if sum(1 for e in pool if same_name(kind, e.name, entity.name)) != 1:
        return entity_id
    if kind == "alert_attribute" and (entity.name != entity.name.strip() or _UNSAFE_IN_REFERENCE & set(entity.name)):
        return entity_id
    return entity.name


def channel_name(catalog: Catalog, channel_id: str) -> str | None:
    """`#name` for a Slack channel id (None for a literal that would read as a name); else the id itself."""
    if channel_id.startswith("#"):
        return None
    names = [name for name, value in catalog.slack_channels.items() if value == channel_id]
    return names[0] if len(names) == 1 and names[0] != channel_id else channel_id


def _reference_names(catalog: Catalog) -> Any:
    def mapper(reference: str) -> str:
        split = split_attribute(reference)
        if split is None:
            return reference
        return f"alert.attributes.{name_for(catalog, 'alert_attribute', split[0])}{split[1]}"

    return mapper


def _literal(catalog: Catalog, kind: str | None, literal: Any) -> Any:
    """The short-form scalar for a literal, or None when only the raw form can hold it."""
    if not isinstance(literal, str):
        return None
    if kind == "slack":
        return channel_name(catalog, literal)
    return name_for(catalog, kind, literal) if kind else literal


def _item(catalog: Catalog, kind: str | None, value: Mapping[str, Any]) -> Any:
    if set(value) == {"literal"}:
        return _literal(catalog, kind, value["literal"])
    if set(value) == {"reference"}:
        return {"reference": value["reference"]}
    return None


def values_doc(binding: Mapping[str, Any], catalog: Catalog, kind: str | None = None) -> Any:
    """A binding in the Values form: a string, a list, `{reference}`; or the raw binding when no short form fits."""
    if set(binding) == {"value"}:
        short = _item(catalog, kind, binding["value"])
        if short is not None:
            return short
    if set(binding) == {"array_value"}:
        items = [_item(catalog, kind, v) for v in binding["array_value"]]
        if all(item is not None for item in items):
            return items
    return dict(binding)


def list_doc(binding: Mapping[str, Any], catalog: Catalog, kind: str | None) -> Any:
    """For fields written as lists (escalation paths, users, teams): the list, or the raw binding."""
    short = values_doc(binding, catalog, kind)
    return short if isinstance(short, list) else dict(binding)


def _conditions_doc(condition: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    out: dict[str, Any] = {"subject": condition["subject"], "operation": condition["operation"]}
    bindings = condition["param_bindings"]
    short = values_doc(bindings[0], catalog) if len(bindings) == 1 else None
    if not bindings:
        pass
    elif isinstance(short, str):
        out["value"] = short
    elif isinstance(short, list) and all(isinstance(item, str) for item in short):
        out["values"] = short
    else:
        out["param_bindings"] = bindings
    return out


def groups_doc(groups: Sequence[Mapping[str, Any]], catalog: Catalog, *, full: bool = False) -> dict[str, Any]:
    """`conditions:` for one non-empty AND group, `condition_groups:` otherwise; nothing for none."""
    if not groups:
        return {"conditions": []} if full else {}
    converted = [[_conditions_doc(c, catalog) for c in g["conditions"]] for g in groups]
    if len(converted) == 1 and converted[0]:
        return {"conditions": converted[0]}
    return {"condition_groups": [{"conditions": group} for group in converted]}


def _channel_target(target: Mapping[str, Any], catalog: Catalog, kind: str | None, full: bool) -> dict[str, Any]:
    short = values_doc(target["binding"], catalog, kind)
    out: dict[str, Any] = {"channels": short} if isinstance(short, list) else {"binding": target["binding"]}
    if full or target["channel_visibility"] != "public":
        out["channel_visibility"] = target["channel_visibility"]
    return out


def _escalation_doc(config: Mapping[str, Any], catalog: Catalog, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if full or config["auto_cancel_escalations"] != ESCALATION_DEFAULTS["auto_cancel_escalations"]:
        out["auto_cancel_escalations"] = config["auto_cancel_escalations"]
    targets = []
    for target in config["escalation_targets"]:
        entry: dict[str, Any] = {}
        if "escalation_paths" in target:
            entry["escalation_paths"] = list_doc(target["escalation_paths"], catalog, "escalation_path")
        if "users" in target:
            entry["users"] = list_doc(target["users"], catalog, "user")
        targets.append(entry)
    if full or targets:
        out["escalation_targets"] = targets
    return out


def _incident_doc(config: Mapping[str, Any], catalog: Catalog, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, default in INCIDENT_DEFAULTS.items():
        if key == "condition_groups":
            out.update(groups_doc(config[key], catalog, full=full))
        elif key == "grouping_keys":
            if full or config[key]:
                out[key] = [k["reference"] for k in config[key]]
        elif full or config[key] != default:
            out[key] = config[key]
    return out


def _text_doc(field: Mapping[str, Any], catalog: Catalog) -> Any:
    """A templated field (name, summary): a template string when one expresses it, else the raw
    `{autogenerated, binding}` (with attributes named in its variables, as in a template)."""
    bound = field.get("binding", {})
    if field["autogenerated"] is False and set(bound) == {"value"} and set(bound["value"]) == {"literal"}:
        literal = bound["value"]["literal"]
        if isinstance(literal, str) and is_doc(literal):
            named = map_variables(literal, _reference_names(catalog))
            template = doc_to_template(named, spaced=True)
            if template is not None:
                return template
            return {**field, "binding": {"value": {"literal": named}}}
    return dict(field)


def _template_doc(template: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if template["name"] != {"autogenerated": True}:
        out["name"] = _text_doc(template["name"], catalog)
    if "summary" in template:
        out["summary"] = _text_doc(template["summary"], catalog)
    if "severity" in template:
        severity = template["severity"]
        short = values_doc(severity["binding"], catalog, "severity") if "binding" in severity else None
        entry: dict[str, Any] = {}
        if isinstance(short, str | list) or (isinstance(short, dict) and set(short) == {"reference"}):
            entry["value"] = short
        elif "binding" in severity:
            entry["binding"] = severity["binding"]
        entry["merge_strategy"] = severity["merge_strategy"]
        out["severity"] = entry
    for key in ("incident_type", "incident_mode", "start_in_triage", "workspace", "membership_teams"):
        if key not in template:
            continue
        bound = template[key]["binding"]
        if key == "membership_teams":
            short = list_doc(bound, catalog, "team")
            out[key] = short if isinstance(short, list) else {"binding": bound}
            continue
        short = values_doc(bound, catalog, "incident_type" if key == "incident_type" else None)
        if key == "start_in_triage" and short in ("true", "false"):
            short = short == "true"
        out[key] = {"binding": bound} if isinstance(short, dict) and set(short) != {"reference"} else short
    if "custom_fields" in template:
        fields = []
        for field in template["custom_fields"]:
            fields.append(
                {
                    "custom_field": name_for(catalog, "custom_field", field["custom_field_id"]),
                    "value": values_doc(field["binding"], catalog),
                    "merge_strategy": field["merge_strategy"],
                }
            )
        out["custom_fields"] = fields
    return out


def _document(payload: Mapping[str, Any], catalog: Catalog, name: str | None, route_id: str | None, full: bool) -> Any:
    # Operations as people write them (resolve re-applies the server's rewrites), then attribute ids → names.
    written = unrewrite_operations(canonicalize(payload, catalog), catalog)
    p = map_references(written, _reference_names(catalog))
    doc: dict[str, Any] = {}
    if route_id is not None:
        doc["id"] = route_id
    doc["name"] = name if name is not None else p.get("name")
    for key, default in (("enabled", True), ("is_private", False)):
        if full or p[key] != default:
            doc[key] = p[key]
    if full or p["owning_team_ids"]:
        doc["owning_teams"] = [name_for(catalog, "team", t) for t in p["owning_team_ids"]]
    if full or p["alert_sources"]:
        doc["alert_sources"] = [
            {
                "alert_source": name_for(catalog, "alert_source", s["alert_source_id"]),
                **groups_doc(s["condition_groups"], catalog),
            }
            for s in p["alert_sources"]
        ]
    doc.update(groups_doc(p["condition_groups"], catalog, full=full))
    if full or p["expressions"]:
        doc["expressions"] = p["expressions"]
    escalation = _escalation_doc(p["escalation_config"], catalog, full)
    if escalation:
        doc["escalation_config"] = escalation
    channels = []
    for channel in p["channel_config"]:
        entry: dict[str, Any] = {}
        for key, kind in (("slack_targets", "slack"), ("ms_teams_targets", None)):
            if key in channel:
                entry[key] = _channel_target(channel[key], catalog, kind, full)
        entry.update(groups_doc(channel["condition_groups"], catalog))
        channels.append(entry)
    if full or channels:
        doc["channel_config"] = channels
    incident = _incident_doc(p["incident_config"], catalog, full)
    if incident:
        doc["incident_config"] = incident
    template = _template_doc(p["incident_template"], catalog)
    if template:
        doc["incident_template"] = template
    if "message_template" in p:
        doc["message_template"] = values_doc(p["message_template"], catalog)
    return doc


def to_document(
    payload: Mapping[str, Any], catalog: Catalog, *, name: str | None = None, route_id: str | None = None
) -> dict[str, Any]:
    """`payload` (any payload or response; canonicalized first) as a route file's data, ready to dump as YAML."""
    result: dict[str, Any] = _document(payload, catalog, name, route_id, full=False)
    return result


def full_document(payload: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Like `to_document`, but with default values written out: what the diff compares, so old and new read fully."""
    result: dict[str, Any] = _document(payload, catalog, None, None, full=True)
    return result
