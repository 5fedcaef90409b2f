"""Planning (pure): matching by id then name, unmanaged routes, protection, safety limits, deterministic order."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.plan import build_plan
from reconciler.errors import InputError
from reconciler.files.decode import DesiredRoute
from reconciler.model import Action, Catalog, LiveRoute, SafetyLimits
from reconciler.planfile import dump_plan
from reconciler.route import Grouping, Route

CATALOG = Catalog()


def desired(
    name: str, *, enabled: bool = True, pinned: str | None = None, protect: bool = False, **fields: Any
) -> DesiredRoute:
    return DesiredRoute(
        route=Route(name=name, enabled=enabled, **fields).canonical(),
        source=f"routes/{name.lower().replace(' ', '-')}.yaml",
        pinned_id=pinned,
        protect=protect,
    )


def live(route_id: str, name: str, *, enabled: bool = True, version: int = 3) -> LiveRoute:
    return LiveRoute(route_id=route_id, version=version, route=Route(name=name, enabled=enabled), api_version="v2")


def actions(plan: Any) -> list[tuple[str, str, str | None]]:
    return [(c.action.value, c.name, c.route_id) for c in plan.changes]


def test_in_sync_routes_make_no_changes() -> None:
    plan = build_plan([desired("A"), desired("B")], [live("R1", "A"), live("R2", "B")], CATALOG)
    assert plan.empty and plan.in_sync == 2 and plan.live_count == 2
    assert plan.summary == "0 to create, 0 to update, 0 to delete"


def test_create_update_and_unmanaged() -> None:
    plan = build_plan(
        [desired("New"), desired("A", enabled=False)],
        [live("R1", "A", version=7), live("R9", "Dashboard Only")],
        CATALOG,
    )
    assert actions(plan) == [("create", "New", None), ("update", "A", "R1")]
    update = plan.changes[1]
    assert update.live_version == 7
    assert update.desired is not None and update.live is not None
    assert update.desired.enabled is False and update.live.enabled is True
    assert update.desired_doc == {"id": "R1", "name": "A", "enabled": False}
    assert update.live_doc == {"id": "R1", "name": "A"}
    assert [(f.path, f.old, f.new) for f in update.fields] == [("enabled", True, False)]
    assert [(u.route_id, u.name, u.version) for u in plan.unmanaged] == [("R9", "Dashboard Only", 3)]


def test_prune_deletes_unmanaged_routes() -> None:
    plan = build_plan([desired("A")], [live("R1", "A"), live("R9", "Old")], CATALOG, prune=True)
    assert actions(plan) == [("delete", "Old", "R9")]
    assert plan.changes[0].live_version == 3 and plan.unmanaged == ()


def test_a_pinned_id_wins_over_names_so_a_rename_is_an_update() -> None:
    plan = build_plan(
        [desired("Renamed", pinned="R1"), desired("A")],
        [live("R1", "A"), live("R2", "Other")],
        CATALOG,
        prune=True,
    )
    # "A" is not matched to R1 (claimed by its pin) and is created; R2 has no file.
    assert actions(plan) == [("create", "A", None), ("update", "Renamed", "R1"), ("delete", "Other", "R2")]


def test_a_pinned_id_that_is_gone_falls_back_to_the_name_with_a_warning() -> None:
    plan = build_plan([desired("A", pinned="GONE")], [live("R1", "A")], CATALOG)
    assert plan.empty
    assert [w.message for w in plan.warnings] == ["pinned id GONE is not live; matching 'A' by name"]


def test_duplicate_live_names_match_one_and_warn() -> None:
    plan = build_plan([desired("A")], [live("R2", "A"), live("R1", "A")], CATALOG)
    assert [u.route_id for u in plan.unmanaged] == ["R2"]
    assert "2 live routes are named 'A' (R1, R2); using the first" in plan.warnings[0].message


def test_duplicate_desired_names_or_ids_are_input_errors() -> None:
    with pytest.raises(InputError, match="also used by"):
        build_plan([desired("A"), desired("A")], [], CATALOG)
    with pytest.raises(InputError, match="also pinned by"):
        build_plan([desired("A", pinned="R1"), desired("B", pinned="R1")], [], CATALOG)


def test_a_protected_route_is_never_deleted() -> None:
    plan = build_plan([], [live("R1", "Core")], CATALOG, prune=True, force=True, protected={"Core"})
    assert plan.refused
    assert plan.all_refusals == ("refusing to delete protected route 'Core' (R1): it is marked protect: true",)
    assert [c.refused != "" for c in plan.changes] == [True]
    forced = build_plan([desired("X")], [live("R1", "Core")], CATALOG, prune=True, protected={"R1"})
    assert forced.refused and "protected" in forced.all_refusals[-1]
    # Without --prune nothing is deleted, so nothing is refused.
    assert not build_plan([], [live("R1", "Core")], CATALOG, protected={"Core"}).refused


def test_a_file_marked_protect_protects_its_route_even_when_matched_elsewhere() -> None:
    # The file pins R1 by id but R2 carries its name: R2 is unmanaged; the pinned route stays protected.
    plan = build_plan([desired("Core", pinned="R1", protect=True)], [live("R1", "Core")], CATALOG, prune=True)
    assert plan.empty


def _many(count: int) -> list[LiveRoute]:
    return [live(f"R{i:02d}", f"Route {i:02d}") for i in range(count)]


def test_safety_limits_on_updates() -> None:
    routes = _many(10)
    files = [desired(f"Route {i:02d}", enabled=i >= 4) for i in range(10)]  # 4 of 10 updated
    refused = build_plan(files, routes, CATALOG)
    assert refused.refusals == (
        "too much change: the plan updates 4 of 10 live routes (more than 30%); pass --force if that is intended",
    )
    assert refused.count(Action.UPDATE) == 4  # shown whole, even though refused
    assert not build_plan(files, routes, CATALOG, force=True).refused
    assert not build_plan(files, routes, CATALOG, limits=SafetyLimits(max_update_share=0.4)).refused
    assert build_plan(files, routes, CATALOG, limits=SafetyLimits(min_routes=11)).refusals == ()
    three = [desired(f"Route {i:02d}", enabled=i >= 3) for i in range(10)]
    assert build_plan(three, routes, CATALOG).count(Action.UPDATE) == 3


def test_safety_limits_on_deletes_and_small_organisations() -> None:
    files = [desired(f"Route {i:02d}") for i in range(6)]
    assert "deletes 4 of 10" in build_plan(files, _many(10), CATALOG, prune=True).refusals[0]
    # Below 10 live routes the share is not checked.
    assert build_plan(files[:2], _many(9), CATALOG, prune=True).count(Action.DELETE) == 7


def test_an_empty_desired_set_never_prunes_everything_unforced() -> None:
    assert "no route files were found" in build_plan([], _many(2), CATALOG, prune=True).refusals[0]
    assert build_plan([], _many(2), CATALOG, prune=True, force=True).count(Action.DELETE) == 2


names = st.lists(st.sampled_from([f"Route {c}" for c in "ABCDEFGHIJ"]), unique=True, max_size=8)


@settings(max_examples=60, deadline=None)
@given(names, names, st.randoms(use_true_random=False))
def test_the_plan_is_the_same_under_any_input_order(want: list[str], have: list[str], rng: random.Random) -> None:
    files = [desired(n, enabled=len(n) % 2 == 0 or n.endswith("A")) for n in want]
    routes = [live(f"ID-{n[-1]}", n) for n in have]
    plan = build_plan(files, routes, CATALOG, prune=True, force=True)
    rng.shuffle(files)
    rng.shuffle(routes)
    shuffled = build_plan(files, routes, CATALOG, prune=True, force=True)
    at = {"api_url": "https://api.incident.io", "created_at": "2026-01-01T00:00:00Z"}
    assert dump_plan(shuffled, **at) == dump_plan(plan, **at)
    order = [(c.action.order, c.name) for c in plan.changes]
    assert order == sorted(order)
    assert plan.count(Action.CREATE) == len(set(want) - set(have))
    assert plan.count(Action.DELETE) == len(set(have) - set(want))


def test_names_match_as_people_read_them_and_the_snapshot_holds_every_route_read() -> None:
    # A file never gets a twin of a live route whose name differs only in case, width or surrounding spaces.
    plan = build_plan([desired("Production Alerts")], [live("R1", " production ALERTS"), live("R2", "Other")], CATALOG)
    assert [(c.action, c.route_id) for c in plan.changes] == [(Action.UPDATE, "R1")]
    assert dict(plan.snapshot) == {"R1": 3, "R2": 3}


FIXED = Grouping(enabled=True, window_seconds=600, window_type="fixed")


def test_a_setting_the_api_version_cannot_carry_refuses_that_change() -> None:
    files = [desired("New", grouping=FIXED), desired("A", grouping=FIXED), desired("B")]
    plan = build_plan(files, [live("R1", "A"), live("R2", "B", enabled=False)], CATALOG, api_version="v2")
    assert plan.api_version == "v2"
    reason = "its grouping window is fixed (grouping.window_type: fixed), which only the v3 API can set"
    assert [(c.action, c.name, c.refused) for c in plan.changes] == [
        (Action.CREATE, "New", f"cannot write 'New' through the v2 API: {reason}"),
        (Action.UPDATE, "A", f"cannot write 'A' through the v2 API: {reason}"),
        (Action.UPDATE, "B", ""),
    ]
    assert plan.refused and plan.refusals == ()  # shown whole; apply refuses the plan
    v3 = build_plan(files, [live("R1", "A"), live("R2", "B", enabled=False)], CATALOG, api_version="v3")
    assert v3.api_version == "v3" and not v3.refused
