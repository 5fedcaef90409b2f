"""One alert route, two views: the form the emulator stores a route in, built from an accepted v2 or v3 payload.

incident.io's v2 and v3 APIs address the same routes (INCIDENT_IO_API.md §1.4, §9). The emulator stores each route
once, in a form that holds everything either API can write, and renders it as AlertRouteV2 or AlertRouteV3 on read
(views.py). Stored form (payload-shaped parts: conditions, bindings and expressions as the client sent them):

    id, name, enabled, is_private, version, created_at, updated_at, owning_team_ids,
    alert_sources, condition_groups, expressions,
    escalation:  {auto_cancel_escalations, escalation_targets}
    grouping:    {enabled, grouping_keys, window_seconds, window_type (None while off),
                  auto_relate (v3: mode on_priority_increase), defer_seconds (v3: grace_period_seconds)}
    destinations: [{condition_groups, slack_targets?, ms_teams_targets?}]   (targets may hold group_alerts_summary)
    message_template: binding | None
    incident:    {enabled, auto_decline_enabled, condition_groups, template (payload form, may hold v2's workspace)}

How the two payloads map onto it (provider 5.41.0 migration guide):
- v2 groups when grouping_window_seconds > 0, always `rolling`; v3 says so with grouping_config.default.
- v2 auto_relate_grouped_alerts true / false is v3 when_alert_joins_group.mode on_priority_increase /
  on_each_new_alert; v2 defer_time_seconds is v3 grace_period_seconds.
- v2 channel_config / message_template are v3 message_config.destinations / template; v2 incident_template is v3
  incident_config.template (v2's workspace binding has no v3 counterpart).

A write through either API replaces the whole route (a PUT is a full replace), so a setting the writing API cannot
express is reset: a v2 write sets window_type back to rolling and drops group_alerts_summary; a v3 write drops the
workspace binding, and whatever v3 only shows while a gate is on (a template while incidents are off, grouping keys
while grouping is off, a grace period under on_priority_increase). How the real API treats them is undocumented;
this is the conservative reading (README, "The emulator").
"""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]
RESPONSE_ONLY = ("label", "reference_label", "returns")


def _common(payload: Obj) -> Obj:
    return {
        "name": payload["name"],
        "enabled": payload["enabled"],
        "is_private": payload["is_private"],
        "owning_team_ids": list(payload.get("owning_team_ids") or []),
        "alert_sources": copy.deepcopy(payload["alert_sources"]),
        "condition_groups": copy.deepcopy(payload["condition_groups"]),
        "expressions": copy.deepcopy(payload["expressions"]),
    }


def _escalation(config: Obj) -> Obj:
    return {
        "auto_cancel_escalations": config["auto_cancel_escalations"],
        "escalation_targets": copy.deepcopy(config["escalation_targets"]),
    }


def from_v2(payload: Obj) -> Obj:
    """The stored form of an accepted AlertRoutesCreatePayloadV2/UpdatePayloadV2 (without id, version, times)."""
    incident = payload["incident_config"]
    window = incident["grouping_window_seconds"]
    destinations = []
    for channel in payload["channel_config"]:
        destination: Obj = {"condition_groups": copy.deepcopy(channel["condition_groups"])}
        for name in ("slack_targets", "ms_teams_targets"):
            if name in channel:
                target = channel[name]
                destination[name] = {
                    "binding": copy.deepcopy(target["binding"]),
                    "channel_visibility": target["channel_visibility"],
                }
        destinations.append(destination)
    return {
        **_common(payload),
        "escalation": _escalation(payload["escalation_config"]),
        "grouping": {
            "enabled": window > 0,
            "grouping_keys": [{"reference": k["reference"]} for k in incident["grouping_keys"]],
            "window_seconds": window,
            "window_type": "rolling" if window > 0 else None,
            "auto_relate": bool(incident.get("auto_relate_grouped_alerts", False)),
            "defer_seconds": incident["defer_time_seconds"],
        },
        "destinations": destinations,
        "message_template": copy.deepcopy(payload.get("message_template")),
        "incident": {
            "enabled": incident["enabled"],
            "auto_decline_enabled": incident["auto_decline_enabled"],
            "condition_groups": copy.deepcopy(incident["condition_groups"]),
            "template": copy.deepcopy(payload["incident_template"]),
        },
    }


def from_v3(payload: Obj) -> Obj:
    """The stored form of an accepted AlertRoutesCreatePayloadV3/UpdatePayloadV3 (without id, version, times)."""
    grouping = payload["grouping_config"]["default"]
    joins = payload["escalation_config"].get("when_alert_joins_group") or {}
    relate = joins.get("mode") == "on_priority_increase"
    incident = payload["incident_config"]
    message = payload["message_config"]
    return {
        **_common(payload),
        "escalation": _escalation(payload["escalation_config"]),
        "grouping": {
            "enabled": grouping["enabled"],
            "grouping_keys": [{"reference": k["reference"]} for k in grouping.get("grouping_keys") or []],
            "window_seconds": grouping.get("window_seconds") or 0,
            "window_type": grouping.get("window_type"),
            "auto_relate": relate,
            "defer_seconds": 0 if relate else joins.get("grace_period_seconds") or 0,
        },
        "destinations": copy.deepcopy(message["destinations"]),
        "message_template": copy.deepcopy(message.get("template")),
        "incident": {
            "enabled": incident["enabled"],
            "auto_decline_enabled": bool(incident.get("auto_decline_enabled", False)),
            "condition_groups": copy.deepcopy(incident.get("condition_groups") or []),
            "template": copy.deepcopy(incident.get("template")),
        },
    }


def is_v3_payload(payload: Obj) -> bool:
    """Whether a route payload (or response) is in the v3 shape."""
    return "grouping_config" in payload or "message_config" in payload


def payload_of(route: Obj) -> Obj:
    """A route in either response form (AlertRouteV2/V3) as the matching create payload: labels, `returns`, echoes
    and server fields removed (v3: the grace period echoed under on_priority_increase, gated fields sent as nulls).
    Used to load state files, which hold routes as the server returns them."""
    body: Obj = _strip(copy.deepcopy(route))
    joins = body["escalation_config"].get("when_alert_joins_group")
    if joins is not None and joins.get("mode") != "on_each_new_alert":
        joins.pop("grace_period_seconds", None)
    if is_v3_payload(body):
        body["incident_config"] = {k: v for k, v in body["incident_config"].items() if v is not None}
    for key in ("id", "version", "created_at", "updated_at"):
        body.pop(key, None)
    for expression, original in zip(body.get("expressions", []), route.get("expressions", []), strict=True):
        expression["label"] = original["label"]  # expression labels are part of the payload
        for op, original_op in zip(expression["operations"], original["operations"], strict=True):
            for name in ("parse", "branches"):
                if name in op:
                    op[name]["returns"] = original_op[name]["returns"]
    for target in body["escalation_config"]["escalation_targets"]:
        if "escalation_paths" in target:
            target.pop("users", None)  # the server's echo of the paths
    return body


def _strip(node: Any) -> Any:
    if isinstance(node, list):
        return [_strip(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in RESPONSE_ONLY:
            continue
        if key == "subject" and isinstance(value, dict):
            out[key] = value["reference"]
        elif key == "operation" and isinstance(value, dict):
            out[key] = value["value"]
        else:
            out[key] = _strip(value)
    return out


def stored_from_response(route: Obj) -> Obj:
    """The stored form of a route given in either response form (a state file's `routes`), keeping its id, version
    and timestamps."""
    payload = payload_of(route)
    stored = from_v3(payload) if is_v3_payload(payload) else from_v2(payload)
    stored["id"] = route["id"]
    stored["version"] = route.get("version", 1)
    for key in ("created_at", "updated_at"):
        if key in route:
            stored[key] = route[key]
    return stored
