"""The seal holds everywhere: every leaf of a plan file changed to any other value, every key removed or added, every
list grown or shrunk, is refused by the reader (ConfigError or UnsafePlan), never accepted and never a traceback."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ReconcilerError
from reconciler.planfile import canonical_json, load_plan
from reconciler.route import Route
from tests.strategies import routes, v2_routes
from tests.test_planfile import document, sample_plan, text

Path = tuple[str | int, ...]


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def containers(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict | list):
        yield path, value
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from containers(item, (*path, key))


def at(doc: Any, path: Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def replaced(doc: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    at(out, path[:-1])[path[-1]] = value
    return out


def refused(doc: Any) -> bool:
    try:
        load_plan(json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8", "surrogatepass"))
    except ReconcilerError:
        return True
    return False


def other_values(value: Any) -> list[Any]:
    """Another value of the same type (where the type has one) and a value of every other JSON type."""
    same: list[Any] = []
    if isinstance(value, bool):
        same = [not value]
    elif isinstance(value, int):
        same = [value + 1, -value - 1]
    elif isinstance(value, float):
        same = [value + 0.5, value * 2 + 1]
    elif isinstance(value, str):
        same = [value + "x", value[:-1], value.upper() if value != value.upper() else value.lower()]
    candidates = [*same, None, True, False, 0, 1, 1.0, "", "x", [], {}, [None], {"x": 1}]
    differ = [c for c in candidates if canonical_json(c) != canonical_json(value)]
    return list({canonical_json(c): c for c in differ}.values())


DOC = document()
LEAVES = list(leaves(DOC))
CONTAINERS = list(containers(DOC))


def test_the_sample_file_is_accepted_and_has_many_leaves() -> None:
    assert not refused(DOC)
    assert len(LEAVES) > 150
    assert {path[0] for path, _ in LEAVES} == set(DOC)  # every top-level key has leaves


@pytest.mark.untraced
def test_every_leaf_changed_to_any_other_value_is_refused() -> None:
    accepted = [
        (path, new) for path, old in LEAVES for new in other_values(old) if not refused(replaced(DOC, path, new))
    ]
    assert accepted == []


@pytest.mark.untraced
def test_every_key_removed_or_added_and_every_list_grown_or_shrunk_is_refused() -> None:
    accepted = []
    for path, node in CONTAINERS:
        edits: list[Any] = []
        if isinstance(node, dict):
            edits += [{k: v for k, v in node.items() if k != key} for key in node]
            edits.append({**node, "extra": None})
        else:
            edits += [node[:index] + node[index + 1 :] for index in range(len(node))]
            edits.append([*node, node[-1] if node else None])
        for edit in edits:
            doc = edit if not path else replaced(DOC, path, edit)
            if not refused(doc):
                accepted.append(path)
    assert accepted == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


# 75 random plans of 5 routes each, one random leaf of each changed to a random value: every leaf of one plan is
# changed exhaustively above, so this test's part is the variety of plans (each example costs a whole plan file).
@pytest.mark.untraced
@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(v2_routes(), routes()), min_size=5, max_size=5), st.data())
def test_any_leaf_of_any_plan_changed_to_any_value_is_refused(drawn: list[Route], data: st.DataObject) -> None:
    doc = document(sample_plan(drawn))
    assert not refused(doc)
    path, old = data.draw(st.sampled_from(list(leaves(doc))), label="leaf")
    new = data.draw(json_values.filter(lambda v: canonical_json(v) != canonical_json(old)), label="new value")
    assert refused(replaced(doc, path, new))


@pytest.mark.parametrize("indent", [None, 0, 4])
def test_layout_and_key_order_are_not_content(indent: int | None) -> None:
    # The seal is over the document, not its bytes: re-indented or with its keys in another order, it is the same.
    reordered = json.loads(json.dumps(DOC), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert load_plan(json.dumps(reordered, indent=indent)).checksum == load_plan(text(DOC)).checksum
