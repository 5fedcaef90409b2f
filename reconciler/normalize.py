"""Bring desired payloads and live routes to one canonical form, so that equal routes compare equal.

Pure: no I/O. The canonical form is the API's create payload (`AlertRoutesCreatePayloadV2`) with ids, built by
whitelisting the fields the payload can hold (so fields the API adds to responses later never show as changes):

* defaults filled (`enabled`, `is_private`, lists, `escalation_config`, `incident_config`, `owning_team_ids`,
  `incident_template.name`); empty optional keys of `incident_template` and `message_template` dropped;
* response-only data dropped: ids, versions, timestamps, every binding `label`, `reference_label`, `returns` of
  expressions and their operations; `subject`/`operation` objects → their strings;
* the server's rewrites applied: `one_of` → `contains_one_of` on text subjects, `contains` → `name_contains` on
  catalog subjects; `users` dropped from an escalation target that has `escalation_paths` (the server echoes them);
* rich-text literals as the bare document without presentation (`richtext.canonical_doc`): envelopes unwrapped,
  `label`/`missing` and the dashboard's spelled-out defaults dropped, so documents equal under the grammar are equal.

See docs/route-format.md, "The canonical form".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.model import Catalog
from reconciler.richtext import canonical_doc

ATTRIBUTE_PREFIX = "alert.attributes."
TEXT_SUBJECTS = frozenset({"alert.title", "alert.description", "alert.source_url"})
TEXT_TYPES = frozenset({"String", "Link", "TemplatedText"})
TEMPLATE_BINDINGS = ("incident_type", "incident_mode", "start_in_triage", "membership_teams", "workspace")
INCIDENT_DEFAULTS: Mapping[str, Any] = {
    "enabled": False,
    "auto_decline_enabled": False,
    "auto_relate_grouped_alerts": False,
    "condition_groups": [],
    "defer_time_seconds": 0,
    "grouping_keys": [],
    "grouping_window_seconds": 0,
}
ESCALATION_DEFAULTS: Mapping[str, Any] = {"auto_cancel_escalations": False, "escalation_targets": []}
# Keys whose string values are engine references (`alert.attributes.<id>`), wherever they appear in a route.
REFERENCE_KEYS = frozenset({"subject", "reference", "root_reference"})
_ATTRIBUTE_KEY = re.compile(r"[^.\[\]]+")


def split_attribute(reference: str) -> tuple[str, str] | None:
    """`alert.attributes.<key>.rest` → (`<key>`, `.rest`); None for references that name no attribute."""
    if not reference.startswith(ATTRIBUTE_PREFIX):
        return None
    rest = reference[len(ATTRIBUTE_PREFIX) :]
    match = _ATTRIBUTE_KEY.match(rest)
    if match is None:
        return None
    return match.group(0), rest[match.end() :]


def map_references(value: Any, mapper: Callable[[str], str]) -> Any:
    """A copy of `value` with `mapper` applied to every reference string (subjects, references, root references)."""
    if isinstance(value, Mapping):
        return {
            key: mapper(item) if key in REFERENCE_KEYS and isinstance(item, str) else map_references(item, mapper)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [map_references(item, mapper) for item in value]
    return value


def subject_kind(subject: str, catalog: Catalog) -> str:
    """`text`, `catalog` or `other`: which server rewrite applies to conditions on `subject`."""
    if subject in TEXT_SUBJECTS:
        return "text"
    if subject.startswith(ATTRIBUTE_PREFIX):
        attribute_id = subject[len(ATTRIBUTE_PREFIX) :]
        for attribute in catalog.alert_attributes:
            if attribute.id == attribute_id:
                kind = str(attribute.extra.get("type", ""))
                if kind in TEXT_TYPES:
                    return "text"
                if kind.startswith("CatalogEntry"):
                    return "catalog"
    return "other"


def rewrite_operation(subject: str, operation: str, catalog: Catalog) -> str:
    """The operation as the server stores it."""
    if operation == "one_of" and subject_kind(subject, catalog) == "text":
        return "contains_one_of"
    if operation == "contains" and subject_kind(subject, catalog) == "catalog":
        return "name_contains"
    return operation


def written_operation(subject: str, operation: str, catalog: Catalog) -> str:
    """The operation as people write it (`one_of`, `contains`): the inverse of `rewrite_operation`."""
    if operation == "contains_one_of" and subject_kind(subject, catalog) == "text":
        return "one_of"
    if operation == "name_contains" and subject_kind(subject, catalog) == "catalog":
        return "contains"
    return operation


def unrewrite_operations(value: Any, catalog: Catalog) -> Any:
    """A copy of a canonical payload with every condition's operation as people write it."""
    if isinstance(value, Mapping):
        out = {key: unrewrite_operations(item, catalog) for key, item in value.items()}
        if isinstance(out.get("subject"), str) and isinstance(out.get("operation"), str):
            out["operation"] = written_operation(out["subject"], out["operation"], catalog)
        return out
    if isinstance(value, list | tuple):
        return [unrewrite_operations(item, catalog) for item in value]
    return value


def _bool(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _binding_value(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    item = _map(value)
    literal = item.get("literal")
    if literal is not None:
        out["literal"] = canonical_doc(literal) if isinstance(literal, str) else literal
    if item.get("reference") is not None:
        out["reference"] = item["reference"]
    return out


def binding(value: Any) -> dict[str, Any]:
    """An `EngineParamBinding` without labels, rich text canonical."""
    item = _map(value)
    out: dict[str, Any] = {}
    if item.get("value") is not None:
        out["value"] = _binding_value(item["value"])
    if item.get("array_value") is not None:
        out["array_value"] = [_binding_value(v) for v in _list(item["array_value"])]
    return out


def _text(value: Any, key: str) -> Any:
    """A subject or operation: a plain string in payloads, `{label, reference|value}` in responses."""
    return value.get(key) if isinstance(value, Mapping) else value


def _condition(condition: Any, catalog: Catalog) -> dict[str, Any]:
    item = _map(condition)
    subject = _text(item.get("subject"), "reference")
    operation = _text(item.get("operation"), "value")
    if isinstance(subject, str) and isinstance(operation, str):
        operation = rewrite_operation(subject, operation, catalog)
    return {
        "subject": subject,
        "operation": operation,
        "param_bindings": [binding(b) for b in _list(item.get("param_bindings"))],
    }


def condition_groups(groups: Any, catalog: Catalog) -> list[dict[str, Any]]:
    """`[{conditions: [...]}]`, canonical."""
    return [{"conditions": [_condition(c, catalog) for c in _list(_map(g).get("conditions"))]} for g in _list(groups)]


def _returns(value: Any) -> dict[str, Any]:
    item = _map(value)
    return {"array": item.get("array"), "type": item.get("type")}


def _operation(operation: Any, catalog: Catalog) -> dict[str, Any]:
    item = _map(operation)
    out: dict[str, Any] = {"operation_type": item.get("operation_type")}
    if item.get("navigate") is not None:
        out["navigate"] = {"reference": _map(item["navigate"]).get("reference")}
    if item.get("filter") is not None:
        out["filter"] = {"condition_groups": condition_groups(_map(item["filter"]).get("condition_groups"), catalog)}
    if item.get("concatenate") is not None:
        out["concatenate"] = {"reference": _map(item["concatenate"]).get("reference")}
    if item.get("parse") is not None:
        parse = _map(item["parse"])
        out["parse"] = {"source": parse.get("source"), "returns": _returns(parse.get("returns"))}
    if item.get("branches") is not None:
        branches = _map(item["branches"])
        out["branches"] = {
            "branches": [
                {
                    "condition_groups": condition_groups(_map(b).get("condition_groups"), catalog),
                    "result": binding(_map(b).get("result")),
                }
                for b in _list(branches.get("branches"))
            ],
            "returns": _returns(branches.get("returns")),
        }
    if item.get("cast") is not None:
        out["cast"] = {"returns": _returns(_map(item["cast"]).get("returns"))}
    return out


def _expression(expression: Any, catalog: Catalog) -> dict[str, Any]:
    item = _map(expression)
    out: dict[str, Any] = {
        "label": item.get("label"),  # the expression's own label is part of the payload, unlike binding labels
        "reference": item.get("reference"),
        "root_reference": item.get("root_reference"),
        "operations": [_operation(o, catalog) for o in _list(item.get("operations"))],
    }
    if item.get("else_branch") is not None:
        out["else_branch"] = {"result": binding(_map(item["else_branch"]).get("result"))}
    return out


def _channel_target(target: Any) -> dict[str, Any]:
    item = _map(target)
    return {"binding": binding(item.get("binding")), "channel_visibility": item.get("channel_visibility") or "public"}


def _channel(channel: Any, catalog: Catalog) -> dict[str, Any]:
    item = _map(channel)
    out: dict[str, Any] = {"condition_groups": condition_groups(item.get("condition_groups"), catalog)}
    for key in ("slack_targets", "ms_teams_targets"):
        if item.get(key) is not None:
            out[key] = _channel_target(item[key])
    return out


def _escalation(config: Any) -> dict[str, Any]:
    item = _map(config)
    targets: list[dict[str, Any]] = []
    for target in _list(item.get("escalation_targets")):
        entry = _map(target)
        out: dict[str, Any] = {}
        if entry.get("escalation_paths") is not None:
            # The server copies the escalation-path binding into `users` ("legacy compatibility").
            out["escalation_paths"] = binding(entry["escalation_paths"])
        elif entry.get("users") is not None:
            out["users"] = binding(entry["users"])
        targets.append(out)
    return {"auto_cancel_escalations": _bool(item.get("auto_cancel_escalations"), False), "escalation_targets": targets}


def _incident_config(config: Any, catalog: Catalog) -> dict[str, Any]:
    item = _map(config)
    out = {key: item[key] if item.get(key) is not None else default for key, default in INCIDENT_DEFAULTS.items()}
    out["condition_groups"] = condition_groups(item.get("condition_groups"), catalog)
    out["grouping_keys"] = [{"reference": _map(k).get("reference")} for k in _list(item.get("grouping_keys"))]
    return out


def _autogenerated(value: Any) -> dict[str, Any]:
    item = _map(value)
    out: dict[str, Any] = {}
    has_binding = item.get("binding") is not None
    autogenerated = item.get("autogenerated")
    out["autogenerated"] = (not has_binding) if autogenerated is None else bool(autogenerated)
    if has_binding:
        out["binding"] = binding(item["binding"])
    return out


def _template(template: Any) -> dict[str, Any]:
    item = _map(template)
    out: dict[str, Any] = {"name": _autogenerated(item.get("name"))}
    if item.get("summary") is not None:
        summary = _autogenerated(item["summary"])
        if summary != {"autogenerated": True}:  # the server echoes an omitted summary as autogenerated
            out["summary"] = summary
    if item.get("severity") is not None:
        severity = _map(item["severity"])
        out["severity"] = {"merge_strategy": severity.get("merge_strategy")}
        if severity.get("binding") is not None:
            out["severity"]["binding"] = binding(severity["binding"])
    custom_fields = [
        {
            "custom_field_id": _map(f).get("custom_field_id"),
            "binding": binding(_map(f).get("binding")),
            "merge_strategy": _map(f).get("merge_strategy"),
        }
        for f in _list(item.get("custom_fields"))
    ]
    if custom_fields:
        out["custom_fields"] = custom_fields
    for key in TEMPLATE_BINDINGS:
        bound = _map(item.get(key)).get("binding")
        if bound is not None:
            out[key] = {"binding": binding(bound)}
    return out


def canonicalize(payload: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """`payload` (create/update payload or response) in canonical form; idempotent."""
    out: dict[str, Any] = {}
    if payload.get("name") is not None:
        out["name"] = payload["name"]
    out["enabled"] = _bool(payload.get("enabled"), True)
    out["is_private"] = _bool(payload.get("is_private"), False)
    out["owning_team_ids"] = [str(t) for t in _list(payload.get("owning_team_ids"))]
    out["alert_sources"] = [
        {
            "alert_source_id": _map(s).get("alert_source_id"),
            "condition_groups": condition_groups(_map(s).get("condition_groups"), catalog),
        }
        for s in _list(payload.get("alert_sources"))
    ]
    out["condition_groups"] = condition_groups(payload.get("condition_groups"), catalog)
    out["expressions"] = [_expression(e, catalog) for e in _list(payload.get("expressions"))]
    out["channel_config"] = [_channel(c, catalog) for c in _list(payload.get("channel_config"))]
    out["escalation_config"] = _escalation(payload.get("escalation_config"))
    out["incident_config"] = _incident_config(payload.get("incident_config"), catalog)
    out["incident_template"] = _template(payload.get("incident_template"))
    message_template = binding(payload.get("message_template"))
    if message_template:
        out["message_template"] = message_template
    return out


def canonical_live(route: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """A live `AlertRouteV2` (as the API returns it) in canonical form: what a payload would look like."""
    # Whitelisting drops id, version, created_at, updated_at and any field added to responses later.
    return canonicalize(route, catalog)
