"""Route names as plain text: `printable` keeps every text line one line, and the renderers use it for live names
(route files cannot hold such names: see test_cli_validate.py; live routes are not ours to validate)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.core.drift import build_drift_report
from reconciler.files.plaintext import BIDI_CONTROLS, first_unfit, kind_of, printable
from reconciler.model import Action, Change, LiveRouteSummary, Plan
from reconciler.render.markup import escape
from reconciler.render.text import render_apply_report, render_drift_text, render_plan_text
from reconciler.run.apply import ApplyReport, Outcome, RouteOutcome

HOSTILE = "Pay\nments\x1b[2J\u202estrelA\r"
SHOWN = "Pay\\nments\\x1b[2J\\u202estrelA\\r"


def test_printable_escapes_control_bidi_and_line_separators() -> None:
    assert printable(HOSTILE) == SHOWN
    assert printable("\x00\x7f\x85\u2028\u2066\u061c") == "\\x00\\x7f\\x85\\u2028\\u2066\\u061c"
    assert printable("Café Alerts ☎ 東京") == "Café Alerts ☎ 東京"  # ordinary Unicode stays as written


def test_the_bidi_controls_are_the_ones_unicode_names() -> None:
    expected = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    assert {ord(char) for char in BIDI_CONTROLS} == expected
    assert all(kind_of(char) == "a bidirectional control character" for char in BIDI_CONTROLS)


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_printable_is_one_plain_line_and_changes_only_what_it_must(text: str) -> None:
    shown = printable(text)
    assert first_unfit(shown) is None
    assert len(shown.splitlines()) <= 1
    if first_unfit(text) is None:
        assert shown == text
    elif "\\" not in text:  # the escapes read back as the name (a backslash in the name itself is not escaped)
        assert shown.encode("ascii", "backslashreplace").decode("unicode_escape") == text


def test_text_output_shows_a_live_name_on_one_line() -> None:
    plan = Plan(
        changes=(Change(Action.DELETE, HOSTILE, route_id="R1", live_version=3),),
        unmanaged=(LiveRouteSummary("R2", HOSTILE, 1),),
        live_count=2,
    )
    assert render_plan_text(plan).splitlines()[0] == f"- delete {SHOWN}  (id R1; live version 3)"
    assert render_drift_text(build_drift_report(plan)).splitlines() == [
        "Unmanaged live route (no file): adopt it as a file (`reconciler drift --adopt`), or delete it "
        "(`reconciler apply --prune`)",
        f"  ? {SHOWN} (R1, v3): unmanaged live route (no file declares it)",
        f"  ? {SHOWN} (R2, v1): unmanaged live route (no file declares it)",
        "Drift: 0 differ from git, 2 unmanaged, 0 missing from live; 0 in sync.",
    ]
    report = ApplyReport(outcomes=(RouteOutcome(Action.DELETE, HOSTILE, "R1", Outcome.DELETED, writes=1),))
    assert render_apply_report(report).splitlines()[0] == f"deleted  {SHOWN}"


def test_markdown_turns_bidi_controls_into_spaces_like_other_controls() -> None:
    assert escape("Pay\u202eAlerts\u2066x\u2069\u2028y\nz") == "Pay Alerts x  y z"


def test_unmanaged_names_and_diff_lines_are_escaped_too() -> None:
    from reconciler.model import LiveRouteSummary, Plan
    from reconciler.render.diff import route_yaml
    from reconciler.render.text import render_plan_text

    plan = Plan(unmanaged=(LiveRouteSummary("R1", "evil\u202egnp.exe\nnext"),), live_count=1)
    assert "    evil\\u202egnp.exe\\nnext (R1)\n" in render_plan_text(plan)
    assert route_yaml({"name": "a\u202eb"}) == ["name: a\\u202eb"]
