"""The plan file's JSON Schema (reconciler/schema/plan.schema.json) and its violations worded for people.

Pure: no I/O beyond reading the schema packaged with reconciler. One violation becomes one line like
`$.changes[0].live_version: expected an integer ≥ 1, got null`, the way reconciler/validate.py words route files.
"""

from __future__ import annotations

import functools
import itertools
import json
from importlib import resources
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from reconciler.errors import json_path
from reconciler.files.validate import make_validator

_TYPE_NAMES = {
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
_PATTERNS = {
    "^[0-9a-f]{64}$": "expected 64 lowercase hex digits (a SHA-256)",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$": "expected a UTC time like 2026-01-01T00:00:00Z",
    "^https?://[^\\s/?#@]+$": "expected the API as scheme://host[:port]",
}
_ERRORS_WEIGHED = 100  # best_match over the first errors only: a huge wrong list must not take long to report


@functools.cache
def plan_schema() -> dict[str, Any]:
    """The plan file's JSON Schema (Draft 2020-12), as shipped in the package."""
    text = resources.files("reconciler").joinpath("schema", "plan.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator() -> Any:
    return make_validator(plan_schema())


def schema_problem(document: Any) -> str | None:
    """The most relevant way `document` breaks the schema, as `$.path: message`; None when it does not."""
    error = best_match(itertools.islice(_validator().iter_errors(document), _ERRORS_WEIGHED))
    if error is None:
        return None
    path, message = _worded(error, document)
    return f"{json_path(path)}: {message}"


def show(value: Any) -> str:
    """A JSON value as people read it, on one line and short: null, true, 5, 'text', a list, an object."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:60] + "…")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _worded(error: ValidationError, document: Any) -> tuple[tuple[str | int, ...], str]:
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    value, kind = error.instance, error.validator
    expected: Any = error.validator_value
    schema: Any = error.schema
    action = _action(document, path)
    if kind in {"anyOf", "oneOf"} and error.context:
        # `desired: anyOf [route payload, null]` given an object: say what is wrong with it as a route payload.
        inner = [e for e in error.context if not (e.validator == "type" and not e.relative_path)]
        best = best_match(inner)
        if best is not None:
            return _worded(best, document)
        types = [t for e in error.context if e.validator == "type" for t in _types(e.validator_value)]
        return path, f"expected {_wanted(types, {})}, got {show(value)}"
    if "propertyNames" in error.relative_schema_path:
        return path, f"{show(value)} is not a route id"
    if kind == "additionalProperties" and isinstance(value, dict):
        known = schema.get("properties", {})
        extra = sorted(key for key in value if key not in known)
        return (*path, extra[0]), f"unknown field {extra[0]!r}: a plan file has no such field"
    if kind == "required" and isinstance(value, dict):
        missing = [key for key in expected if key not in value]
        return path, f"missing required field {missing[0]!r}"
    if kind == "type":
        types = _types(expected)
        if types == ["null"] and action:
            return path, f"must be null for {_article(action)} {action}, got {show(value)}"
        return path, f"expected {_wanted(types, schema)}, got {show(value)}"
    if kind in {"minimum", "maximum"}:
        declared = schema.get("type", "number")
        types = [declared] if isinstance(declared, str) else [t for t in declared if t != "null"]
        return path, f"expected {_wanted(types, schema)}, got {show(value)}"
    if kind == "enum":
        return path, f"{show(value)} is not one of: {', '.join(str(v) for v in expected)}"
    if kind == "const":
        return path, f"expected {json.dumps(expected)}, got {show(value)}"
    if kind == "minLength":
        return path, "must not be empty"
    if kind == "pattern":
        return path, f"{_PATTERNS.get(expected, f'expected text matching {expected}')}, got {show(value)}"
    if kind == "maxItems" and expected == 0 and action:
        return path, f"must be empty for {_article(action)} {action}"
    if kind == "minItems" and action:
        return path, f"must not be empty for {_article(action)} {action}"
    message = error.message  # a keyword this wording does not know yet: jsonschema's words, kept short
    return path, message if len(message) <= 120 else message[:120] + "…"


def _types(declared: Any) -> list[str]:
    return [declared] if isinstance(declared, str) else [str(t) for t in declared]


def _wanted(types: list[str], schema: Any) -> str:
    """`an integer ≥ 1 or null`, `a number from 0 to 1`: the types a value may have, with their bounds."""
    words = []
    for name in types:
        word = _TYPE_NAMES.get(name, name)
        if name in {"integer", "number"}:
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is not None and high is not None:
                word += f" from {low} to {high}"
            elif low is not None:
                word += f" ≥ {low}"
            elif high is not None:
                word += f" ≤ {high}"
        words.append(word)
    return " or ".join(words)


def _action(document: Any, path: tuple[str | int, ...]) -> str:
    """The action of the change `path` is in (`$.changes[i]...`), or "" outside a change."""
    if len(path) < 2 or path[0] != "changes" or not isinstance(document, dict):
        return ""
    changes = document.get("changes")
    index = path[1]
    if not isinstance(changes, list) or not isinstance(index, int) or not isinstance(changes[index], dict):
        return ""
    action = changes[index].get("action")
    return action if isinstance(action, str) and action in {"create", "update", "delete"} else ""


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
