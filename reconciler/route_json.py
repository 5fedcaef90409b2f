"""A route (or any part of one) as JSON and back: the form the plan file holds, so a saved plan rebuilds exactly.

Pure: no I/O. Field names as in `reconciler.route`, tuples as lists, absent (None) fields left out; expression
operations stay JSON. `from_json` checks the shape as it rebuilds: an unknown or missing field, or a value of the
wrong type, is a ValueError naming it in one short line (the plan reader reports it, located).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from reconciler.route import JSON, Binding, Expression, freeze, thaw

T = TypeVar("T")


def to_json(value: Any) -> JSON:
    """A model value as JSON (a `Route`, or any part of one)."""
    if isinstance(value, Expression):
        out: dict[str, JSON] = {
            "reference": value.reference,
            "label": value.label,
            "root_reference": value.root_reference,
            "operations": [thaw(op) for op in value.operations],
        }
        if value.else_result is not None:
            out["else_result"] = to_json(value.else_result)
        return out
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value) if getattr(value, f.name) is not None}
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def from_json(kind: type[T], data: JSON) -> T:
    """Rebuild a model value of `kind` from `to_json`'s output; raises ValueError (or TypeError) on another shape."""
    built: T = _build(kind, data)
    return built


_HINTS: dict[type, dict[str, Any]] = {}
_REQUIRED: dict[type, tuple[str, ...]] = {}
_EXPRESSION_KEYS = frozenset({"reference", "label", "root_reference", "operations", "else_result"})


def _hints(kind: type) -> dict[str, Any]:
    if kind not in _HINTS:
        _HINTS[kind] = get_type_hints(kind)
    return _HINTS[kind]


def _required(kind: type) -> tuple[str, ...]:
    """The fields of a model dataclass without a default (looked up once per class: a plan file rebuilds many)."""
    if kind not in _REQUIRED:
        _REQUIRED[kind] = tuple(f.name for f in fields(kind) if f.default is MISSING and f.default_factory is MISSING)
    return _REQUIRED[kind]


def _build(kind: Any, data: JSON) -> Any:
    if kind is Expression:
        if not isinstance(data, dict) or set(data) - _EXPRESSION_KEYS:
            raise ValueError(f"not an expression: {_shown(data)}")
        _require(kind, data, ("reference", "label", "root_reference"))
        else_result = data.get("else_result")
        return Expression(
            reference=_scalar(str, data["reference"]),
            label=_scalar(str, data["label"]),
            root_reference=_scalar(str, data["root_reference"]),
            operations=tuple(freeze(op) for op in _list(data.get("operations", []))),
            else_result=None if else_result is None else _build(Binding, else_result),
        )
    if isinstance(kind, type) and is_dataclass(kind):
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {kind.__name__}, got {_shown(data)}")
        hints = _hints(kind)
        unknown = set(data) - set(hints)
        if unknown:
            raise ValueError(f"unknown field {sorted(unknown)[0]!r} in {kind.__name__}")
        _require(kind, data, _required(kind))
        return kind(**{name: _build(hints[name], value) for name, value in data.items()})
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple:
        item = args[0]
        return tuple(_build(item, v) for v in _list(data))
    if args and type(None) in args:  # X | None
        if data is None:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _build(inner, data)
    return _scalar(kind, data)


def _require(kind: type, data: dict[str, Any], names: Iterable[str]) -> None:
    missing = [name for name in names if name not in data]
    if missing:
        raise ValueError(f"missing field {missing[0]!r} in {kind.__name__}")


def _shown(data: JSON) -> str:
    """A JSON value in a message: on one line and short (a list or an object by its kind, never whole)."""
    if isinstance(data, list):
        return "a list"
    if isinstance(data, dict):
        return "an object"
    if data is None or isinstance(data, bool):
        return json.dumps(data)
    return repr(data[:60] + "…" if isinstance(data, str) and len(data) > 60 else data)


def _list(data: JSON) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError(f"expected a list, got {_shown(data)}")
    return data


def _scalar(kind: Any, data: JSON) -> Any:
    if kind is bool and isinstance(data, bool):
        return data
    if kind is int and isinstance(data, int) and not isinstance(data, bool):
        return data
    if kind is str and isinstance(data, str):
        return data
    raise ValueError(f"expected {getattr(kind, '__name__', kind)}, got {_shown(data)}")
