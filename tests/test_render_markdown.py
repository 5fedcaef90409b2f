"""The PR plan comment: golden files for the layouts reviewers see, and properties no route name can break.

Update the golden files after an intended change with `UPDATE_GOLDEN=1 pytest tests/test_render_markdown.py`.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.drift import build_drift_report
from reconciler.errors import Location, Problem
from reconciler.model import Action, Change, FieldChange, LiveRouteSummary, Plan
from reconciler.render.drift_markdown import render_drift_markdown
from reconciler.render.markdown import CommentContext, plan_marker, render_plan_markdown, review_from_comment
from reconciler.render.markup import GITHUB_LIMIT, escape

GOLDEN = Path(__file__).parent / "golden"
REVIEW = "6b1ec09a" + "0" * 56
CHECKSUM = "c0ffee00" + "1" * 56
CONTEXT = CommentContext(
    environment="prod",
    head_sha="9f3c2e1a0b1c2d3e",
    base_ref="main",
    run_url="https://github.com/acme/routes/actions/runs/9911",
)


def _doc(name: str, path: str = "Platform – primary", *, enabled: bool = True) -> dict[str, object]:
    return {
        "name": name,
        "enabled": enabled,
        "alert_sources": [{"alert_source": "Datadog (prod)"}],
        "escalation_config": {"auto_cancel_escalations": True, "escalation_targets": [{"escalation_paths": [path]}]},
    }


def _create(name: str) -> Change:
    return Change(Action.CREATE, name, source=f"routes/{name.lower().replace(' ', '-')}.yaml", desired_doc=_doc(name))


def _update(name: str, version: int = 7) -> Change:
    return Change(
        Action.UPDATE,
        name,
        route_id=f"01J9{version:022d}",
        live_version=version,
        source=f"routes/{name.lower().replace(' ', '-')}.yaml",
        live_doc=_doc(name, "Platform – secondary"),
        desired_doc=_doc(name),
        fields=(FieldChange("escalation_config.escalation_targets", ["Platform – secondary"], ["Platform – primary"]),),
    )


def _delete(name: str, version: int = 12) -> Change:
    return Change(Action.DELETE, name, route_id="01J8" + "Q" * 22, live_version=version, live_doc=_doc(name))


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_no_changes_is_one_line() -> None:
    text = render_plan_markdown(Plan(in_sync=24, live_count=24), review=REVIEW, checksum=CHECKSUM, context=CONTEXT)
    _check_golden("plan_no_changes.md", text)
    assert text.splitlines()[1:] == ["✅ **No changes** · <code>prod</code> (24 routes in sync)"]


def test_creates_updates_and_deletes_together() -> None:
    plan = Plan(
        changes=(_create("Payments API"), _update("Datadog P1"), _update("Checkout SLO burn", 3), _delete("Legacy")),
        unmanaged=(LiveRouteSummary("01JX" + "0" * 22, "Hand-made route", 2),),
        in_sync=20,
        live_count=24,
        warnings=(Problem(Location("routes/checkout-slo-burn.yaml", 14, 7), "$.conditions", "case-sensitive"),),
    )
    text = render_plan_markdown(plan, review=REVIEW, checksum=CHECKSUM, context=CONTEXT)
    _check_golden("plan_mixed.md", text)
    assert text.index("[!CAUTION]") < text.index("Safety checks") < text.index("| 🔄 |") < text.index("<details>")
    assert "1 to create, 2 to update, 1 to delete" in text.splitlines()[1]


def test_a_deletion_gets_a_banner_above_everything() -> None:
    plan = Plan(changes=(_delete("Legacy Pingdom → Web"),), in_sync=23, live_count=24)
    text = render_plan_markdown(plan, review=REVIEW, checksum=CHECKSUM, context=CONTEXT)
    _check_golden("plan_deletion.md", text)
    body = text.split("\n", 3)[3]  # after the marker, title and blank line
    assert body.split("\n\n")[1].startswith("> [!CAUTION]\n> **1 route will be deleted:** <b>Legacy Pingdom → Web</b>")


def test_safety_checks_show_a_forced_plan_over_the_limits() -> None:
    plan = Plan(changes=tuple(_update(f"Route {i}", i) for i in range(4)), in_sync=6, live_count=10)
    text = render_plan_markdown(plan, review=REVIEW)
    assert "⚠️ updates 4/10 (40%, limit 30%, forced)" in text
    assert "✅ deletes 0/10 (0%, limit 30%)" in text
    assert "[!CAUTION]" not in text


def test_a_refused_plan_is_shown_whole_with_the_refusal_at_the_top() -> None:
    protected = replace(
        _delete("Core paging"),
        protected=True,
        refused="refusing to delete protected route 'Core paging' (01J8QQQQQQQQQQQQQQQQQQQQQQ): it is marked "
        "protect: true",
    )
    refusal = "too much change: the plan updates 4 of 10 live routes (more than 30%); pass --force if that is intended"
    changes = (*(_update(f"Route {i}", i + 1) for i in range(4)), protected)
    plan = Plan(changes=changes, in_sync=5, live_count=10, refusals=(refusal,))
    text = render_plan_markdown(plan, review=REVIEW, checksum=CHECKSUM, context=CONTEXT)
    _check_golden("plan_refused.md", text)
    refused_at = text.index("**This plan is refused: merging will not apply it.**")
    assert refused_at < text.index("route will be deleted") < text.index("Safety checks") < text.index("| 🔄 |")
    assert "❌ updates 4/10 (40%, limit 30%, refused)" in text
    assert "❌ 1 protected route would be deleted, refused" in text
    assert text.count("<details>") == 5 + 1  # every change is still shown, and the route map


def test_300_routes_are_cut_to_fit_and_say_where_the_full_plan_is() -> None:
    changes = [_update(f"Route {i:03d} with a fairly long descriptive name", i + 1) for i in range(200)]
    changes += [_delete(f"Old route {i:03d}", i + 1) for i in range(100)]
    plan = Plan(changes=tuple(changes), in_sync=0, live_count=300)
    text = render_plan_markdown(plan, review=REVIEW, checksum=CHECKSUM, context=CONTEXT)
    _check_golden("plan_300_routes.md", text)
    assert len(text) <= 60_000
    assert "This comment is cut to fit GitHub's size limit" in text
    assert "The full plan is the <code>plan.json</code> artifact and the job summary of [this run](" in text
    assert "> **100 routes will be deleted:**" in text and "and 90 more" in text
    assert text.count("<details>") == text.count("</details>") > 0
    assert review_from_comment(text) == f"sha256:{REVIEW}"


@pytest.mark.parametrize("budget", [3_000, 8_000, 20_000, 65_536, 1_000_000])
def test_every_budget_is_respected(budget: int) -> None:
    changes = tuple(_update(f"Route {i:03d}", i + 1) for i in range(300))
    text = render_plan_markdown(Plan(changes=changes, live_count=300), review=REVIEW, budget=budget)
    assert len(text) <= min(budget, GITHUB_LIMIT)
    assert "[!NOTE]" in text  # always cut at these sizes, and says so


def test_a_hostile_route_name_renders_harmlessly() -> None:
    name = (
        "<img src=x onerror=alert(1)> **bold** _it_ `code` [link](https://evil.example) | pipe @acme/oncall </details>"
    )
    hostile = Change(
        Action.UPDATE,
        name,
        route_id="01J9HOSTILE",
        live_version=1,
        source="routes/hostile.yaml",
        live_doc={"name": name, "message_template": "```\n</details>"},
        desired_doc={"name": name, "message_template": "````\n</details><script>"},
        fields=(FieldChange("message_template", "a", "b"),),
    )
    text = render_plan_markdown(Plan(changes=(hostile,), live_count=3, in_sync=2), review=REVIEW)
    _check_golden("plan_hostile_name.md", text)
    outside = _outside_code(text)
    for raw in ("<img", "**bold**", "_it_", "`code`", "[link]", "@acme", "<script>"):
        assert raw not in outside
    assert outside.count("<details>") == outside.count("</details>") == 2  # the diff and the route map
    assert "| pipe" not in outside  # the pipe cannot split the table row


def _outside_code(text: str) -> str:
    """The text with every fenced block removed (fences close only on a line of at least as many backticks)."""
    out, fence = [], None
    for line in text.splitlines():
        match = re.match(r"^ {0,3}(`{3,})", line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and len(match.group(1)) >= len(fence) and not line.strip("`").strip():
            fence = None
        elif fence is None:
            out.append(line)
    assert fence is None, "a code block was left open"
    return "\n".join(out)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_escaped_text_has_no_markup(text: str) -> None:
    out = escape(text)
    assert not set("<>`|[]*_\n\r\\~$") & set(out)
    assert re.search(r"@(?!&#8203;)", out) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(Action)), st.text(min_size=1, max_size=80)), max_size=12),
    st.text(max_size=200),
)
def test_any_names_and_values_keep_the_structure(items: list[tuple[Action, str]], value: str) -> None:
    changes = []
    for i, (action, name) in enumerate(items):
        doc = {"name": name, "message_template": value}
        changes.append(
            Change(
                action,
                name,
                route_id=None if action is Action.CREATE else f"id{i}",
                live_version=None if action is Action.CREATE else i,
                live_doc=None if action is Action.CREATE else {**doc, "enabled": False},
                desired_doc=None if action is Action.DELETE else doc,
                fields=(FieldChange("enabled", False, True),),
            )
        )
    text = render_plan_markdown(Plan(changes=tuple(changes), live_count=len(changes)), review=REVIEW)
    outside = _outside_code(text)
    assert outside.count("<details>") == outside.count("</details>")
    assert outside.count("<summary>") == outside.count("</summary>")
    assert len(text) <= GITHUB_LIMIT


def test_marker_round_trip_and_rejects_non_fingerprints() -> None:
    assert review_from_comment(plan_marker(REVIEW) + "\nbody") == f"sha256:{REVIEW}"
    assert review_from_comment("no marker") is None
    assert review_from_comment("<!-- reconciler:plan checksum=sha256:" + "e" * 64 + " -->") is None
    with pytest.raises(ValueError):
        plan_marker("--> <script>")


def test_drift_markdown() -> None:
    plan = Plan(
        changes=(_create("New in git"), _update("Datadog P1")),
        unmanaged=(LiveRouteSummary("01JX", "Hand-made", 2),),
        in_sync=5,
        live_count=8,
    )
    text = render_drift_markdown(build_drift_report(plan))
    _check_golden("drift.md", text)
    assert render_drift_markdown(build_drift_report(Plan(in_sync=5))) == (
        "<!-- reconciler:drift -->\n✅ **No drift**: 5 routes match git.\n"
    )


def test_an_id_on_one_side_only_is_not_shown_as_a_change() -> None:
    change = Change(
        Action.UPDATE,
        "Datadog P1",
        route_id="01J9",
        live_version=1,
        live_doc={"id": "01J9", "name": "Datadog P1", "enabled": False},
        desired_doc={"name": "Datadog P1", "enabled": True},
        fields=(FieldChange("enabled", False, True),),
    )
    text = render_plan_markdown(Plan(changes=(change,), live_count=1), review=REVIEW)
    assert "id: 01J9" not in text
    assert "-enabled: false\n+enabled: true\n" in text
