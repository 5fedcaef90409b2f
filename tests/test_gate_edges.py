"""Edges of the pure core that the merged branches left untested (the coverage gate holds the core at 100 %)."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.core.changed import changed_targets
from reconciler.core.incidents import existed_before
from reconciler.model import Action, Change, ChangedFrom, Plan, Targets
from reconciler.render.markdown import render_plan_markdown
from reconciler.render.route_map import map_sides
from tests.test_route_map import PRODUCTION, _doc, _update


def test_a_side_without_a_name_targets_only_its_pinned_id() -> None:
    targets = changed_targets([{"id": "01A"}, {"name": "  ", "id": ""}], ref="main", commit="c" * 40, files=("a",))
    assert (targets.names, targets.ids) == ((), ("01A",))


def test_a_creation_time_without_a_zone_never_counts_as_deduplicated() -> None:
    sent = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert not existed_before({"name": "X", "created_at": "2026-01-01T00:00:00"}, name="X", sent_at=sent)
    assert not existed_before({"name": "X", "created_at": "yesterday"}, name="X", sent_at=sent)


def test_a_targeted_plan_with_changes_says_so_in_its_context_line() -> None:
    source = ChangedFrom(ref="origin/main", commit="a" * 40, files=("routes/production-warnings.yaml",))
    warnings = _update(
        "Production Warnings",
        _doc("Production Warnings", PRODUCTION, ["warning", "info"]),
        _doc("Production Warnings", PRODUCTION, ["warning"]),
    )
    plan = Plan(
        changes=(warnings,),
        live_count=7,
        targets=Targets(names=("Production Warnings",), unread=6, changed_from=source),
    )
    text = render_plan_markdown(plan, review="0" * 64)
    assert (
        "7 live routes, 0 in sync · <b>targeted</b> at the 1 route file changed since <code>origin/main</code>, "
        "6 other live routes not read · review <code>000000000000</code>"
    ) in text


def test_a_document_that_does_not_decode_is_drawn_from_the_model_or_left_out() -> None:
    broken = {"name": "Broken", "incident_template": {"name": "{{ unclosed"}}
    create = Change(Action.CREATE, "Broken", source="routes/broken.yaml", desired_doc=broken)
    assert map_sides([create]) == ([], [])  # it does not decode and there is no model: nothing to draw
    drawn = map_sides([_update("Drawn", _doc("Drawn", PRODUCTION, ["info"]), _doc("Drawn", PRODUCTION, ["info"]))])
    model = drawn[0][0]
    fallback = Change(Action.CREATE, "Broken", source="routes/broken.yaml", desired_doc=broken, desired=model)
    assert map_sides([fallback]) == ([], [model])  # the model (ids) stands in for a document that does not decode
