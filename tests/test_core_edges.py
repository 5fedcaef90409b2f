"""Edge cases of the pure core that the pipeline tests do not reach: the rebuilding of model values from JSON, the
route map, the drift fingerprint adopting acts on, the adopt pull request's text, the apply summary, and the
reference helpers. Each asserts the value or the message a user (or the next step) gets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reconciler.core.diff import _readable, diff_routes
from reconciler.core.drift import (
    DriftEntry,
    DriftKind,
    DriftReport,
    adopt_fingerprint,
    build_drift_report,
    fingerprint,
)
from reconciler.core.evaluate import Alert
from reconciler.core.impact import (
    Example,
    Impact,
    Reroute,
    _Router,
    alert_from_api,
    impact_from_json,
    impact_to_json,
    planned_routes,
)
from reconciler.core.incidents import list_params
from reconciler.core.outcome import ApplyReport, Outcome, RouteOutcome
from reconciler.core.plan import build_plan
from reconciler.core.route_tests import Case, Expectation, run_case
from reconciler.errors import ConfigError, InputError, Location
from reconciler.files.decode import DesiredRoute, decode_route
from reconciler.files.encode import encode, text_doc, values_doc
from reconciler.files.load import load_route_bytes, load_schema
from reconciler.files.references import channel_name, split_attribute, subject_kind
from reconciler.files.validate import schema_problems
from reconciler.model import Action, Catalog, Change, Entity, FieldChange, LiveRoute, Plan
from reconciler.planfile import dump_plan
from reconciler.render.adopt import ADOPT_MARKER, MAX_TITLE, adopt_body, adopt_title
from reconciler.render.diff import route_yaml
from reconciler.render.drift_markdown import render_drift_markdown
from reconciler.render.graph import render_graph
from reconciler.render.impact import render_impact_markdown
from reconciler.render.markdown import IMPACT_DROPPED, CommentContext, render_plan_markdown
from reconciler.render.markup import escape
from reconciler.render.text import render_apply_report, render_plan_json
from reconciler.route import (
    Binding,
    Condition,
    Escalation,
    EscalationTarget,
    Expression,
    Grouping,
    Incidents,
    Route,
    SeverityRule,
    Source,
    Template,
    Text,
    Value,
    freeze,
)
from reconciler.route_json import from_json, to_json
from reconciler.templates.documents import is_doc, read_doc, template_to_doc
from reconciler.templates.grammar import TemplateError, emit, emit_variable, parse


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        (Expression, [1], "not an expression: a list"),
        (
            Expression,
            {"reference": "r", "label": "l", "root_reference": "x", "other": 1},
            "not an expression: an object",
        ),
        (Route, "Payments", "expected an object for Route, got 'Payments'"),
        (Route, None, "expected an object for Route, got null"),
        (Route, True, "expected an object for Route, got true"),
        (Route, {"name": "x", "colour": "red"}, "unknown field 'colour' in Route"),
        (Route, {"enabled": True}, "missing field 'name' in Route"),
        (Route, {"name": "x", "sources": {}}, "expected a list, got an object"),
        (Route, {"name": "x" * 70, "enabled": "x" * 70}, f"expected bool, got '{'x' * 60}…'"),
    ],
)
def test_from_json_refuses_another_shape_naming_it(kind: type, data: object, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        from_json(kind, data)  # type: ignore[arg-type]
    assert str(refused.value) == message


def test_from_json_takes_null_for_an_optional_value() -> None:
    assert from_json(Binding, {"value": None, "array": None}) == Binding()
    assert from_json(Binding, {"value": {"literal": "a"}}) == Binding(value=Value(literal="a"))


def _mapped_route() -> Route:
    pages = EscalationTarget(paths=Binding(array=(Value(literal="Primary"), Value(reference="alert.team"))))
    users = EscalationTarget(users=Binding(value=Value(literal="U1")))  # users are not drawn: no path from them
    return Route(
        name='Payments "core"',
        sources=(Source("Prometheus", ((Condition("expressions.team", "is_set"),),)),),
        escalation=Escalation(targets=(pages, users)),
    )


def test_the_dot_graph_draws_paths_and_keeps_subjects_it_cannot_shorten() -> None:
    dot = render_graph([_mapped_route()], "dot")
    assert dot == (
        "digraph routes {\n"
        "  rankdir=LR;\n"
        '  "source:Prometheus" [label="Prometheus", shape=box];\n'
        '  "route:Payments \\"core\\"" [label="Payments \\"core\\""];\n'
        '  "source:Prometheus" -> "route:Payments \\"core\\"" [label="expressions.team is_set"];\n'
        '  "path:Primary" [label="page Primary", shape=oval];\n'
        '  "route:Payments \\"core\\"" -> "path:Primary";\n'
        '  "path:{alert.team}" [label="page {alert.team}", shape=oval];\n'
        '  "route:Payments \\"core\\"" -> "path:{alert.team}";\n'
        "}\n"
    )
    data = json.loads(render_graph([_mapped_route()], "json"))
    assert data["routes"][0]["escalation_paths"] == ["Primary", "{alert.team}"]


def _entry(kind: DriftKind, name: str, fields: tuple[str, ...] = ()) -> DriftEntry:
    return DriftEntry(kind, name, route_id=f"R-{name}", fields=fields, values=tuple((f, 1, 2) for f in fields))


def test_the_adopt_fingerprint_covers_only_what_adopting_acts_on() -> None:
    edit, unmanaged = _entry(DriftKind.DASHBOARD_EDIT, "A", ("enabled",)), _entry(DriftKind.UNMANAGED, "B")
    merge, missing = _entry(DriftKind.UNAPPLIED_MERGE, "C", ("name",)), _entry(DriftKind.MISSING, "D")
    assert adopt_fingerprint(DriftReport(entries=(merge, missing))) is None
    both = adopt_fingerprint(DriftReport(entries=(edit, merge, unmanaged, missing)))
    assert both == fingerprint(DriftReport(entries=(edit, unmanaged)))
    assert both is not None and both.startswith("sha256:") and both != adopt_fingerprint(DriftReport(entries=(edit,)))


def test_the_adopt_pull_request_names_each_route_and_field() -> None:
    entries = [
        _entry(DriftKind.DASHBOARD_EDIT, "Production Alerts", ("enabled", "name")),
        _entry(DriftKind.UNMANAGED, "Dash"),
    ]
    assert adopt_title(entries) == "Adopt dashboard edits: Production Alerts (enabled, name), Dash (new file)"
    assert adopt_title([_entry(DriftKind.BOTH, "Quiet")]) == "Adopt dashboard edits: Quiet (changed)"
    long = adopt_title([_entry(DriftKind.DASHBOARD_EDIT, "x" * 300, ("enabled",))])
    assert len(long) == MAX_TITLE and long.endswith("x…")
    body = adopt_body(entries, "sha256:abc", ["routes/production.yaml", "routes/dash.yaml"])
    lines = body.splitlines()
    assert lines[0] == f"{ADOPT_MARKER} fingerprint=sha256:abc -->"
    assert "| Production Alerts | R-Production Alerts | <code>enabled</code>, <code>name</code> |" in lines
    assert "| Dash | R-Dash | new file |" in lines
    assert lines[-1] == "Files: `routes/production.yaml`, `routes/dash.yaml`"


def test_the_apply_summary_counts_routes_not_attempted() -> None:
    report = ApplyReport(
        outcomes=(
            RouteOutcome(Action.CREATE, "A", "R1", Outcome.CREATED, writes=1),
            RouteOutcome(Action.UPDATE, "B", "R2", Outcome.NOT_ATTEMPTED),
        ),
        aborted="the API key was rejected (401)",
    )
    assert report.summary == (
        "Applied: 1 created, 0 updated, 0 deleted, 0 already applied, 0 conflicts, 0 failed, 1 not attempted (1 write)."
    )
    assert not report.ok
    assert render_apply_report(report).splitlines()[-2] == "Aborted: the API key was rejected (401)"


def test_channel_names_and_attribute_references() -> None:
    channels = {"#alerts": "C1", "#ops": "C2", "C3": "C9"}
    assert channel_name(channels, "#alerts") is None  # a literal that reads as a name
    assert channel_name(channels, "C3") is None  # an id that is also a name in the map
    assert channel_name(channels, "C1") == "#alerts"
    assert channel_name(channels, "C7") == "C7"
    assert split_attribute("alert.attributes.AT1.value") == ("AT1", ".value")
    assert split_attribute("alert.attributes.[0]") is None  # names no attribute
    assert split_attribute("alert.title") is None
    catalog = Catalog(
        alert_attributes=(Entity("AT1", "team", {"type": 'CatalogEntry["T"]'}), Entity("AT2", "n", {"type": "Number"}))
    )
    assert subject_kind("alert.title", catalog) == "text"
    assert subject_kind("alert.attributes.AT1", catalog) == "catalog"
    assert subject_kind("alert.attributes.AT2", catalog) == "other"
    assert subject_kind("alert.attributes.AT9", catalog) == "other"
    assert subject_kind("expressions.x", catalog) == "other"


def test_a_protected_file_protects_every_live_route_of_its_name() -> None:
    # Unpinned, the file protects by name: a second live route of that name (unmanaged) is not deleted either.
    core = DesiredRoute(route=Route(name="Core"), source="routes/core.yaml", protect=True)
    plan = build_plan([core], [_live("R1", "Core"), _live("R2", "Core")], Catalog(), prune=True, force=True)
    assert [(c.action, c.route_id) for c in plan.changes] == [(Action.DELETE, "R2")]
    assert plan.all_refusals == ("refusing to delete protected route 'Core' (R2): it is marked protect: true",)


def _live(route_id: str, name: str, route: Route | None = None) -> LiveRoute:
    return LiveRoute(route_id=route_id, version=1, route=route or Route(name=name), api_version="v2")


def test_a_path_under_a_value_that_is_not_an_object_is_cut_back_to_it() -> None:
    assert _readable(["escalation", "targets"], {"escalation": None}, {"escalation": {"targets": []}}) == (
        "escalation",
    )
    assert _readable(["sources", 0, "id"], {"sources": [{"id": 1}]}, {"sources": [{"id": 2}]}) == ("sources", 0, "id")


def test_alerts_from_the_api_skip_attributes_without_a_usable_value() -> None:
    alert = alert_from_api(
        {
            "alert_source_id": "AM",
            "title": None,
            "attributes": [
                "junk",
                {"attribute": "SEV"},
                {"attribute": {"id": "EMPTY"}, "value": None},
                {"attribute": {"id": "SEV"}, "value": {"literal": "critical"}},
            ],
        }
    )
    assert alert == Alert(source_id="AM", attributes={"SEV": "critical"})


def test_the_planned_routes_apply_only_the_changes_that_carry_a_route() -> None:
    live = [_live("R1", "A"), _live("R2", "B"), _live("R3", "C")]
    renamed = Route(name="A2")
    plan = Plan(
        changes=(
            Change(Action.UPDATE, "A", route_id="R1", desired=renamed),
            Change(Action.UPDATE, "B", route_id="R2"),  # no desired route: nothing to put in its place
            Change(Action.DELETE, "C", route_id="R3", refused="protected"),  # refused: stays
            Change(Action.CREATE, "D", desired=Route(name="D")),
            Change(Action.CREATE, "E"),
        )
    )
    assert [r.name for r in planned_routes(live, plan)] == ["A2", "B", "C", "D"]


def test_alerts_that_look_the_same_to_every_condition_share_one_evaluation() -> None:
    on_title = Condition("alert.title", "is_set")
    on_expression = Condition("expressions.team", "is_set")  # unknown offline whatever the alert holds
    router = _Router([Route(name="R", sources=(Source("AM", ((on_title, on_expression),)),))])
    assert router.subjects == ["alert.title", "expressions.team"]
    assert router._key(Alert(source_id="AM", title="disk full")) == ("AM", "disk full")
    assert router._key(Alert(source_id="AM", title="disk full", description="other")) == ("AM", "disk full")


def test_impact_to_json_and_back() -> None:
    impact = Impact(
        period="7d",
        alerts_replayed=10,
        alerts_rerouted=2,
        undecided=1,
        limit=5000,
        limit_hit=False,
        reroutes=(Reroute(("A",), (), 2, (Example("disk full", "AM", "2026-01-01T00:00:00Z"),)),),
    )
    data = impact_to_json(impact)
    assert data == {
        "period": "7d",
        "alerts_replayed": 10,
        "alerts_rerouted": 2,
        "alerts_undecided": 1,
        "limit": 5000,
        "limit_hit": False,
        "reroutes": [
            {
                "before": ["A"],
                "after": [],
                "count": 2,
                "examples": [{"title": "disk full", "source": "AM", "created_at": "2026-01-01T00:00:00Z"}],
            }
        ],
    }
    assert impact_from_json(data) == impact


def test_list_params_in_the_api_deep_object_form() -> None:
    assert list_params(status_categories=["Active"], modes=["standard", "retrospective"], sort_by="newest_first") == {
        "status_category[one_of]": ["live"],
        "mode[one_of]": ["standard", "retrospective"],
        "sort_by": "newest_first",
    }
    assert list_params() == {}


def test_an_empty_filter_is_named_and_located() -> None:
    with pytest.raises(TemplateError) as error:
        parse("Disk {{alert.title | }} full")
    assert error.value.slug == "unknown_filter"
    assert error.value.detail == (
        "an empty filter after '|' in the variable at character 6 (filters: truncate: N, omit_if_unset)"
    )


@pytest.mark.parametrize(
    "doc",
    [
        [],  # not a document
        {"type": "paragraph"},
        {"type": "doc", "content": [{"type": "paragraph", "content": "text"}]},  # inline content that is not a list
    ],
)
def test_shapes_without_a_template_emit_none(doc: object) -> None:
    assert emit(doc) is None


def test_variables_a_template_cannot_say_emit_none() -> None:
    assert emit_variable({"name": ""}) is None
    assert emit_variable({"name": "alert.title", "omitIfUnset": "yes"}) is None
    assert emit_variable({"name": "x", "omitIfUnset": True, "truncateTo": 5}, spaced=True) == (
        "{{ x | truncate: 5 | omit_if_unset }}"
    )


def test_a_literal_that_is_json_neither_raw_nor_unescaped_is_no_document() -> None:
    assert read_doc("{not a doc") is None and not is_doc("{not a doc")
    assert read_doc(template_to_doc("Hi {{alert.title}}").replace('"', "&quot;")) is not None  # unescaped, it is


def test_a_schema_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_schema(path)
    assert str(refused.value) == f"{path.as_posix()} is not a JSON Schema object"


def test_a_nameless_route_is_a_located_problem() -> None:
    desired, problems = decode_route(load_route_bytes(b"name: ''\n", "routes/x.yaml"), Catalog())
    assert desired is None
    assert [str(p) for p in problems] == ["routes/x.yaml:1:7: $.name: a route needs a name"]


def test_bindings_without_a_short_form_are_written_raw() -> None:
    catalog = Catalog()
    assert values_doc(Binding(value=Value()), catalog) == {"value": {}}
    assert values_doc(Binding(array=(Value(literal="a"), Value())), catalog) == {"array_value": [{"literal": "a"}, {}]}
    assert text_doc(Text(autogenerated=False), catalog) == {"autogenerated": False}
    severity = SeverityRule("first-wins", Binding(value=Value()))
    route = Route("x", incidents=Incidents(enabled=True, template=Template(severity=severity)))
    assert encode(route, catalog)["incident_template"]["severity"] == {
        "binding": {"value": {}},
        "merge_strategy": "first-wins",
    }


def test_schema_alternatives_of_another_shape_keep_the_validator_message() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"oneOf": [{"required": ["x"]}, {"type": "object", "required": ["y"]}]},
            "b": {"not": {"required": ["x"]}},
        },
    }
    problems = schema_problems(load_route_bytes(b"name: n\na: {}\nb: {x: 1}\n", "routes/x.yaml"), schema)
    assert [str(p) for p in problems] == [
        "routes/x.yaml:2:4: $.a: {} is not valid under any of the given schemas",
        "routes/x.yaml:3:4: $.b: {'x': 1} should not be valid under {'required': ['x']}",
    ]


def test_small_renderings() -> None:
    assert route_yaml(None) == [] and route_yaml(["a"]) == ["['a']"]
    assert escape("a\nb<c>" + "x" * 10, limit=8) == "a b&#60;c&#62;x…"
    plan = Plan(changes=(Change(Action.CREATE, "A", desired=Route(name="A")),))
    url, at = "https://api.incident.io", "2026-01-01T00:00:00Z"
    assert render_plan_json(plan, api_url=url, created_at=at) == dump_plan(plan, api_url=url, created_at=at)


def test_routes_whose_files_read_the_same_differ_by_their_model_fields() -> None:
    # Grouping keys while grouping is off are not written to a file; two such routes still differ, and say where.
    quiet = Route("a", grouping=Grouping(enabled=False, keys=("alert.title",)))
    assert diff_routes(quiet, Route("a"), Catalog()) == (
        FieldChange(path="grouping.keys", old=[], new=["alert.title"]),
    )


def test_drift_is_classified_only_with_history_and_the_catalog() -> None:
    change = Change(
        Action.UPDATE, "A", route_id="R1", source="routes/a.yaml", desired=Route("A"), live=Route("A", enabled=False)
    )
    history = {"routes/a.yaml": [Route("A")]}
    assert [e.kind for e in build_drift_report(Plan(changes=(change,)), history, catalog=None).entries] == [
        DriftKind.DIFFERS
    ]
    # With the catalog: live differs from the file as last committed, which the file still is: a dashboard edit.
    assert [e.kind for e in build_drift_report(Plan(changes=(change,)), history, Catalog()).entries] == [
        DriftKind.DASHBOARD_EDIT
    ]


_L = Location("route-tests/x.yaml", 3, 5)
_UNKNOWN = Condition("expressions.team", "is_set")  # an expression: not known offline


def test_route_tests_that_cannot_be_decided_offline_fail_saying_so() -> None:
    routes = [
        Route("Maybe", sources=(Source("AM", ((_UNKNOWN,),)),)),
        Route("Always", sources=(Source("AM"),), incidents=Incidents(enabled=True, groups=((_UNKNOWN,),))),
    ]
    expectations = (
        Expectation("hits", ("Maybe",), False, _L, ("expect", "hits"), (_L,)),
        Expectation("routes", ("Nope",), False, _L, ("expect", "routes"), (_L,)),
    )
    result = run_case(Case("c", Alert("AM"), expectations, _L, ("cases", 0)), routes)
    undecided = 'cannot be decided offline: "Maybe": expressions.team: subject not known offline'
    assert [str(f) for f in result.failures] == [
        f"route-tests/x.yaml:3:5: $.expect.hits[0]: c: {undecided}",
        'route-tests/x.yaml:3:5: $.expect.routes[0]: c: unknown route "Nope" (no route file has that name)',
        f"route-tests/x.yaml:3:5: $.expect.routes: c: {undecided}",
    ]
    incident = Expectation("incident", (), True, _L, ("expect", "incident"))
    result = run_case(Case("c", Alert("AM"), (incident,), _L, ("cases", 0)), routes[1:])
    [failure] = result.failures
    assert str(failure).startswith(
        'route-tests/x.yaml:3:5: $.expect.incident: c: incident cannot be decided offline: "Always"'
    )


_REVIEW = "sha256:" + "ab" * 32


def test_the_comment_shows_when_live_state_was_read() -> None:
    plan = Plan(changes=(Change(Action.CREATE, "A", desired=Route("A"), desired_doc={"name": "A"}),))
    comment = render_plan_markdown(plan, review=_REVIEW, context=CommentContext(read_at="2026-01-01T00:00:00Z"))
    assert "live state read 2026-01-01T00:00:00Z · 0 live routes, 0 in sync" in comment


def test_a_comment_whose_impact_leaves_no_room_drops_the_impact_and_keeps_its_budget() -> None:
    creates = tuple(
        Change(Action.CREATE, f"R{i}", desired=Route(f"R{i}"), desired_doc={"name": f"R{i}"}) for i in range(3)
    )
    comment = render_plan_markdown(Plan(changes=creates), review=_REVIEW, budget=1800, impact="I" * 2200)
    assert len(comment) <= 1800  # the budget holds: the replay that alone fills it is left out, saying so
    assert "I" * 100 not in comment and IMPACT_DROPPED in comment
    assert "it shows 3 of 3 routes in the table and 3 of 3 diffs." in comment
    for budget in range(1400, 1700, 20):  # tighter still: rows and diffs go, never the budget
        squeezed = render_plan_markdown(Plan(changes=creates), review=_REVIEW, budget=budget, impact="I" * 2200)
        assert len(squeezed) <= budget
        shown = re.search(r"it shows (\d) of 3 routes in the table and (\d) of 3 diffs\.", squeezed)
        assert shown is not None
        assert squeezed.count("| ➕ |") == int(shown[1]) and squeezed.count("<details><summary>➕") == int(shown[2])


def test_the_drift_comment_is_cut_to_its_budget() -> None:
    entries = tuple(
        DriftEntry(
            DriftKind.DASHBOARD_EDIT,
            f"Route {i}",
            f"R{i}",
            1,
            fields=("enabled",),
            git_doc={"name": f"Route {i}", "enabled": True},
            live_doc={"name": f"Route {i}", "enabled": False},
        )
        for i in range(5)
    )
    report = DriftReport(entries=entries)
    cut = "\n\n(cut to fit; run `reconciler drift` for the full report)\n"
    rows_cut = render_drift_markdown(report, budget=700)
    assert rows_cut.endswith(
        "| ✏️ | Route 0 | edited in the dashboard | <code>enabled</code> |\n| … | 4 more routes | | |" + cut
    )
    blocks_cut = render_drift_markdown(report, budget=1300)
    assert blocks_cut.endswith("</details>" + cut) and len(blocks_cut) <= 1300
    assert "| ✏️ | Route 4 |" in blocks_cut and "<b>Route 4</b>" not in blocks_cut
    assert len(render_drift_markdown(report)) > 1300 and not render_drift_markdown(report).endswith(cut)


def test_an_impact_without_reroutes_is_the_headline_alone() -> None:
    impact = Impact(
        period="7d", alerts_replayed=3, alerts_rerouted=0, undecided=0, limit=5000, limit_hit=False, reroutes=()
    )
    section = render_impact_markdown(impact)
    assert section.startswith("### 🔀 Impact on recent alerts\n\n**") and "| Alerts |" not in section


def test_an_expression_round_trips_through_json() -> None:
    operation = {"operation_type": "parse", "parse": {"returns": {"type": "String"}, "source": "$.team"}}
    expression = Expression(
        reference="team",
        label="Team",
        root_reference="payload",
        operations=(freeze(operation),),
        else_result=Binding(value=Value(literal="platform")),
    )
    data = to_json(expression)
    assert data == {
        "reference": "team",
        "label": "Team",
        "root_reference": "payload",
        "operations": [operation],
        "else_result": {"value": {"literal": "platform"}},
    }
    assert from_json(Expression, data) == expression
    bare = Expression(reference="t", label="T", root_reference="payload")
    assert to_json(bare) == {"reference": "t", "label": "T", "root_reference": "payload", "operations": []}
    assert from_json(Expression, to_json(bare)) == bare


@pytest.mark.parametrize(("text", "kind"), [(b"~\n", "null"), (b"true\n", "a boolean"), (b"- a\n", "a list")])
def test_a_route_file_holding_a_scalar_is_refused_naming_it(text: bytes, kind: str) -> None:
    with pytest.raises(InputError) as refused:
        load_route_bytes(text, "routes/x.yaml")
    assert [str(p) for p in refused.value.problems] == [
        f"routes/x.yaml:1:1: $: expected a mapping of route fields, got {kind}"
    ]
