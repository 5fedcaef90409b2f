"""The condition operations of incident.io's routing engine, evaluated offline on literal values.

Pure: no I/O. `OPERATIONS` maps each text operation to its test and whether it needs a value; `COMPARISONS` the
numeric ones. `evaluate.py` decides what the subject's value and the parameters are (or that they are unknown
offline) and applies these. The same operations as the emulator's `labels.OPERATIONS` (docs/route-tests.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Values = tuple[str, ...]
_Op = Callable[[str | Values, Values], bool]


def items(value: str | Values) -> Values:
    """The non-blank values of a subject: a text value alone, or each value of a list."""
    if isinstance(value, tuple):
        return tuple(v for v in value if v != "")
    return (value,) if value != "" else ()


def _contains(value: str | Values, params: Values) -> bool:
    if isinstance(value, tuple):
        return any(p in value for p in params)
    return any(p in value for p in params)  # substring of a single text value


def _starts_with(value: str | Values, params: Values) -> bool:
    return any(v.startswith(p) for v in items(value) for p in params)


def _one_of(value: str | Values, params: Values) -> bool:
    return any(v in params for v in items(value))


def _is(value: str | Values, params: Values) -> bool:
    return items(value) == params[:1] if params else False


def _not(op: _Op) -> _Op:
    return lambda value, params: not op(value, params)


def _ends_with(value: str | Values, params: Values) -> bool:
    return any(v.endswith(p) for v in items(value) for p in params)


# The engine's operations (the emulator's `labels.OPERATIONS`): operation -> (test, 1 when it needs a value).
OPERATIONS: Mapping[str, tuple[_Op, int]] = {
    "one_of": (_one_of, 1),
    "contains_one_of": (_one_of, 1),
    "not_in": (_not(_one_of), 1),
    "is": (_is, 1),
    "is_not": (_not(_is), 1),
    "is_set": (lambda value, _p: bool(items(value)), 0),
    "is_blank": (lambda value, _p: not items(value), 0),
    "contains": (_contains, 1),
    "name_contains": (_contains, 1),
    "does_not_contain": (_not(_contains), 1),
    "starts_with": (_starts_with, 1),
    "ends_with": (_ends_with, 1),
    "contains_all": (lambda value, params: set(params) <= set(items(value)), 1),
    "contains_none": (lambda value, params: not set(params) & set(items(value)), 1),
}
COMPARISONS: Mapping[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def number(text: str) -> float | None:
    """`text` as a number, or None when it is not one."""
    try:
        return float(text)
    except ValueError:
        return None
