"""Step 2: check route documents against the JSON Schema and a few rules it cannot express.

Pure: no I/O. Every problem is located (`file:line:col: $.path: message`) and worded for people: unknown fields
suggest the closest known one, YAML 1.1 booleans (`yes`) say "write true or false", and mutual exclusions name
both keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

from reconciler.errors import Problem, json_path
from reconciler.files.load import RouteDoc
from reconciler.files.plaintext import first_unfit
from reconciler.files.rules import route_rules
from reconciler.templates.documents import TemplateError, template_to_doc

__all__ = ["make_validator", "schema_problems", "validate_docs"]

_TYPE_NAMES = {
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
# Fields holding templated text (`{{ alert.title }}`), checked against the grammar.
TEMPLATE_FIELDS: tuple[tuple[str, ...], ...] = (
    ("incident_template", "name"),
    ("incident_template", "summary"),
    ("message_template", "template"),
)


def _is_integer(_checker: Any, instance: Any) -> bool:
    # jsonschema counts 1800.0 as an integer; the API's int32 fields must be written as whole numbers.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def make_validator(schema: Mapping[str, Any]) -> Any:
    """A Draft 2020-12 validator for `schema` that also asserts `format` and counts only whole numbers as integers."""
    return _Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _show(value: Any) -> str:
    """A value as the user wrote it in YAML: 'text', 5, true, null, a list, a mapping."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def _or_list(words: Sequence[str], conjunction: str = "or", quote: bool = True) -> str:
    shown = [f"'{word}'" if quote else word for word in words]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" {conjunction} " + shown[-1]


def _type_message(expected: str | list[str], value: Any) -> str:
    types = [expected] if isinstance(expected, str) else list(expected)
    if "boolean" in types and isinstance(value, str):
        return f"{_show(value)} is not a boolean: write true or false"
    if types == ["string"] and isinstance(value, (bool, int, float)):
        return f"{_show(value)} is not a string: put it in quotes"
    if types == ["integer"] and isinstance(value, (str, float)) and not isinstance(value, bool):
        return f"{_show(value)} is not an integer: write a whole number like 1800"
    wanted = _or_list([_TYPE_NAMES.get(t, t) for t in types], quote=False)
    return f"expected {wanted}, got {_show(value)}"


def _required_alternatives(branches: Any) -> list[str] | None:
    """The keys of `oneOf/anyOf: [{required: [a]}, {required: [b]}]`, or None for any other shape."""
    if not isinstance(branches, list) or not all(isinstance(b, dict) and set(b) == {"required"} for b in branches):
        return None
    return [key for branch in branches for key in branch["required"]]


def _exclusive_keys(schema: Any) -> list[str]:
    """Every key named in a `not: {required}` / `not: {anyOf: [{required}...]}` exclusion."""
    branches = schema.get("anyOf", [schema]) if isinstance(schema, dict) else []
    keys: list[str] = []
    for branch in branches:
        for key in branch.get("required", []) if isinstance(branch, dict) else []:
            if key not in keys:
                keys.append(key)
    return keys


def _problems(doc: RouteDoc, error: ValidationError) -> Iterator[Problem]:
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    where = doc.location(path)
    value, kind = error.instance, error.validator
    expected: Any = error.validator_value
    schema: Any = error.schema
    message = error.message
    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(schema.get("properties", {}))
        for key in sorted(k for k in value if k not in known):
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; known fields: {', '.join(known)}"
            yield Problem(doc.key_location((*path, key)), json_path((*path, key)), f"unknown field {key!r}{hint}")
        return
    if kind == "type":
        message = _type_message(expected, value)
    elif kind == "required" and isinstance(value, dict):
        missing = [key for key in expected if key not in value]
        message = f"missing required field {_or_list(missing)}"
    elif kind == "enum":
        message = f"{_show(value)} is not one of: {', '.join(str(v) for v in expected)}"
    elif kind in {"minLength", "minItems"}:
        message = "must not be empty"
    elif kind == "pattern" and path == ("id",):
        message = f"{_show(value)} is not an incident.io id (26 characters: digits and capital letters)"
    elif kind == "pattern" and path == ("name",):
        message = "must not be blank"
    elif kind in {"minProperties", "maxProperties"} and isinstance(value, dict):
        names = list(schema.get("properties", {}))
        exactly = schema.get("maxProperties") == 1
        message = f"set {'exactly' if exactly else 'at least'} one of {_or_list(names)}"
        if value and exactly:
            message += f", not {_or_list(list(value), 'and')} together"
    elif kind == "uniqueItems":
        message = "has duplicate items"
    elif kind in {"oneOf", "anyOf"} and isinstance(value, dict):
        keys = _required_alternatives(expected)
        if keys is not None:
            present = [key for key in keys if key in value]
            if present:
                message = f"{_or_list(present, 'and')} cannot be used together: use one"
            else:
                message = f"set {'one' if kind == 'oneOf' else 'at least one'} of {_or_list(keys)}"
    elif kind == "not" and isinstance(value, dict):
        keys = [key for key in _exclusive_keys(expected) if key in value]
        if len(keys) >= 2:
            message = f"{_or_list(keys, 'and')} cannot be used together: use one"
            where = doc.key_location((*path, keys[-1]))
    yield Problem(where, json_path(path), message)


def schema_problems(doc: RouteDoc, schema: Mapping[str, Any]) -> list[Problem]:
    """Every schema problem of one document with positions (a route file, a route-test file), worded as above."""
    found: set[Problem] = set()
    for error in make_validator(schema).iter_errors(doc.data):
        found.update(_problems(doc, error))
    return sorted(found)


def _walk(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _semantic(doc: RouteDoc, channels: Mapping[str, str] | None) -> Iterator[Problem]:
    """Rules the schema cannot express: template syntax, listed-twice entries, Slack names the channel map lacks."""
    data = doc.data
    for path in TEMPLATE_FIELDS:
        text: Any = data
        for key in path:
            text = text.get(key) if isinstance(text, dict) else None
        if isinstance(text, str):
            try:
                template_to_doc(text)
            except TemplateError as error:  # one problem per template: the first place it stops making sense
                yield Problem(doc.location(path), json_path(path), str(error))
    yield from _listed_twice(doc, ("alert_sources",), "alert_source", "alert source")
    yield from _listed_twice(doc, ("incident_template", "custom_fields"), "custom_field", "custom field")
    if channels is None:
        return
    for where, value in _walk(data):
        in_slack = len(where) >= 3 and where[-3:-1] == ("slack_targets", "channels")
        if in_slack and isinstance(value, str) and value.startswith("#") and value not in channels:
            known = ", ".join(sorted(channels)) or "none"
            message = f"Slack channel {value!r} is not in channels.yaml (known: {known})"
            yield Problem(doc.location(where), json_path(where), message)


def _listed_twice(doc: RouteDoc, where: tuple[str, ...], key: str, noun: str) -> Iterator[Problem]:
    node: Any = doc.data
    for part in where:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return
    first: dict[str, int] = {}
    for index, item in enumerate(node):
        name = item.get(key) if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name in first:
            path: tuple[str | int, ...] = (*where, index, key)
            message = f"{noun} {name!r} is listed twice (also at {json_path((*where, first[name]))})"
            yield Problem(doc.location(path), json_path(path), message)
        else:
            first[name] = index


def _plain_name(doc: RouteDoc) -> Iterator[Problem]:
    """A route name is plain text: no control, bidirectional-control or line-separator character."""
    name = doc.data.get("name")
    found = first_unfit(name) if isinstance(name, str) else None
    if found is not None:
        char, kind = found
        message = f"contains {kind} (U+{ord(char):04X}); route names must be plain text"
        yield Problem(doc.location(("name",)), json_path(("name",)), message)


def validate_docs(
    docs: Sequence[RouteDoc], schema: Mapping[str, Any], *, channels: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every problem in `docs`, sorted; `channels` (the channel map), when given, must name every Slack `#name`."""
    validator = make_validator(schema)
    problems: set[Problem] = set()
    for doc in docs:
        for error in validator.iter_errors(doc.data):
            problems.update(_problems(doc, error))
        problems.update(_semantic(doc, channels))
        problems.update(_plain_name(doc))
        problems.update(route_rules(doc))
    return sorted(problems)
