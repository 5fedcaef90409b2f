"""`AlertRouteV3` / `AlertRoutesCreatePayloadV3` ⇄ `Route`.

Pure: no I/O. v3 is the route model's own shape: `grouping_config.default`, `escalation_config.when_alert_joins_group`,
`message_config` (destinations and template) and `incident_config.template`. The v2-only `workspace` of the incident
template has no v3 field: a route that sets it is refused, never dropped.
"""

from __future__ import annotations

from typing import Any

from reconciler.route import ON_EACH_NEW_ALERT, Escalation, Grouping, Incidents, Rejoin, Route, Template
from reconciler.wire import common as c
from reconciler.wire import common_json as cj


def decode(data: Any) -> Route:
    """A v3 response or payload as a canonical route."""
    route = c.mapping(data)
    default = c.mapping(c.mapping(route.get("grouping_config")).get("default"))
    escalation = c.mapping(route.get("escalation_config"))
    joins = escalation.get("when_alert_joins_group")
    messages = c.mapping(route.get("message_config"))
    config = c.mapping(route.get("incident_config"))
    window = default.get("window_seconds")
    window_type = default.get("window_type")
    return Route(
        **c.shared(route),
        destinations=tuple(c.destination(d) for d in c.items(messages.get("destinations"))),
        message_template=c.binding(messages.get("template")),
        escalation=Escalation(
            auto_cancel=c.flag(escalation.get("auto_cancel_escalations"), False),
            targets=tuple(c.escalation_target(t) for t in c.items(escalation.get("escalation_targets"))),
            rejoin=None
            if joins is None
            else Rejoin(
                mode=str(c.mapping(joins).get("mode") or ON_EACH_NEW_ALERT),
                grace_period_seconds=int(c.mapping(joins).get("grace_period_seconds") or 0),
            ),
        ),
        grouping=Grouping(
            enabled=c.flag(default.get("enabled"), False),
            keys=tuple(str(c.mapping(k).get("reference") or "") for k in c.items(default.get("grouping_keys"))),
            window_seconds=window if isinstance(window, int) else None,
            window_type=window_type if isinstance(window_type, str) else "rolling",
        ),
        incidents=Incidents(
            enabled=c.flag(config.get("enabled"), False),
            auto_decline=c.flag(config.get("auto_decline_enabled"), False),
            groups=c.groups(config.get("condition_groups")),
            template=c.template(config["template"]) if config.get("template") is not None else Template(),
        ),
    ).canonical()


def refusal(route: Route) -> str | None:
    """Why v3 cannot carry `route` without dropping a setting, or None when it can."""
    if route.incidents.template.workspace is not None:
        return "its incident template sets a workspace, which only the v2 API has"
    return None


def encode(route: Route) -> dict[str, Any]:
    """The create payload (add `version` for an update). Call `refusal` first: this writes what v3 can hold."""
    grouping: dict[str, Any] = {"enabled": route.grouping.enabled}
    if route.grouping.enabled:
        grouping["grouping_keys"] = [{"reference": key} for key in route.grouping.keys]
        grouping["window_seconds"] = route.grouping.window_seconds
        grouping["window_type"] = route.grouping.window_type or "rolling"
    escalation: dict[str, Any] = {
        "auto_cancel_escalations": route.escalation.auto_cancel,
        "escalation_targets": [cj.escalation_target_json(t) for t in route.escalation.targets],
    }
    rejoin = route.escalation.rejoin
    if rejoin is not None:
        escalation["when_alert_joins_group"] = {"mode": rejoin.mode}
        if rejoin.mode == ON_EACH_NEW_ALERT:
            escalation["when_alert_joins_group"]["grace_period_seconds"] = rejoin.grace_period_seconds
    incidents: dict[str, Any] = {"enabled": route.incidents.enabled}
    if route.incidents.enabled:
        incidents["auto_decline_enabled"] = route.incidents.auto_decline
        incidents["condition_groups"] = cj.groups_json(route.incidents.groups)
        incidents["template"] = cj.template_json(route.incidents.template, v3=True)
    messages: dict[str, Any] = {"destinations": [cj.destination_json(d, v3=True) for d in route.destinations]}
    if route.message_template is not None:
        messages["template"] = cj.binding_json(route.message_template)
    return {
        **cj.shared_json(route),
        "grouping_config": {"default": grouping},
        "escalation_config": escalation,
        "incident_config": incidents,
        "message_config": messages,
    }
