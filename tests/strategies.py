"""Hypothesis strategies for alert-route payloads, the example organisation's catalog, and a simulated server echo.

Shared by the normalize/resolve/diff tests and the plan/apply convergence tests. `route_payloads(catalog)` draws
create payloads as a client might send them: ids from the catalog, operations the server rewrites (`one_of` on text
subjects, `contains` on catalog subjects), escalation-path targets it echoes into `users`, rich-text templates,
expressions, and omitted optional keys. `server_echo` turns a payload into the `AlertRouteV2` incident.io returns.
"""

from __future__ import annotations

import copy
import functools
import html
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hypothesis import strategies as st
from reconciler.document import to_document
from reconciler.normalize import ESCALATION_DEFAULTS, INCIDENT_DEFAULTS, canonicalize, rewrite_operation

from reconciler.model import Catalog, Entity
from reconciler.templates.documents import template_to_doc

# The example organisation (docs/example-organisation.md); ids follow ../shared/notes/INCIDENT_IO_API.md §1.3.
AM_PROD = "01KHSNW67SZJ1KGWEMA9C0GPT7"
CHECKLY_PROD = "01HZ7GE7CASMF15RWV1QFCMKTQ"
ATTR_SEVERITY = "01JQ3ZATTRSEVERITY00000001"
ATTR_BRANCH = "01JQ3ZATTRBRANCH0000000001"
ENG_ONCALL = "01JPQNFD3RWAAY2V83QQ80D1ZV"
SEV_CRITICAL = "01JQ3ZSEVCRITICAL00000001"
SEV_MAJOR = "01JQ3ZSEVMAJOR00000000001"
TYPE_PROD = "01JQ3ZINCTYPEPROD00000001"
CF_AFFECTED = "01JQ3ZCFAFFECTEDSVC000001"
TEAM_PLATFORM = "01HZ7TEAMPLATFORM000000001"
USER_ONCALL = "01JQ3ZUSERONCALL000000001"

EXAMPLE_CATALOG = Catalog(
    alert_sources=(
        Entity(AM_PROD, "Alertmanager (Production)", {"source_type": "alertmanager"}),
        Entity(CHECKLY_PROD, "Checkly (Production)", {"source_type": "checkly"}),
        Entity("01JQ3ZSRCAMSTAGING0000001", "Alertmanager (Staging)", {"source_type": "alertmanager"}),
        Entity("01JQ3ZSRCCHECKLYSTAGING01", "Checkly (Staging)", {"source_type": "checkly"}),
        Entity("01JQ3ZSRCSEV0EMAIL0000001", "sev0@ Email", {"source_type": "email"}),
        Entity("01JQ3ZSRCGRAFANACLOUD0001", "Grafana Cloud", {"source_type": "grafana"}),
        Entity("01JQ3ZSRCPLANETSCALE00001", "PlanetScale", {"source_type": "http"}),
        Entity("01JQ3ZSRCAXIOM00000000001", "Axiom", {"source_type": "http"}),
        Entity("01JQ3ZSRCSTATUSPAGEVIEWS1", "Status Page Views", {"source_type": "http"}),
    ),
    alert_attributes=(
        Entity(ATTR_SEVERITY, "severity", {"type": "String"}),
        Entity(ATTR_BRANCH, "branch", {"type": "String"}),
    ),
    escalation_paths=(Entity(ENG_ONCALL, "Engineering On-Call"),),
    severities=(
        Entity(SEV_CRITICAL, "Critical", {"rank": 3}),
        Entity(SEV_MAJOR, "Major", {"rank": 2}),
        Entity("01JQ3ZSEVMINOR00000000001", "Minor", {"rank": 1}),
    ),
    incident_types=(
        Entity("01JQ3ZINCTYPEDEFAULT00001", "Default", {"is_default": True}),
        Entity(TYPE_PROD, "Production Outage"),
    ),
    custom_fields=(Entity(CF_AFFECTED, "Affected Service", {"field_type": "text"}),),
    users=(Entity(USER_ONCALL, "oncall@example.com"), Entity("01JQ3ZUSERADMIN0000000001", "admin@example.com")),
    teams=(Entity(TEAM_PLATFORM, "Platform"), Entity("01HZ7TEAMDATABASE000000001", "Database")),
    slack_channels={"#alerts": "C07ALERTS01", "#alerts-staging": "C07STAGING1"},
)

# The example organisation plus attributes of every kind the server treats specially, for property tests.
PROPERTY_CATALOG = Catalog(
    **{
        **{f: getattr(EXAMPLE_CATALOG, f) for f in EXAMPLE_CATALOG.__dataclass_fields__},
        "alert_attributes": (
            *EXAMPLE_CATALOG.alert_attributes,
            Entity("01JQ3ZATTRSERVICE000000001", "service", {"type": 'CatalogEntry["01JQ3ZCATTYPESVC000000001"]'}),
            Entity("01JQ3ZATTRRUNBOOK000000001", "runbook", {"type": "Link"}),
            Entity("01JQ3ZATTRSUMMARY000000001", "summary", {"type": "TemplatedText"}),
            Entity("01JQ3ZATTRCOUNT00000000001", "count", {"type": "Number"}),
        ),
    }
)

_WORDS = ("critical", "warning", "info", "main", "db", "checkout", "eu-west-1", "99.9%", "a b", "ünïcode", "")
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


F = TypeVar("F", bound=Callable[..., Any])
_CACHE: dict[tuple[Any, ...], Any] = {}


def _cached(fn: F) -> F:
    """Build each strategy once per catalog: hypothesis spends most of its time validating fresh strategies."""

    @functools.wraps(fn)
    def wrapper(catalog: Catalog, *args: Any) -> Any:
        key = (fn.__name__, id(catalog), *args)
        if key not in _CACHE:
            _CACHE[key] = (catalog, fn(catalog, *args))  # holding the catalog keeps its id from being reused
        return _CACHE[key][1]

    return wrapper  # type: ignore[return-value]


def _ids(entities: tuple[Entity, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([e.id for e in entities]) if entities else st.just("01UNKNOWN")


def _literals() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_WORDS), _TEXT)


@_cached
def _references(catalog: Catalog) -> st.SearchStrategy[str]:
    builtin = ["alert.title", "alert.description", "alert.source_url"]
    return st.sampled_from(builtin + [f"alert.attributes.{a.id}" for a in catalog.alert_attributes])


def _value(catalog: Catalog, literals: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        literals.map(lambda v: {"literal": v}),
        _references(catalog).map(lambda r: {"reference": r}),
    )


@_cached
def bindings(catalog: Catalog) -> st.SearchStrategy[dict[str, Any]]:
    """`{value}` or `{array_value}` of literals and references."""
    values = _value(catalog, _literals())
    return st.one_of(
        values.map(lambda v: {"value": v}),
        st.lists(values, max_size=3).map(lambda vs: {"array_value": vs}),
        st.lists(_literals(), min_size=1, max_size=3).map(lambda vs: {"array_value": [{"literal": v} for v in vs]}),
    )


@_cached
def _id_binding(catalog: Catalog, field: str) -> st.SearchStrategy[dict[str, Any]]:
    ids = _ids(getattr(catalog, field))
    return st.one_of(
        st.lists(ids, min_size=1, max_size=2).map(lambda vs: {"array_value": [{"literal": v} for v in vs]}),
        ids.map(lambda v: {"value": {"literal": v}}),
    )


_OPERATIONS = ("one_of", "contains", "is_set", "is_blank", "is", "contains_one_of", "name_contains", "starts_with")


@_cached
@st.composite
def conditions(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    operation = draw(st.sampled_from(_OPERATIONS))
    params: list[dict[str, Any]] = []
    if operation not in ("is_set", "is_blank"):
        params = [draw(bindings(catalog))]
    return {"subject": draw(_references(catalog)), "operation": operation, "param_bindings": params}


@_cached
def condition_groups(catalog: Catalog, max_size: int = 2) -> st.SearchStrategy[list[dict[str, Any]]]:
    group = st.lists(conditions(catalog), max_size=2).map(lambda cs: {"conditions": cs})
    return st.lists(group, max_size=max_size)


@_cached
def _template_strings(catalog: Catalog) -> st.SearchStrategy[str]:
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="{}"), max_size=8)
    filters = st.sampled_from(["", " | truncate: 80", " | omit_if_unset", " | truncate: 5 | omit_if_unset"])
    variable = st.tuples(_references(catalog), filters).map(lambda rf: "{{ " + rf[0] + rf[1] + " }}")
    part = st.one_of(text, variable, st.sampled_from(["\n", "\n\n"]))
    return st.lists(part, max_size=4).map("".join)


_BOLD = {"type": "paragraph", "content": [{"type": "text", "text": "!", "marks": [{"type": "bold"}]}]}


@_cached
def rich_text(catalog: Catalog) -> st.SearchStrategy[str]:
    """A rich-text document: usually one a template string expresses, sometimes one it cannot (a bold mark)."""
    raw = _template_strings(catalog).map(
        lambda t: json.dumps({"type": "doc", "content": [_BOLD, *json.loads(template_to_doc(t))["content"]]})
    )
    return st.one_of(_template_strings(catalog).map(template_to_doc), raw)


@_cached
def _text_field(catalog: Catalog) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({"autogenerated": True}),
        rich_text(catalog).map(lambda d: {"autogenerated": False, "binding": {"value": {"literal": d}}}),
    )


@_cached
@st.composite
def incident_templates(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["name"] = draw(_text_field(catalog))
    if draw(st.booleans()):
        out["summary"] = draw(_text_field(catalog))
    if draw(st.booleans()):
        binding = draw(_id_binding(catalog, "severities"))
        out["severity"] = {"binding": binding, "merge_strategy": draw(st.sampled_from(["first-wins", "max"]))}
    if draw(st.booleans()):
        out["incident_type"] = {"binding": {"value": {"literal": draw(_ids(catalog.incident_types))}}}
    if draw(st.booleans()):
        out["start_in_triage"] = {"binding": {"value": {"literal": draw(st.sampled_from(["true", "false"]))}}}
    if draw(st.booleans()):
        out["incident_mode"] = {"binding": {"value": {"literal": draw(st.sampled_from(["standard", "test"]))}}}
    if draw(st.booleans()):
        out["membership_teams"] = {"binding": draw(_id_binding(catalog, "teams"))}
    if draw(st.booleans()):
        out["workspace"] = {"binding": {"value": {"literal": "T0123456"}}}
    fields = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "custom_field_id": _ids(catalog.custom_fields),
                    "binding": bindings(catalog),
                    "merge_strategy": st.sampled_from(["first-wins", "last-wins", "append"]),
                }
            ),
            max_size=2,
            unique_by=lambda f: str(f["custom_field_id"]),
        )
    )
    if fields:
        out["custom_fields"] = fields
    return out


@_cached
@st.composite
def expressions(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    returns = {
        "array": draw(st.booleans()),
        "type": draw(st.sampled_from(["String", 'CatalogEntry["01JQ3ZCATTYPETEAM0001"]'])),
    }
    kind = draw(st.sampled_from(["navigate", "filter", "parse", "branches", "count"]))
    operation: dict[str, Any] = {"operation_type": kind}
    if kind == "navigate":
        operation["navigate"] = {"reference": 'catalog_attribute["01JQ3ZCATATTROWNER0001"]'}
    elif kind == "filter":
        operation["filter"] = {"condition_groups": draw(condition_groups(catalog, 1))}
    elif kind == "parse":
        operation["parse"] = {"source": "metadata.team", "returns": returns}
    elif kind == "branches":
        branch = {"condition_groups": draw(condition_groups(catalog, 1)), "result": draw(bindings(catalog))}
        operation["branches"] = {"branches": [branch], "returns": returns}
    out: dict[str, Any] = {
        "label": draw(st.sampled_from(["Service owning team", "Team"])),
        "reference": draw(st.sampled_from(["3f1c9a2b", "a1b2c3d4"])),
        "root_reference": draw(_references(catalog)),
        "operations": [operation],
    }
    if draw(st.booleans()):
        out["else_branch"] = {"result": draw(bindings(catalog))}
    return out


@_cached
@st.composite
def escalation_targets(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    kind = draw(st.sampled_from(["paths", "users", "both"]))
    out: dict[str, Any] = {}
    if kind in ("paths", "both"):
        out["escalation_paths"] = draw(_id_binding(catalog, "escalation_paths"))
    if kind in ("users", "both"):
        out["users"] = draw(_id_binding(catalog, "users"))
    return out


@_cached
def _channel_ids(catalog: Catalog) -> st.SearchStrategy[str]:
    return st.sampled_from([*catalog.slack_channels.values(), "C0RAWCHANNEL"])


@_cached
@st.composite
def channel_configs(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    out: dict[str, Any] = {"condition_groups": draw(condition_groups(catalog, 1))}
    visibility = st.sampled_from(["public", "private"])
    if draw(st.booleans()):
        channels = draw(st.lists(_channel_ids(catalog), min_size=1, max_size=2))
        target: dict[str, Any] = {"binding": {"array_value": [{"literal": c} for c in channels]}}
        if draw(st.booleans()):
            target["channel_visibility"] = draw(visibility)
        out["slack_targets"] = target
    else:
        binding = {"array_value": [{"literal": "19:abc@thread.tacv2"}]}
        out["ms_teams_targets"] = {"binding": binding, "channel_visibility": draw(visibility)}
    return out


_NAMES = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=16)


@_cached
def _route_parts(catalog: Catalog) -> tuple[dict[str, st.SearchStrategy[Any]], dict[str, st.SearchStrategy[Any]]]:
    required: dict[str, st.SearchStrategy[Any]] = {
        "alert_sources": st.lists(
            st.fixed_dictionaries(
                {"alert_source_id": _ids(catalog.alert_sources), "condition_groups": condition_groups(catalog)}
            ),
            max_size=3,
            unique_by=lambda s: str(s["alert_source_id"]),  # route files list each source once
        ),
        "condition_groups": condition_groups(catalog),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "enabled": st.booleans(),
        "is_private": st.booleans(),
        "owning_team_ids": st.lists(_ids(catalog.teams), max_size=2, unique=True),
        "expressions": st.lists(expressions(catalog), max_size=1),
        "channel_config": st.lists(channel_configs(catalog), max_size=2),
        "escalation_config": st.fixed_dictionaries(
            {
                "auto_cancel_escalations": st.booleans(),
                "escalation_targets": st.lists(escalation_targets(catalog), max_size=2),
            }
        ),
        "incident_config": st.fixed_dictionaries(
            {
                "enabled": st.booleans(),
                "auto_decline_enabled": st.booleans(),
                "condition_groups": condition_groups(catalog, 1),
                "defer_time_seconds": st.sampled_from([0, 60]),
                "grouping_keys": st.lists(_references(catalog), max_size=2, unique=True).map(
                    lambda refs: [{"reference": r} for r in refs]
                ),
                "grouping_window_seconds": st.sampled_from([0, 1800, 3600]),
            },
            optional={"auto_relate_grouped_alerts": st.booleans()},
        ),
        "incident_template": incident_templates(catalog),
        "message_template": st.just({"value": {"literal": "01JQ3ZMSGTEMPLATE00000001"}}),
    }
    return required, optional


@st.composite
def route_payloads(draw: st.DrawFn, catalog: Catalog = PROPERTY_CATALOG, name: str | None = None) -> dict[str, Any]:
    """A create payload as a client might send it (not necessarily canonical); every optional key maybe omitted."""
    required, optional = _route_parts(catalog)
    payload: dict[str, Any] = {"name": name if name is not None else draw(_NAMES)}
    payload.update({key: draw(strategy) for key, strategy in required.items()})
    for key, strategy in optional.items():
        if draw(st.booleans()):
            payload[key] = draw(strategy)
    return payload


def canonical_payloads(catalog: Catalog = PROPERTY_CATALOG) -> st.SearchStrategy[dict[str, Any]]:
    """Canonical payloads (what resolve produces and apply sends)."""
    return route_payloads(catalog).map(lambda p: canonicalize(p, catalog))


def route_documents(catalog: Catalog = PROPERTY_CATALOG) -> st.SearchStrategy[dict[str, Any]]:
    """Route files' data (names, short forms), as `reconciler export` writes them."""
    return route_payloads(catalog).map(lambda p: to_document(p, catalog))


# --- what incident.io sends back -------------------------------------------------------------------------------


def _label(catalog: Catalog, value: Mapping[str, Any]) -> dict[str, Any]:
    names = {
        e.id: e.name
        for field in ("alert_sources", "escalation_paths", "severities", "teams", "users")
        for e in getattr(catalog, field)
    }
    literal = value.get("literal")
    label = names.get(literal, literal) if literal is not None else f"Alert → {value.get('reference')}"
    out = {"label": label, **value}
    if isinstance(literal, str) and literal.startswith('{"'):
        # The server labels every variable and answers with its own key order, HTML-escaped.
        doc = json.loads(literal)
        for paragraph in doc.get("content", []):
            for node in paragraph.get("content", []):
                if node.get("type") == "varSpec":
                    node["attrs"] = {"label": "Alert → " + node["attrs"]["name"], **node["attrs"]}
        out["literal"] = html.escape(json.dumps(doc), quote=True)
    return out


def _echo_binding(catalog: Catalog, binding: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "value" in binding:
        out["value"] = _label(catalog, binding["value"])
    if "array_value" in binding:
        out["array_value"] = [_label(catalog, v) for v in binding["array_value"]]
    return out


def _echo_groups(catalog: Catalog, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "conditions": [
                {
                    "subject": {"label": "Alert → " + c["subject"], "reference": c["subject"]},
                    "operation": {
                        "label": "is one of",
                        "value": rewrite_operation(c["subject"], c["operation"], catalog),
                    },
                    "param_bindings": [_echo_binding(catalog, b) for b in c["param_bindings"]],
                }
                for c in g["conditions"]
            ]
        }
        for g in groups
    ]


def _echo_expression(catalog: Catalog, expression: Mapping[str, Any]) -> dict[str, Any]:
    returns = {"array": False, "type": "String"}
    operations = []
    for op in expression["operations"]:
        # v2 responses have no cast/concatenate options (INCIDENT_IO_API.md §1.2)
        echoed = {**{k: v for k, v in op.items() if k not in ("cast", "concatenate")}, "returns": returns}
        if "navigate" in op:
            echoed["navigate"] = {**op["navigate"], "reference_label": "Owner"}
        if "filter" in op:
            echoed["filter"] = {"condition_groups": _echo_groups(catalog, op["filter"]["condition_groups"])}
        if "branches" in op:
            branches = [
                {
                    "condition_groups": _echo_groups(catalog, b["condition_groups"]),
                    "result": _echo_binding(catalog, b["result"]),
                }
                for b in op["branches"]["branches"]
            ]
            echoed["branches"] = {"branches": branches, "returns": op["branches"]["returns"]}
        operations.append(echoed)
    out = {**expression, "operations": operations, "returns": returns}
    if "else_branch" in expression:
        out["else_branch"] = {"result": _echo_binding(catalog, expression["else_branch"]["result"])}
    return out


def server_echo(
    payload: Mapping[str, Any], catalog: Catalog, route_id: str = "01JQ3ZROUTE00000000000001", version: int = 1
) -> dict[str, Any]:
    """The `AlertRouteV2` incident.io returns for `payload` (INCIDENT_IO_API.md §1.2–1.3)."""
    escalation = payload.get("escalation_config") or ESCALATION_DEFAULTS
    targets = []
    for target in escalation["escalation_targets"]:
        echoed = {key: _echo_binding(catalog, value) for key, value in target.items()}
        if "escalation_paths" in target:
            echoed["users"] = echoed["escalation_paths"]  # "legacy compatibility"
        targets.append(echoed)
    incident = {**copy.deepcopy(INCIDENT_DEFAULTS), **(payload.get("incident_config") or {})}
    incident["condition_groups"] = _echo_groups(catalog, incident["condition_groups"])
    template: dict[str, Any] = {}
    for key, value in (payload.get("incident_template") or {}).items():
        if key == "custom_fields":
            template[key] = [{**f, "binding": _echo_binding(catalog, f["binding"])} for f in value]
        elif "binding" in value:
            template[key] = {**value, "binding": _echo_binding(catalog, value["binding"])}
        else:
            template[key] = dict(value)
    template.setdefault("name", {"autogenerated": True})
    template.setdefault("summary", {"autogenerated": True})
    for key in ("name", "summary"):
        template[key].setdefault("autogenerated", "binding" not in template[key])
    route: dict[str, Any] = {
        "id": route_id,
        "name": payload["name"],
        "enabled": payload.get("enabled", True),
        "is_private": payload.get("is_private", False),
        "version": version,
        "created_at": "2025-11-04T10:12:33.118402Z",
        "updated_at": "2026-03-18T16:41:09.552871Z",
        "alert_sources": [
            {"alert_source_id": s["alert_source_id"], "condition_groups": _echo_groups(catalog, s["condition_groups"])}
            for s in payload.get("alert_sources", [])
        ],
        "condition_groups": _echo_groups(catalog, payload.get("condition_groups", [])),
        "expressions": [_echo_expression(catalog, e) for e in payload.get("expressions", [])],
        "channel_config": [
            {
                "condition_groups": _echo_groups(catalog, c["condition_groups"]),
                **{
                    key: {
                        "binding": _echo_binding(catalog, c[key]["binding"]),
                        "channel_visibility": c[key].get("channel_visibility", "public"),
                    }
                    for key in ("slack_targets", "ms_teams_targets")
                    if key in c
                },
            }
            for c in payload.get("channel_config", [])
        ],
        "escalation_config": {
            "auto_cancel_escalations": escalation["auto_cancel_escalations"],
            "escalation_targets": targets,
        },
        "incident_config": incident,
        "incident_template": template,
    }
    if payload.get("owning_team_ids"):
        route["owning_team_ids"] = list(payload["owning_team_ids"])
    if payload.get("message_template"):
        route["message_template"] = _echo_binding(catalog, payload["message_template"])
    return route


# --- the example organisation's routes, as `routes/` declares them ------------------------------------------------

_MODELINE = "# yaml-language-server: $schema=../schema/alert-route.schema.json\n"
EXAMPLE_ROUTE_FILES: dict[str, str] = {
    "routes/production-alerts.yaml": _MODELINE
    + """name: Production Alerts
alert_sources:
  - alert_source: Alertmanager (Production)
    conditions:
      - subject: alert.attributes.severity
        operation: one_of
        values: [critical]
  - alert_source: Checkly (Production)
  - alert_source: sev0@ Email
  - alert_source: Grafana Cloud
escalation_config:
  auto_cancel_escalations: true
  escalation_targets:
    - escalation_paths: [Engineering On-Call]
channel_config:
  - slack_targets:
      channels: ["#alerts"]
incident_config:
  enabled: true
  grouping_keys: [alert.title]
  grouping_window_seconds: 1800
incident_template:
  name: "{{ alert.title }}"
  severity: {value: Critical, merge_strategy: max}
""",
    "routes/production-warnings.yaml": _MODELINE
    + """name: Production Warnings
alert_sources:
  - alert_source: Alertmanager (Production)
    conditions:
      - {subject: alert.attributes.severity, operation: one_of, values: [warning]}
channel_config:
  - slack_targets: {channels: ["#alerts"]}
""",
    "routes/unrouted-alerts.yaml": _MODELINE
    + """name: Unrouted Alerts
alert_sources:
  - alert_source: Alertmanager (Production)
    conditions:
      - {subject: alert.attributes.severity, operation: is_blank}
channel_config:
  - slack_targets: {channels: ["#alerts"]}
""",
    "routes/database-alerts.yaml": _MODELINE
    + """name: Database Alerts
alert_sources:
  - alert_source: PlanetScale
    conditions:
      - {subject: alert.attributes.branch, operation: one_of, values: [main]}
escalation_config:
  escalation_targets:
    - escalation_paths: [Engineering On-Call]
channel_config:
  - slack_targets: {channels: ["#alerts"]}
incident_config:
  enabled: true
  grouping_keys: [alert.title]
  grouping_window_seconds: 3600
incident_template:
  name: "{{ alert.title }}"
  severity: {value: Major, merge_strategy: first-wins}
""",
    "routes/staging-notifications.yaml": _MODELINE
    + """name: Staging Notifications
alert_sources:
  - alert_source: Alertmanager (Staging)
  - alert_source: Checkly (Staging)
channel_config:
  - slack_targets: {channels: ["#alerts-staging"]}
""",
    "routes/informational.yaml": _MODELINE
    + """name: Informational
alert_sources:
  - alert_source: Axiom
  - alert_source: Status Page Views
""",
}


def _source(source_id: str, attribute: str | None = None, operation: str = "", values: tuple[str, ...] = ()) -> Any:
    if attribute is None:
        return {"alert_source_id": source_id, "condition_groups": []}
    params = [{"array_value": [{"literal": v} for v in values]}] if values else []
    condition = {"subject": f"alert.attributes.{attribute}", "operation": operation, "param_bindings": params}
    return {"alert_source_id": source_id, "condition_groups": [{"conditions": [condition]}]}


def _example_payload(name: str, sources: list[Any], **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": name,
        "enabled": True,
        "is_private": False,
        "owning_team_ids": [],
        "alert_sources": sources,
        "condition_groups": [],
        "expressions": [],
        "channel_config": [],
        "escalation_config": copy.deepcopy(ESCALATION_DEFAULTS),
        "incident_config": copy.deepcopy(INCIDENT_DEFAULTS),
        "incident_template": {"name": {"autogenerated": True}},
    }
    payload.update(fields)
    return payload


def _slack(channel: str) -> list[Any]:
    binding = {"array_value": [{"literal": channel}]}
    return [{"condition_groups": [], "slack_targets": {"binding": binding, "channel_visibility": "public"}}]


def _incident(window: int) -> dict[str, Any]:
    grouping = {"grouping_keys": [{"reference": "alert.title"}], "grouping_window_seconds": window}
    return {**copy.deepcopy(INCIDENT_DEFAULTS), "enabled": True, **grouping}


def _template(severity: str, merge: str) -> dict[str, Any]:
    return {
        "name": {"autogenerated": False, "binding": {"value": {"literal": template_to_doc("{{ alert.title }}")}}},
        "severity": {"merge_strategy": merge, "binding": {"value": {"literal": severity}}},
    }


_PATHS = {"escalation_targets": [{"escalation_paths": {"array_value": [{"literal": ENG_ONCALL}]}}]}
# The canonical payload each example route file resolves to (against EXAMPLE_CATALOG).
EXAMPLE_PAYLOADS: dict[str, dict[str, Any]] = {
    "routes/production-alerts.yaml": _example_payload(
        "Production Alerts",
        [
            _source(AM_PROD, ATTR_SEVERITY, "contains_one_of", ("critical",)),
            _source(CHECKLY_PROD),
            _source("01JQ3ZSRCSEV0EMAIL0000001"),
            _source("01JQ3ZSRCGRAFANACLOUD0001"),
        ],
        escalation_config={"auto_cancel_escalations": True, **_PATHS},
        channel_config=_slack("C07ALERTS01"),
        incident_config=_incident(1800),
        incident_template=_template(SEV_CRITICAL, "max"),
    ),
    "routes/production-warnings.yaml": _example_payload(
        "Production Warnings",
        [_source(AM_PROD, ATTR_SEVERITY, "contains_one_of", ("warning",))],
        channel_config=_slack("C07ALERTS01"),
    ),
    "routes/unrouted-alerts.yaml": _example_payload(
        "Unrouted Alerts", [_source(AM_PROD, ATTR_SEVERITY, "is_blank")], channel_config=_slack("C07ALERTS01")
    ),
    "routes/database-alerts.yaml": _example_payload(
        "Database Alerts",
        [_source("01JQ3ZSRCPLANETSCALE00001", ATTR_BRANCH, "contains_one_of", ("main",))],
        escalation_config={"auto_cancel_escalations": False, **_PATHS},
        channel_config=_slack("C07ALERTS01"),
        incident_config=_incident(3600),
        incident_template=_template(SEV_MAJOR, "first-wins"),
    ),
    "routes/staging-notifications.yaml": _example_payload(
        "Staging Notifications",
        [_source("01JQ3ZSRCAMSTAGING0000001"), _source("01JQ3ZSRCCHECKLYSTAGING01")],
        channel_config=_slack("C07STAGING1"),
    ),
    "routes/informational.yaml": _example_payload(
        "Informational", [_source("01JQ3ZSRCAXIOM00000000001"), _source("01JQ3ZSRCSTATUSPAGEVIEWS1")]
    ),
}
