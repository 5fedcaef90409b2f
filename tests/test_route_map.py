"""The PR comment's route map: the changed routes' part of the map before and after (golden), only changed routes,
private routes by name only (canary), the size budget (the map goes first, saying so), and end to end over the
served emulator.

Update the golden file after an intended change with `UPDATE_GOLDEN=1 pytest tests/test_route_map.py`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.cli import main
from reconciler.emulator import create_app, serve_in_thread
from reconciler.model import Action, Change, FieldChange, LiveRouteSummary, Plan
from reconciler.render.markdown import render_plan_markdown
from reconciler.render.route_map import MAP_DROPPED, MAX_MAPPED, map_sides, render_route_map
from tests.e2e_helpers import READ_ONLY, REPO, run_cli
from tests.test_render_markdown import CONTEXT, REVIEW, _check_golden

SUMMARY = re.compile(r"<details><summary>Route map: (\d+) changed routes?, before and after</summary>")


def _doc(name: str, source: str, values: list[str], *, paths: tuple[str, ...] = (), channel: str = "#alerts") -> Any:
    doc: dict[str, Any] = {
        "name": name,
        "alert_sources": [
            {
                "alert_source": source,
                "conditions": [{"subject": "alert.attributes.severity", "operation": "one_of", "values": values}],
            }
        ],
        "channel_config": [{"slack_targets": {"channels": [channel], "channel_visibility": "public"}}],
    }
    if paths:
        doc["escalation_config"] = {"escalation_targets": [{"escalation_paths": list(paths)}]}
    return doc


def _update(name: str, live: Any, desired: Any, version: int = 4) -> Change:
    return Change(
        Action.UPDATE,
        name,
        route_id=f"01JQ3ZRTE{version:017d}",
        live_version=version,
        source=f"routes/{name.lower().replace(' ', '-')}.yaml",
        live_doc=live,
        desired_doc=desired,
        fields=(FieldChange("alert_sources[0].conditions[0].values", None, None),),
    )


PRODUCTION = "Alertmanager (Production)"


def _plan() -> Plan:
    """The example's drift (Production Warnings takes info too, live), a new route and a deleted one."""
    warnings = _update(
        "Production Warnings",
        _doc("Production Warnings", PRODUCTION, ["warning", "info"]),
        _doc("Production Warnings", PRODUCTION, ["warning"]),
    )
    new = Change(
        Action.CREATE,
        "Production Info",
        source="routes/production-info.yaml",
        desired_doc=_doc("Production Info", PRODUCTION, ["info"], channel="#alerts-info"),
    )
    old = Change(
        Action.DELETE,
        "Legacy Critical",
        route_id="01JQ3ZRTE" + "9" * 17,
        live_version=9,
        live_doc=_doc("Legacy Critical", PRODUCTION, ["critical"], paths=("Engineering On-Call",)),
    )
    return Plan(changes=(warnings, new, old), in_sync=5, live_count=7)


def _section(text: str) -> str:
    match = SUMMARY.search(text)
    assert match is not None, "no route map section"
    return text[match.start() : text.index("</details>", match.start())]


def _maps(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", _section(text), flags=re.S)


def _route_labels(mermaid: str) -> list[str]:
    """The route nodes' names (the label up to its first line break)."""
    return [label.split("<br/>")[0] for label in re.findall(r'^  r\d+\["(.*)"\]$', mermaid, flags=re.M)]


def test_the_map_section_golden() -> None:
    text = render_plan_markdown(_plan(), review=REVIEW, context=CONTEXT)
    _check_golden("plan_route_map.md", text)
    before, after = _maps(text)
    assert '  s0 -->|"severity one_of [warning, info]"| r1' in before.splitlines()
    assert '  s0 -->|"severity one_of [warning]"| r3' in after.splitlines()
    assert SUMMARY.search(text) and "Route map: 3 changed routes, before and after" in text


def test_only_the_changed_routes_are_drawn_each_side_in_plan_order() -> None:
    unmanaged = (LiveRouteSummary("01JQ3ZKEEP" + "0" * 16, "Hand-made route", 2),)
    text = render_plan_markdown(replace(_plan(), unmanaged=unmanaged), review=REVIEW)
    before, after = _maps(text)
    # creates, then updates, then deletes (the table's order); a create has no before, a delete no after
    assert _route_labels(before) == ["Production Warnings", "Legacy Critical"]
    assert _route_labels(after) == ["Production Info", "Production Warnings"]
    assert "Hand-made route" in text and "Hand-made route" not in _section(text)  # a live route the plan keeps
    # the paths and channels drawn are exactly those the changed routes reach
    assert re.findall(r'^  [pc]\d+\W+"(.*?)"', before, flags=re.M) == ["#35;alerts", "page Engineering On-Call"]
    assert re.findall(r'^  [pc]\d+\W+"(.*?)"', after, flags=re.M) == ["#35;alerts-info", "#35;alerts"]


def test_no_section_without_changes() -> None:
    plan = Plan(in_sync=7, live_count=7)
    assert render_route_map(plan) == ""
    assert "Route map" not in render_plan_markdown(plan, review=REVIEW)


CANARY = "CVE-2026-777777"  # an embargoed id in a private route's condition


def _private_plan() -> Plan:
    live = {**_doc("Embargo watch", PRODUCTION, ["old-canary-value"], paths=("Security On-Call",)), "is_private": True}
    desired = {**_doc("Embargo watch", PRODUCTION, [CANARY], paths=("Security On-Call",)), "is_private": True}
    # made private in this plan: the live side (public until now) is hidden too
    going = _update(
        "Going private",
        _doc("Going private", "Axiom", ["old-canary-value"]),
        {
            **_doc("Going private", "Axiom", [CANARY]),
            "is_private": True,
        },
        6,
    )
    return Plan(changes=(_update("Embargo watch", live, desired), going), in_sync=3, live_count=5)


def test_a_private_route_is_its_name_only() -> None:
    text = render_plan_markdown(_private_plan(), review=REVIEW)
    section = _section(text)
    for canary in (CANARY, "old-canary-value", "Security On-Call", "severity", "Axiom"):
        assert canary not in section
    assert CANARY not in text
    for mermaid in _maps(text):
        assert mermaid == (
            "flowchart LR\n"
            '  r0["Embargo watch<br/>🔒 private: not shown on GitHub"]\n'
            '  r1["Going private<br/>🔒 private: not shown on GitHub"]\n'
        )
    before, after = map_sides(_private_plan().changes)
    assert all(r.is_private for r in before + after)


def test_the_map_goes_first_and_says_so_when_the_comment_would_not_fit() -> None:
    plan = _plan()
    full = render_plan_markdown(plan, review=REVIEW)
    without = full.replace(render_route_map(plan), MAP_DROPPED)
    assert len(without) < len(full)
    # a budget the whole comment fits: the map is there
    assert render_plan_markdown(plan, review=REVIEW, budget=len(full)) == full
    # one character less: the map alone goes, replaced by the line saying so; every diff stays
    cut = render_plan_markdown(plan, review=REVIEW, budget=len(full) - 1)
    assert cut == without
    assert "```mermaid" not in cut and cut.count(MAP_DROPPED) == 1 and "is cut to fit" not in cut
    assert cut.count("<details>") == 3
    # tighter still: diffs go as before, and the line saying the map is not shown stays
    tight = render_plan_markdown(plan, review=REVIEW, budget=len(without) - 1)
    assert "is cut to fit" in tight and MAP_DROPPED in tight and len(tight) <= len(without) - 1


def test_too_many_changed_routes_are_not_drawn() -> None:
    changes = tuple(
        _update(f"Route {i:03d}", _doc(f"Route {i:03d}", PRODUCTION, ["a"]), _doc(f"Route {i:03d}", PRODUCTION, ["b"]))
        for i in range(MAX_MAPPED + 1)
    )
    section = render_route_map(Plan(changes=changes, live_count=60))
    assert section == (
        f"<details><summary>Route map: {MAX_MAPPED + 1} changed routes, before and after</summary>\n\n"
        f"Not drawn: more than {MAX_MAPPED} routes change. Run `reconciler graph` to draw the routes.\n\n</details>"
    )


@pytest.fixture
def served() -> Iterator[str]:
    with serve_in_thread(create_app()) as url:
        yield url


@pytest.mark.slow
def test_plan_markdown_maps_exactly_the_edited_route(served: str, tmp_path: Path) -> None:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    applied = run_cli(tmp_path, served, "apply", "--auto-approve")  # the example's drift applied: live = files
    assert applied.returncode == 0, applied.stderr
    database = tmp_path / "routes" / "database-alerts.yaml"
    database.write_text(database.read_text().replace("values: [main]", "values: [main, dev]"))

    result = run_cli(tmp_path, served, "plan", "--format", "markdown", key=READ_ONLY)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Route map: 1 changed route, before and after" in text
    before, after = _maps(text)
    node = '  r1["Database Alerts"]'
    path, channel = '  p2(["page Engineering On-Call"])', '  c3[/"#35;alerts"/]'
    edges = ["  r1 --> p2", "  r1 -.-> c3"]
    assert before.splitlines() == [
        "flowchart LR",
        '  s0["PlanetScale"]',
        node,
        path,
        channel,
        '  s0 -->|"branch one_of [main]"| r1',
        *edges,
    ]
    assert after.splitlines() == [
        "flowchart LR",
        '  s0["PlanetScale"]',
        node,
        path,
        channel,
        '  s0 -->|"branch one_of [main, dev]"| r1',
        *edges,
    ]
    # the plan file carries it to `reconciler comment` (the PR workflow's comment job) unchanged
    saved = run_cli(tmp_path, served, "plan", "--out", "plan.json", key=READ_ONLY)
    assert saved.returncode == 0, saved.stderr
    comment = CliRunner().invoke(main, ["comment", "--plan", str(tmp_path / "plan.json"), "--print"])
    assert comment.exit_code == 0, comment.output
    assert _section(comment.stdout) == _section(text)


MAP_LINE = re.compile(r'^(flowchart LR|  [scpr]\d+[\[(/]+".*"[\])/]+|  [scpr]\d+ (-->|-\.->)(\|".*"\|)? [scpr]\d+)$')


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=60), value=st.text(max_size=30), source=st.text(min_size=1, max_size=30))
def test_no_name_or_value_can_break_out_of_the_map(name: str, value: str, source: str) -> None:
    """Whatever a live route's name, source or condition value holds (the dashboard is not validated), every line of
    each map is one node or one edge, so nothing can end the code block, the fold, or reach markdown."""
    live = {**_doc(name, source, [value]), "escalation_config": {"escalation_targets": [{"escalation_paths": [name]}]}}
    change = _update(name, live, _doc(name, source, [value, "x"]))
    section = render_route_map(Plan(changes=(change,), live_count=1))
    lines = section.splitlines()
    assert section.count("```") == 4 and section.count("<details>") == 1 and section.endswith("</details>")
    for block in _maps(section + "\n"):
        for line in block.splitlines():
            assert MAP_LINE.match(line), line
    assert len(lines) == len(section.split("\n"))  # no line ending other than \n (\r, U+2028…) inside
