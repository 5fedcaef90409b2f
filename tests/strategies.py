"""Hypothesis strategies for alert routes, the example organisation's catalog, and simulated server echoes.

Shared by the wire/files/diff tests and the plan/apply convergence tests. Two ways to draw a route:

* `route_payloads(catalog)` draws v2 create payloads as a client might send them: ids from the catalog, operations the
  server rewrites (`one_of` on text subjects, `contains` on catalog subjects), escalation-path targets it echoes into
  `users`, rich-text templates, expressions, and omitted optional keys. `v2_routes` decodes them into the route model
  (`wire.decode(stored(payload), "v2")`), `route_documents` writes those as route files.
* `routes(catalog)` draws `Route` values directly, with every setting only v3 carries (a fixed grouping window,
  `when_alert_joins_group` modes and grace periods, group summaries, message templates, owning teams, Teams
  channels): canonical, with operations as the server stores them.

`server_echo` turns a v2 payload into the `AlertRouteV2` incident.io returns, `server_echo_v3` a v3 payload into the
`AlertRouteV3`.
"""

from __future__ import annotations

import copy
import functools
import html
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hypothesis import strategies as st

from reconciler.files import references as refs
from reconciler.files.encode import encode as encode_file
from reconciler.model import Catalog, Entity
from reconciler.route import (
    ON_EACH_NEW_ALERT,
    ON_PRIORITY_INCREASE,
    Binding,
    Condition,
    Destination,
    Escalation,
    EscalationTarget,
    Expression,
    FieldRule,
    Grouping,
    Groups,
    Incidents,
    Rejoin,
    Route,
    SeverityRule,
    Source,
    Target,
    Template,
    Text,
    Value,
    freeze,
)
from reconciler.templates.documents import canonical_doc, template_to_doc
from reconciler.wire import decode

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

TEAMS_CHANNEL = "19:abc@thread.tacv2"
RAW_TEAMS_CHANNEL = "19:raw@thread.tacv2"  # a Teams channel id the channel map does not name

# The example organisation plus a named Teams channel and attributes of every kind the server treats specially,
# for property tests.
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
        "teams_channels": {"Platform/alerts": TEAMS_CHANNEL},
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
        binding = {"array_value": [{"literal": draw(st.sampled_from([TEAMS_CHANNEL, RAW_TEAMS_CHANNEL]))}]}
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


def stored(payload: Mapping[str, Any], catalog: Catalog) -> Any:
    """`payload` with every condition's operation as the server stores it (`one_of` on text → `contains_one_of`)."""
    return refs.stored_operations(payload, catalog)


def v2_routes(catalog: Catalog = PROPERTY_CATALOG) -> st.SearchStrategy[Route]:
    """Drawn v2 payloads in the route model: what a v2 live route or an old canonical payload decodes to."""
    return route_payloads(catalog).map(lambda p: decode(stored(p, catalog), "v2"))


def route_documents(catalog: Catalog = PROPERTY_CATALOG) -> st.SearchStrategy[dict[str, Any]]:
    """Route files' data (names, short forms), as `reconciler export` writes them."""
    return st.one_of(v2_routes(catalog), routes(catalog)).map(lambda r: encode_file(r, catalog))


# --- routes in the model, drawn directly ---------------------------------------------------------------------------


@_cached
def model_values(catalog: Catalog) -> st.SearchStrategy[Value]:
    return st.one_of(
        _literals().map(lambda v: Value(literal=v)),
        _references(catalog).map(lambda r: Value(reference=r)),
    )


@_cached
def model_bindings(catalog: Catalog) -> st.SearchStrategy[Binding]:
    """One value, or a list of values (literals and references)."""
    return st.one_of(
        model_values(catalog).map(lambda v: Binding(value=v)),
        st.lists(model_values(catalog), max_size=3).map(lambda vs: Binding(array=tuple(vs))),
    )


@_cached
def _id_values(catalog: Catalog, field: str) -> st.SearchStrategy[Binding]:
    ids = _ids(getattr(catalog, field))
    return st.one_of(
        st.lists(ids, min_size=1, max_size=2).map(lambda vs: Binding(array=tuple(Value(literal=v) for v in vs))),
        ids.map(lambda v: Binding(value=Value(literal=v))),
    )


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _one(literal: str) -> Binding:
    return Binding(value=Value(literal=literal))


@_cached
@st.composite
def model_conditions(draw: st.DrawFn, catalog: Catalog) -> Condition:
    subject = draw(_references(catalog))
    operation = draw(st.sampled_from(_OPERATIONS))
    params: tuple[Binding, ...] = ()
    if operation not in ("is_set", "is_blank"):
        params = (draw(model_bindings(catalog)),)
    # A route in the model holds the operation as the server stores it (reconciler.route's docstring).
    return Condition(subject, refs.stored_operation(subject, operation, catalog), params)


@_cached
def model_groups(catalog: Catalog, max_size: int = 2) -> st.SearchStrategy[Groups]:
    group = st.lists(model_conditions(catalog), max_size=2).map(tuple)
    return st.lists(group, max_size=max_size).map(tuple)


def _value_json(value: Value) -> dict[str, Any]:
    return {k: v for k, v in (("literal", value.literal), ("reference", value.reference)) if v is not None}


def _binding_json(binding: Binding) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if binding.value is not None:
        out["value"] = _value_json(binding.value)
    if binding.array is not None:
        out["array_value"] = [_value_json(v) for v in binding.array]
    return out


def _groups_json(groups: Groups) -> list[dict[str, Any]]:
    return [
        {
            "conditions": [
                {"subject": c.subject, "operation": c.operation, "param_bindings": [_binding_json(b) for b in c.params]}
                for c in group
            ]
        }
        for group in groups
    ]


@_cached
@st.composite
def model_expressions(draw: st.DrawFn, catalog: Catalog) -> Expression:
    """An expression, its operation in canonical JSON (response-only `returns`/`reference_label` absent)."""
    returns = {
        "array": draw(st.booleans()),
        "type": draw(st.sampled_from(["String", 'CatalogEntry["01JQ3ZCATTYPETEAM0001"]'])),
    }
    kind = draw(st.sampled_from(["navigate", "filter", "parse", "branches", "count", "cast", "concatenate"]))
    operation: dict[str, Any] = {"operation_type": kind}
    if kind == "navigate":
        operation["navigate"] = {"reference": 'catalog_attribute["01JQ3ZCATATTROWNER0001"]'}
    elif kind == "filter":
        operation["filter"] = {"condition_groups": _groups_json(draw(model_groups(catalog, 1)))}
    elif kind == "parse":
        operation["parse"] = {"source": "metadata.team", "returns": returns}
    elif kind == "branches":
        branch = {
            "condition_groups": _groups_json(draw(model_groups(catalog, 1))),
            "result": _binding_json(draw(model_bindings(catalog))),
        }
        operation["branches"] = {"branches": [branch], "returns": returns}
    elif kind == "cast":
        operation["cast"] = {"returns": returns}
    elif kind == "concatenate":
        operation["concatenate"] = {"reference": "alert.description"}
    return Expression(
        reference=draw(st.sampled_from(["3f1c9a2b", "a1b2c3d4"])),
        label=draw(st.sampled_from(["Service owning team", "Team"])),
        root_reference=draw(_references(catalog)),
        operations=(freeze(operation),),
        else_result=draw(st.none() | model_bindings(catalog)),
    )


@_cached
def model_sources(catalog: Catalog) -> st.SearchStrategy[tuple[Source, ...]]:
    source = st.builds(Source, _ids(catalog.alert_sources), model_groups(catalog))
    # Route files list each source once.
    return st.lists(source, max_size=3, unique_by=lambda s: s.alert_source_id).map(tuple)


@_cached
@st.composite
def model_destinations(draw: st.DrawFn, catalog: Catalog) -> Destination:
    visibility = st.sampled_from(["public", "private"])
    summary = st.booleans()  # v3 only: one summary message per group of alerts
    slack = teams = None
    kind = draw(st.sampled_from(["slack", "teams", "both"]))
    if kind in ("slack", "both"):
        channels = draw(st.lists(_channel_ids(catalog), min_size=1, max_size=2))
        binding = Binding(array=tuple(Value(literal=c) for c in channels))
        slack = Target(binding, draw(visibility), draw(summary))
    if kind in ("teams", "both"):
        channel = draw(st.sampled_from([*catalog.teams_channels.values(), RAW_TEAMS_CHANNEL]))
        teams = Target(Binding(array=(Value(literal=channel),)), draw(visibility), draw(summary))
    return Destination(groups=draw(model_groups(catalog, 1)), slack=slack, teams=teams)


@_cached
def model_escalation_targets(catalog: Catalog) -> st.SearchStrategy[EscalationTarget]:
    # Never both: incident.io overwrites `users` with the escalation paths (INCIDENT_IO_API.md §1.2).
    return st.one_of(
        _id_values(catalog, "escalation_paths").map(lambda b: EscalationTarget(paths=b)),
        _id_values(catalog, "users").map(lambda b: EscalationTarget(users=b)),
    )


@_cached
def model_texts(catalog: Catalog) -> st.SearchStrategy[Text]:
    """An incident name or summary: autogenerated, or a template (a canonical rich-text document)."""
    return st.one_of(
        st.just(Text()),
        rich_text(catalog).map(lambda d: Text(autogenerated=False, binding=_one(canonical_doc(d)))),
    )


@_cached
@st.composite
def model_templates(draw: st.DrawFn, catalog: Catalog, workspace: bool = False) -> Template:
    summary = draw(model_texts(catalog))
    severity = None
    if draw(st.booleans()):
        bound = draw(st.none() | _id_values(catalog, "severities"))
        severity = SeverityRule(draw(st.sampled_from(["first-wins", "max"])), bound)
    fields = draw(
        st.lists(
            st.builds(
                FieldRule,
                _ids(catalog.custom_fields),
                model_bindings(catalog),
                st.sampled_from(["first-wins", "last-wins", "append"]),
            ),
            max_size=2,
            unique_by=lambda f: f.custom_field_id,
        )
    )
    return Template(
        name=draw(model_texts(catalog)),
        summary=None if summary == Text() else summary,
        severity=severity,
        custom_fields=tuple(fields),
        incident_type=draw(_maybe(_ids(catalog.incident_types).map(_one))),
        incident_mode=draw(_maybe(st.sampled_from(["standard", "test"]).map(_one))),
        start_in_triage=draw(_maybe(st.sampled_from(["true", "false"]).map(_one))),
        membership_teams=draw(_maybe(_id_values(catalog, "teams"))),
        workspace=draw(_maybe(st.just(_one("T0123456")))) if workspace else None,
    )


@_cached
@st.composite
def model_message_templates(draw: st.DrawFn, catalog: Catalog) -> Binding | None:
    """No message template, an id (as v2 routes hold them) or a template document."""
    return draw(
        st.one_of(
            st.none(),
            st.just(_one("01JQ3ZMSGTEMPLATE00000001")),
            rich_text(catalog).map(lambda d: _one(canonical_doc(d))),
        )
    )


def routes(catalog: Catalog = PROPERTY_CATALOG, *, workspace: bool = False) -> st.SearchStrategy[Route]:
    """A canonical `Route` with any setting either API version has, v3-only ones included; a v2-only incident
    template `workspace` only with `workspace=True` (without it, every route drawn can be written through v3)."""
    return _routes(catalog, workspace)


@_cached
@st.composite
def _routes(draw: st.DrawFn, catalog: Catalog, workspace: bool) -> Route:
    grouping = Grouping()
    rejoin = None
    if draw(st.booleans()):
        grouping = Grouping(
            enabled=True,
            keys=tuple(draw(st.lists(_references(catalog), max_size=2, unique=True))),
            window_seconds=draw(st.sampled_from([60, 1800, 3600, 172800])),
            window_type=draw(st.sampled_from(["rolling", "fixed"])),
        )
        mode = draw(st.sampled_from([ON_EACH_NEW_ALERT, ON_PRIORITY_INCREASE]))
        grace = draw(st.sampled_from([0, 60, 3600])) if mode == ON_EACH_NEW_ALERT else 0
        rejoin = Rejoin(mode, grace)
    incidents = Incidents()
    if draw(st.booleans()):
        incidents = Incidents(
            enabled=True,
            auto_decline=draw(st.booleans()),
            groups=draw(model_groups(catalog, 1)),
            template=draw(model_templates(catalog, workspace)),
        )
    route = Route(
        name=draw(_NAMES),
        enabled=draw(st.booleans()),
        is_private=draw(st.booleans()),
        owning_team_ids=tuple(draw(st.lists(_ids(catalog.teams), max_size=2, unique=True))),
        sources=draw(model_sources(catalog)),
        groups=draw(model_groups(catalog)),
        expressions=tuple(draw(st.lists(model_expressions(catalog), max_size=1))),
        destinations=tuple(draw(st.lists(model_destinations(catalog), max_size=2))),
        message_template=draw(model_message_templates(catalog)),
        escalation=Escalation(
            auto_cancel=draw(st.booleans()),
            targets=tuple(draw(st.lists(model_escalation_targets(catalog), max_size=2))),
            rejoin=rejoin,
        ),
        grouping=grouping,
        incidents=incidents,
    )
    return route.canonical()


# --- what incident.io sends back -------------------------------------------------------------------------------

# What the server fills in for omitted v2 payload parts (INCIDENT_IO_API.md §1.2).
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


def _rich_text_doc(literal: object) -> dict[str, Any] | None:
    """The rich-text document a literal holds, or None: plain text may start with `{"` as well (a generated literal
    `{"` once failed the suite here)."""
    if not isinstance(literal, str) or not literal.startswith("{"):
        return None
    try:
        doc = json.loads(literal)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and doc.get("type") == "doc" else None


def _label(catalog: Catalog, value: Mapping[str, Any]) -> dict[str, Any]:
    names = {
        e.id: e.name
        for field in ("alert_sources", "escalation_paths", "severities", "teams", "users")
        for e in getattr(catalog, field)
    }
    literal = value.get("literal")
    label = names.get(literal, literal) if literal is not None else f"Alert → {value.get('reference')}"
    out = {"label": label, **value}
    doc = _rich_text_doc(literal)
    if doc is not None:
        # The server labels every variable and answers with its own key order, HTML-escaped.
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
                        "value": refs.stored_operation(c["subject"], c["operation"], catalog),
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
        # Responses have no cast/concatenate options (INCIDENT_IO_API.md §1.2)
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


def _echo_targets(catalog: Catalog, targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for target in targets:
        echoed = {key: _echo_binding(catalog, value) for key, value in target.items()}
        if "escalation_paths" in target:
            echoed["users"] = echoed["escalation_paths"]  # "legacy compatibility"
        out.append(echoed)
    return out


def _echo_template(catalog: Catalog, template: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key == "custom_fields":
            out[key] = [{**f, "binding": _echo_binding(catalog, f["binding"])} for f in value]
        elif "binding" in value:
            out[key] = {**value, "binding": _echo_binding(catalog, value["binding"])}
        else:
            out[key] = dict(value)
    out.setdefault("name", {"autogenerated": True})
    out.setdefault("summary", {"autogenerated": True})
    for key in ("name", "summary"):
        out[key].setdefault("autogenerated", "binding" not in out[key])
    return out


def _echo_destinations(catalog: Catalog, destinations: list[dict[str, Any]], *, v3: bool) -> list[dict[str, Any]]:
    out = []
    for destination in destinations:
        echoed: dict[str, Any] = {"condition_groups": _echo_groups(catalog, destination["condition_groups"])}
        for key in ("slack_targets", "ms_teams_targets"):
            if key in destination:
                target = destination[key]
                echoed[key] = {
                    "binding": _echo_binding(catalog, target["binding"]),
                    "channel_visibility": target.get("channel_visibility", "public"),
                }
                if v3:
                    echoed[key]["group_alerts_summary"] = target.get("group_alerts_summary", False)
        out.append(echoed)
    return out


def _echo_common(catalog: Catalog, payload: Mapping[str, Any], route_id: str, version: int) -> dict[str, Any]:
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
    }
    if payload.get("owning_team_ids"):
        route["owning_team_ids"] = list(payload["owning_team_ids"])
    return route


def server_echo(
    payload: Mapping[str, Any], catalog: Catalog, route_id: str = "01JQ3ZROUTE00000000000001", version: int = 1
) -> dict[str, Any]:
    """The `AlertRouteV2` incident.io returns for a v2 `payload` (INCIDENT_IO_API.md §1.2–1.3)."""
    escalation = payload.get("escalation_config") or ESCALATION_DEFAULTS
    incident = {**copy.deepcopy(INCIDENT_DEFAULTS), **(payload.get("incident_config") or {})}
    incident["condition_groups"] = _echo_groups(catalog, incident["condition_groups"])
    route = _echo_common(catalog, payload, route_id, version)
    route |= {
        "channel_config": _echo_destinations(catalog, payload.get("channel_config", []), v3=False),
        "escalation_config": {
            "auto_cancel_escalations": escalation["auto_cancel_escalations"],
            "escalation_targets": _echo_targets(catalog, escalation["escalation_targets"]),
        },
        "incident_config": incident,
        "incident_template": _echo_template(catalog, payload.get("incident_template") or {}),
    }
    if payload.get("message_template"):
        route["message_template"] = _echo_binding(catalog, payload["message_template"])
    return route


def server_echo_v3(
    payload: Mapping[str, Any], catalog: Catalog, route_id: str = "01JQ3ZROUTE00000000000001", version: int = 1
) -> dict[str, Any]:
    """The `AlertRouteV3` incident.io returns for a v3 `payload` (INCIDENT_IO_API.md §1.4 and §9): labels,
    subject/operation objects, rewritten operations, escalation paths echoed into `users`, `grace_period_seconds: 0`
    for modes other than `on_each_new_alert`, an omitted summary as autogenerated."""
    escalation = copy.deepcopy(dict(payload["escalation_config"]))
    escalation["escalation_targets"] = _echo_targets(catalog, escalation["escalation_targets"])
    joins = escalation.get("when_alert_joins_group")
    if joins is not None and joins["mode"] != ON_EACH_NEW_ALERT:
        joins["grace_period_seconds"] = 0
    incident = copy.deepcopy(dict(payload["incident_config"]))
    incident["condition_groups"] = _echo_groups(catalog, incident.get("condition_groups", []))
    if "template" in incident:
        incident["template"] = _echo_template(catalog, incident["template"])
    messages = payload["message_config"]
    route = _echo_common(catalog, payload, route_id, version)
    route |= {
        "grouping_config": copy.deepcopy(payload["grouping_config"]),
        "escalation_config": escalation,
        "incident_config": incident,
        "message_config": {"destinations": _echo_destinations(catalog, messages["destinations"], v3=True)},
    }
    if messages.get("template"):
        route["message_config"]["template"] = _echo_binding(catalog, messages["template"])
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
grouping:
  keys: [alert.title]
  window_seconds: 1800
incident_config:
  enabled: true
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
grouping:
  keys: [alert.title]
  window_seconds: 3600
incident_config:
  enabled: true
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
# The canonical v2 payload each example route file resolved to before the route model (against EXAMPLE_CATALOG).
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
# The route each example route file decodes to: the same routes as the payloads above.
EXAMPLE_ROUTES: dict[str, Route] = {path: decode(payload, "v2") for path, payload in EXAMPLE_PAYLOADS.items()}
