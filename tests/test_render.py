"""Plan text and apply report text, exactly as a terminal shows them."""

from __future__ import annotations

from reconciler.core.outcome import ApplyReport, Outcome, RouteOutcome
from reconciler.errors import Location, Problem
from reconciler.model import Action, Change, FieldChange, LiveRouteSummary, Plan
from reconciler.render.text import format_value, render_apply_report, render_plan_text


def test_empty_plan() -> None:
    assert render_plan_text(Plan(in_sync=6, live_count=6)) == (
        "No changes: the live routes match the route files.\n0 to create, 0 to update, 0 to delete\n"
    )


def test_every_kind_of_change() -> None:
    plan = Plan(
        changes=(
            Change(
                Action.CREATE,
                "Payments",
                source="routes/payments.yaml",
                desired_doc={"name": "Payments", "alert_sources": [{"alert_source": "Axiom"}]},
            ),
            Change(
                Action.UPDATE,
                "Production Warnings",
                route_id="R2",
                live_version=4,
                source="routes/production-warnings.yaml",
                fields=(
                    FieldChange("alert_sources[0].conditions[0].values", ["warning", "info"], ["warning"]),
                    FieldChange("is_private", None, True),
                ),
            ),
            Change(Action.DELETE, "Old", route_id="R3", live_version=2),
        ),
        unmanaged=(LiveRouteSummary("R9", "Kept", 1),),
        warnings=(Problem(Location("routes/a.yaml"), "$", "pinned id X is not live", severity="warning"),),
    )
    assert render_plan_text(plan) == (
        "+ create Payments  (routes/payments.yaml)\n"
        "    name: Payments\n"
        "    alert_sources:\n"
        "    - alert_source: Axiom\n"
        "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n"
        "    alert_sources[0].conditions[0].values:\n"
        '      - ["warning", "info"]\n'
        '      + ["warning"]\n'
        "    is_private:\n"
        "      - (absent)\n"
        "      + true\n"
        "- delete Old  (id R3; live version 2)\n"
        "Unmanaged: 1 live route has no file and is kept (--prune deletes).\n"
        "    Kept (R9)\n"
        "Warning: routes/a.yaml: $: pinned id X is not live\n"
        "1 to create, 1 to update, 1 to delete\n"
    )


def test_values_are_one_line_and_unicode_is_kept() -> None:
    assert format_value({"a": "é\n"}) == '{"a": "é\\n"}'


def test_apply_report() -> None:
    report = ApplyReport(
        outcomes=(
            RouteOutcome(Action.CREATE, "Payments", "R1", Outcome.CREATED, writes=1),
            RouteOutcome(
                Action.UPDATE, "Warnings", "R2", Outcome.CHANGED_SINCE_PLAN, "live version is 5, the plan saw 4", 1
            ),
            RouteOutcome(Action.DELETE, "Old", "R3", Outcome.ALREADY_APPLIED, "already deleted"),
        )
    )
    assert not report.ok
    assert render_apply_report(report) == (
        "created  Payments\n"
        "changed since plan  Warnings: live version is 5, the plan saw 4\n"
        "already applied  Old: already deleted\n"
        "Applied: 1 created, 0 updated, 0 deleted, 1 already applied, 1 conflict, 0 failed (2 writes).\n"
    )
