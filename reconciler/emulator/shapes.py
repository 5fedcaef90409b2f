"""A small declarative checker for request bodies: shapes hand-written from the spec's payload schemas, and `check`,
which reports every place a body strays from its shape (each with its `source.field` path) in one pass.

Shapes: `Obj_` (fields name → (shape, required); closed or open to unknown fields), `List_`, `Enum_`, `Int_`
(an integer and its bounds), and the scalars `STR`, `BOOL`. The spec leaves `additionalProperties` open everywhere,
so whether unknown fields are refused is a choice per object (see routes_api: the route payloads' top level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.emulator.errors import ErrorDetail

STR, BOOL = "string", "boolean"
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Obj_:
    """An object with fields name → (shape, required); `closed` refuses fields it does not name (except `tolerated`);
    `exactly_one` names fields of which exactly one must be set (a binding value's literal or reference)."""

    fields: dict[str, tuple[Any, bool]]
    exactly_one: tuple[str, ...] = ()
    closed: bool = False
    tolerated: frozenset[str] = frozenset()
    name: str = "object"


@dataclass(frozen=True)
class List_:
    item: Any


@dataclass(frozen=True)
class Enum_:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Int_:
    minimum: int = 0
    maximum: int = INT32_MAX


INT32 = Int_()
INT64 = Int_(0, INT64_MAX)


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check(value: Any, shape: Any, path: str = "") -> list[ErrorDetail]:
    """Every way `value` strays from `shape`: missing required fields, wrong types, values outside an enum or range."""
    problems: list[ErrorDetail] = []
    _check(value, shape, path, problems)
    return problems


def _check(value: Any, shape: Any, path: str, problems: list[ErrorDetail]) -> None:
    if isinstance(shape, Obj_):
        _object(value, shape, path, problems)
    elif isinstance(shape, List_):
        if not isinstance(value, list):
            problems.append(ErrorDetail("invalid_value", "must be an array", path))
            return
        for i, item in enumerate(value):
            _check(item, shape.item, f"{path}[{i}]", problems)
    elif isinstance(shape, Enum_):
        if value not in shape.values:
            problems.append(ErrorDetail("invalid_value", f"must be one of {', '.join(shape.values)}", path))
    elif isinstance(shape, Int_):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(ErrorDetail("invalid_value", "must be an integer", path))
        elif not shape.minimum <= value <= shape.maximum:
            message = f"must be between {shape.minimum} and {shape.maximum}"
            problems.append(ErrorDetail("invalid_value", message, path))
    elif shape == STR:
        if not isinstance(value, str):
            problems.append(ErrorDetail("invalid_value", "must be a string", path))
    elif shape == BOOL and not isinstance(value, bool):
        problems.append(ErrorDetail("invalid_value", "must be a boolean", path))


def _object(value: Any, shape: Obj_, path: str, problems: list[ErrorDetail]) -> None:
    if not isinstance(value, dict):
        problems.append(ErrorDetail("invalid_value", "must be an object", path or None))
        return
    for name, (sub, required) in shape.fields.items():
        if name not in value or value[name] is None:
            if required:
                problems.append(ErrorDetail("is_required", f"{name} is required", join(path, name)))
            continue
        _check(value[name], sub, join(path, name), problems)
    if shape.exactly_one and sum(name in value for name in shape.exactly_one) != 1:
        message = f"set exactly one of {' or '.join(shape.exactly_one)}"
        problems.append(ErrorDetail("invalid_value", message, path or None))
    if shape.closed:
        for name in value:
            if name not in shape.fields and name not in shape.tolerated:
                message = f"{name} is not a field of {shape.name}"
                problems.append(ErrorDetail("invalid_value", message, join(path, name)))
