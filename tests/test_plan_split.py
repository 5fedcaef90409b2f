"""Comments that never lie about size: a 1,000-route plan's comment is cut to GitHub's limit and says where the rest
is, and the job summary it points to really holds every route and its diff (up to GitHub's 1 MiB)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.model import Action, Change, FieldChange, Plan
from reconciler.render.markdown import SUMMARY_LIMIT, CommentContext, render_plan_markdown
from reconciler.render.markup import GITHUB_LIMIT
from tests.test_render_markdown import _check_golden

REVIEW = "cd" * 32
CONTEXT = CommentContext(environment="prod", run_url="https://github.com/acme/routes/actions/runs/4242")
RUN = "[this run](https://github.com/acme/routes/actions/runs/4242)"


def _doc(name: str, target: str) -> dict[str, object]:
    return {
        "name": name,
        "alert_sources": [
            {"alert_source": "Datadog (prod)", "conditions": [{"attribute": "Service", "values": [name]}]}
        ],
        "escalation_config": {"escalation_targets": [{"escalation_paths": [target]}]},
    }


def _thousand() -> Plan:
    changes: list[Change] = []
    for i in range(1000):
        name = f"Service {i:04d} alerts"
        source = f"routes/service-{i:04d}.yaml"
        if i % 10 == 0:
            changes.append(Change(Action.CREATE, name, source=source, desired_doc=_doc(name, "Primary")))
        elif i % 10 == 1:
            changes.append(
                Change(Action.DELETE, name, route_id=f"01JD{i:022d}", live_version=2, live_doc=_doc(name, "Old"))
            )
        else:
            changes.append(
                Change(
                    Action.UPDATE,
                    name,
                    route_id=f"01JU{i:022d}",
                    live_version=5,
                    source=source,
                    live_doc=_doc(name, "Secondary"),
                    desired_doc=_doc(name, "Primary"),
                    fields=(FieldChange("escalation_config.escalation_targets", ["Secondary"], ["Primary"]),),
                )
            )
    return Plan(changes=tuple(changes), in_sync=0, live_count=1000)


@pytest.mark.untraced
def test_a_1000_route_plan_comment_points_to_a_summary_that_holds_every_route() -> None:
    plan = _thousand()
    comment = render_plan_markdown(plan, review=REVIEW, context=CONTEXT)
    summary = render_plan_markdown(plan, review=REVIEW, context=CONTEXT, summary=True)
    _check_golden("plan_1000_routes_comment.md", comment)

    assert len(comment) <= GITHUB_LIMIT
    assert len(summary.encode("utf-8")) <= SUMMARY_LIMIT
    # The comment is cut and says exactly where the rest is.
    shown = re.search(r"it shows (\d+) of 1000 routes in the table and (\d+) of 1000 diffs", comment)
    assert shown is not None and int(shown.group(1)) < 1000
    assert f"The full plan is the <code>plan.json</code> artifact and the job summary of {RUN}." in comment
    # The job summary is the whole plan: every route in the table and its diff, nothing cut.
    assert "is cut to fit" not in summary
    for change in plan.changes:
        assert f"| {change.name} |" in summary, change.name
        assert f"<b>{change.name}</b>" in summary, change.name
    assert summary.count("<details>") == 1000 + 1  # every diff, and the route map (not drawn: too many)
    assert summary.endswith(f"The full machine-readable plan is the <code>plan.json</code> artifact of {RUN}.\n")
    # Every route appears in some part: the comment's table or the summary.
    for change in plan.changes:
        assert change.name in comment or change.name in summary


@pytest.mark.untraced
def test_a_summary_too_large_even_for_1_mib_points_at_the_artifact() -> None:
    plan = _thousand()
    summary = render_plan_markdown(plan, review=REVIEW, context=CONTEXT, summary=True, budget=200_000)
    assert len(summary.encode("utf-8")) <= 200_000
    assert "> This job summary is cut to fit GitHub's size limit: it shows " in summary
    assert f"The full plan is the <code>plan.json</code> artifact of {RUN}." in summary


def test_summary_needs_a_plan_file() -> None:
    result = CliRunner().invoke(main, ["comment", "--body-file", "-", "--summary"], input="hello\n")
    assert result.exit_code == 1, result.output  # a usage problem the CLI reports like any ConfigError
    assert result.output == "Error: --summary renders a plan: pass --plan plan.json\n"
