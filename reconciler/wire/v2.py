"""`AlertRouteV2` / `AlertRoutesCreatePayloadV2` ⇄ `Route`.

Pure: no I/O. v2 keeps grouping and "what happens when an alert joins the group" inside `incident_config`
(`grouping_keys`, `grouping_window_seconds`, `auto_relate_grouped_alerts`, `defer_time_seconds`), posts to
`channel_config`, and has the incident template at the top (`incident_template`, with a `workspace`). A route groups
when its window is above 0 (v2 windows are rolling); auto-relate means "escalate again on a priority increase".
Settings only v3 carries (a fixed window, a group summary message) are refused, never dropped.
"""

from __future__ import annotations

from typing import Any

from reconciler.route import ON_EACH_NEW_ALERT, ON_PRIORITY_INCREASE, Escalation, Grouping, Incidents, Rejoin, Route
from reconciler.wire import common as c
from reconciler.wire import common_json as cj


def decode(data: Any) -> Route:
    """A v2 response or payload as a canonical route."""
    route = c.mapping(data)
    config = c.mapping(route.get("incident_config"))
    escalation = c.mapping(route.get("escalation_config"))
    window = config.get("grouping_window_seconds")
    grouping = Grouping(
        enabled=isinstance(window, int) and window > 0,
        keys=tuple(str(c.mapping(k).get("reference") or "") for k in c.items(config.get("grouping_keys"))),
        window_seconds=window if isinstance(window, int) and window > 0 else None,
        window_type="rolling",
    )
    relate = bool(config.get("auto_relate_grouped_alerts", False))
    defer = config.get("defer_time_seconds")
    rejoin = Rejoin(
        mode=ON_PRIORITY_INCREASE if relate else ON_EACH_NEW_ALERT,
        grace_period_seconds=defer if isinstance(defer, int) else 0,
    )
    return Route(
        **c.shared(route),
        destinations=tuple(c.destination(d) for d in c.items(route.get("channel_config"))),
        message_template=c.binding(route.get("message_template")),
        escalation=Escalation(
            auto_cancel=c.flag(escalation.get("auto_cancel_escalations"), False),
            targets=tuple(c.escalation_target(t) for t in c.items(escalation.get("escalation_targets"))),
            rejoin=rejoin,
        ),
        grouping=grouping,
        incidents=Incidents(
            enabled=c.flag(config.get("enabled"), False),
            auto_decline=c.flag(config.get("auto_decline_enabled"), False),
            groups=c.groups(config.get("condition_groups")),
            template=c.template(route.get("incident_template")),
        ),
    ).canonical()


def refusal(route: Route) -> str | None:
    """Why v2 cannot carry `route` without dropping a setting, or None when it can."""
    if route.grouping.enabled and route.grouping.window_type == "fixed":
        return "its grouping window is fixed (grouping.window_type: fixed), which only the v3 API can set"
    for destination in route.destinations:
        for target in (destination.slack, destination.teams):
            if target is not None and target.group_alerts_summary:
                return "it posts a group summary (group_alerts_summary: true), which only the v3 API can set"
    return None


def encode(route: Route) -> dict[str, Any]:
    """The create payload (add `version` for an update). Call `refusal` first: this writes what v2 can hold."""
    grouping, rejoin = route.grouping, route.escalation.rejoin
    payload: dict[str, Any] = {
        **cj.shared_json(route),
        "channel_config": [cj.destination_json(d, v3=False) for d in route.destinations],
        "escalation_config": {
            "auto_cancel_escalations": route.escalation.auto_cancel,
            "escalation_targets": [cj.escalation_target_json(t) for t in route.escalation.targets],
        },
        "incident_config": {
            "enabled": route.incidents.enabled,
            "auto_decline_enabled": route.incidents.auto_decline,
            "auto_relate_grouped_alerts": rejoin is not None and rejoin.mode == ON_PRIORITY_INCREASE,
            "condition_groups": cj.groups_json(route.incidents.groups),
            "defer_time_seconds": rejoin.grace_period_seconds if rejoin is not None else 0,
            "grouping_keys": [{"reference": key} for key in grouping.keys],
            "grouping_window_seconds": grouping.window_seconds or 0,
        },
        "incident_template": cj.template_json(route.incidents.template, v3=False),
    }
    if route.message_template is not None:
        payload["message_template"] = cj.binding_json(route.message_template)
    return payload
