"""Edge cases of the pure core that the pipeline tests do not reach: the rebuilding of model values from JSON, the
route map, the drift fingerprint adopting acts on, the adopt pull request's text, the apply summary, and the
reference helpers. Each asserts the value or the message a user (or the next step) gets."""

from __future__ import annotations

import json

import pytest

from reconciler.core.drift import DriftEntry, DriftKind, DriftReport, adopt_fingerprint, fingerprint
from reconciler.core.outcome import ApplyReport, Outcome, RouteOutcome
from reconciler.files.references import channel_name, split_attribute, subject_kind
from reconciler.model import Action, Catalog, Entity
from reconciler.render.adopt import ADOPT_MARKER, MAX_TITLE, adopt_body, adopt_title
from reconciler.render.graph import render_graph
from reconciler.render.text import render_apply_report
from reconciler.route import (
    Binding,
    Condition,
    Escalation,
    EscalationTarget,
    Expression,
    Route,
    Source,
    Value,
    from_json,
)


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
