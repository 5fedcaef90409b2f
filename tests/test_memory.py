"""The compact forms a plan keeps per route (issue 16): a loaded route file holds its text, not position maps, and
routes share their default settings; neither changes a location, a decoded route or a plan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.core.plan import build_plan
from reconciler.files.decode import decode_routes
from reconciler.files.load import RouteDoc, dump_route, load_route_bytes, load_route_file, load_schema
from reconciler.files.safe_yaml import build_document
from reconciler.files.validate import validate_docs
from reconciler.model import LiveRoute
from reconciler.route import Grouping, Incidents, Route, canonical
from tests.strategies import PROPERTY_CATALOG, route_documents

ROUTES = Path(__file__).resolve().parent.parent / "routes"


def _eager(doc: RouteDoc, text: str) -> RouteDoc:
    """The same document as it was kept before: data and both position maps, built at load."""
    built = build_document(text)
    return RouteDoc(doc.path, built.value, built.positions, built.key_positions)


def test_a_loaded_file_keeps_its_text_and_rebuilds_the_same_positions() -> None:
    for path in sorted(ROUTES.glob("*.yaml")):
        doc = load_route_file(path)
        text = path.read_text(encoding="utf-8")
        assert doc.text == text
        assert doc._parsed is None  # nothing located yet: no position maps held
        eager = _eager(doc, text)
        assert doc == eager
        assert doc.positions == eager.positions and doc.key_positions == eager.key_positions
        assert doc.location(("name",)) == eager.location(("name",))


def test_problems_are_located_as_with_position_maps_kept() -> None:
    text = "name: A\nenabled: yes\nalert_sources:\n  - alert_source: Nowhere\n    colour: red\n"
    lazy = load_route_bytes(text.encode(), "routes/a.yaml")
    eager = _eager(lazy, text)
    schema = load_schema()
    found = [str(p) for p in validate_docs([lazy], schema)]
    assert found == [str(p) for p in validate_docs([eager], schema)]
    assert found[0].startswith("routes/a.yaml:2:10: $.enabled: 'yes' is not a boolean")


@pytest.mark.untraced
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(route_documents(), min_size=1, max_size=8))
def test_plans_are_the_same_with_compact_documents(documents: list[dict[str, Any]]) -> None:
    """Route files as loaded now (text, no maps) and as loaded before (maps) give the same desired routes and plan."""
    named = [{**data, "name": f"route {i}"} for i, data in enumerate(documents)]
    lazy = [load_route_bytes(dump_route(data).encode(), f"routes/{i}.yaml") for i, data in enumerate(named)]
    eager = [_eager(doc, dump_route(data)) for doc, data in zip(lazy, named, strict=True)]
    desired = decode_routes(lazy, PROPERTY_CATALOG)
    assert desired == decode_routes(eager, PROPERTY_CATALOG)
    live = [LiveRoute(f"01LIVE{i:020d}", 1, route.route, "v3") for i, route in enumerate(desired[::2])]
    assert build_plan(desired, live, PROPERTY_CATALOG) == build_plan(
        decode_routes(eager, PROPERTY_CATALOG), live, PROPERTY_CATALOG
    )


def test_routes_with_grouping_and_incidents_off_share_one_default_each() -> None:
    one = Route("a").canonical()
    other = canonical(Route("b", grouping=Grouping(), incidents=Incidents()))
    assert one.grouping is other.grouping and one.incidents is other.incidents
    assert other == Route("b")
    assert canonical(other) is other  # idempotent, and no copy once shared
    assert replace(one, name="b") == other
