"""Safe YAML for route files: text → plain data plus the position of every node, and the canonical dump.

Pure: no I/O. Route files come from pull requests, so parsing treats them as hostile: values are built straight from
libyaml's event stream (no PyYAML constructors), and the first anchor or alias (alias bombs), nesting deeper than
MAX_DEPTH or more than MAX_NODES nodes stops it. Scalars resolve like YAML 1.2's JSON schema: only `true`/`false`
are booleans, only `null`/`~`/empty is null, only JSON-style numbers are numbers; everything else (`yes`, `on`,
`012`, `0x1F`, `12:30`, `2024-01-01`) stays a string.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from reconciler.errors import JsonPath, json_path

MAX_DEPTH = 64
MAX_NODES = 20_000

_TAG = "tag:yaml.org,2002:"
_STRING_TAGS = {None, "!", _TAG + "str"}
_COLLECTION_TAGS = {None, "!", _TAG + "map", _TAG + "seq"}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~7x faster; same events either way


def resolve_plain(text: str) -> Any:
    """An unquoted scalar's value: YAML 1.2 JSON-schema rules, and a string whenever nothing else matches."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _short_tag(tag: str | None) -> str:
    tag = tag or "!"
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _scalar(event: yaml.ScalarEvent) -> Any:
    """The value of a scalar event; ValueError (with the message to show) for tags we refuse."""
    tag = event.tag
    if tag is None and event.implicit[0]:
        return resolve_plain(event.value)
    if tag in _STRING_TAGS:
        return event.value
    wanted: dict[str | None, type | tuple[type, ...]] = {
        _TAG + "null": type(None),
        _TAG + "bool": bool,
        _TAG + "int": int,
        _TAG + "float": (int, float),
    }
    expected = wanted.get(tag)
    if expected is None:
        raise ValueError(f"tag {_short_tag(tag)!r} is not allowed: only !!str, !!int, !!float, !!bool and !!null are")
    value: Any = resolve_plain(event.value)
    if not isinstance(value, expected) or (isinstance(value, bool) and tag != _TAG + "bool"):
        raise ValueError(f"{event.value!r} is not a valid {_short_tag(tag)}")
    return float(cast(float, value)) if tag == _TAG + "float" else value


@dataclass
class _Built:
    value: Any = None
    positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[tuple[int, int], str, str]] = field(default_factory=list)


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: JsonPath
    key: str | None = None  # a mapping's key waiting for its value
    seen: dict[str, int] = field(default_factory=dict)  # key → line, for duplicate-key errors


class _Stop(Exception):
    """A problem after which the rest of the stream cannot be trusted (or must not be read)."""


def _at(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def build_document(text: str, *, positions: bool = True) -> _Built:
    """Turn YAML text into plain data, positions and problems, reading libyaml events one at a time.

    With `positions=False` the position maps stay empty (problems still carry theirs): cheaper, for documents whose
    positions are only needed should a later check find a problem.
    """
    out = _Built()
    try:
        _build(text, out, positions)
    except _Stop:
        pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"invalid YAML: {exc.problem or exc.context}"
        if "maximum nesting depth" in message:  # libyaml's own cap (1000) on flow nesting it scans ahead into
            message = f"nested deeper than {MAX_DEPTH} levels"
        elif exc.context and exc.problem and exc.context_mark is not None:
            line, column = _at(exc.context_mark)
            message += f" ({exc.context} at line {line}, column {column})"
        out.problems.append((_at(mark) if mark else (1, 1), "$", message))
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        where = (before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        out.problems.append((where, "$", f"invalid character U+{char:04X}: {exc.reason}"))
    except yaml.YAMLError as exc:  # any other libyaml complaint: still a located problem, never a traceback
        out.problems.append(((1, 1), "$", f"invalid YAML: {exc}"))
    except RecursionError:
        out.problems.append(((1, 1), "$", f"nested deeper than {MAX_DEPTH} levels"))
    return out


def _build(text: str, out: _Built, positions: bool) -> None:
    stack: list[_Frame] = []
    nodes = documents = 0

    def stop(mark: Any, path: JsonPath, message: str) -> _Stop:
        out.problems.append((_at(mark), json_path(path), message))
        return _Stop()

    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise stop(event.start_mark, (), "more than one YAML document: a route file holds exactly one")
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        parent = stack[-1] if stack else None
        if parent is None:
            path: JsonPath = ()
        elif isinstance(parent.container, list):
            path = (*parent.path, len(parent.container))
        else:
            path = (*parent.path, parent.key) if parent.key is not None else parent.path
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise stop(event.start_mark, path, f"anchors and aliases are not allowed ({sign}{event.anchor})")
        nodes += 1
        if nodes > MAX_NODES:
            raise stop(event.start_mark, (), f"more than {MAX_NODES} nodes in one file")
        if parent is not None and isinstance(parent.container, dict) and parent.key is None:
            if not isinstance(event, yaml.ScalarEvent):
                raise stop(event.start_mark, path, "a mapping key must be a plain string, not a list or mapping")
            key = sys.intern(event.value)  # the same few dozen keys in every file: one string each
            if event.tag not in _STRING_TAGS and not event.implicit[0]:
                out.problems.append((_at(event.start_mark), json_path(path), "a mapping key must be a plain string"))
            if key in parent.seen:
                message = f"duplicate key {key!r} (first defined at line {parent.seen[key]})"
                out.problems.append((_at(event.start_mark), json_path((*path, key)), message))
            else:
                parent.seen[key] = _at(event.start_mark)[0]
            if positions:
                out.key_positions[(*path, key)] = _at(event.start_mark)
            parent.key = key
            continue
        value: Any
        if isinstance(event, yaml.ScalarEvent):
            try:
                value = _scalar(event)
            except ValueError as exc:
                out.problems.append((_at(event.start_mark), json_path(path), str(exc)))
                value = event.value
        else:
            assert isinstance(event, yaml.CollectionStartEvent)  # the only other NodeEvent left
            if event.tag not in _COLLECTION_TAGS:
                message = f"tag {_short_tag(event.tag)!r} is not allowed: use plain mappings and lists"
                out.problems.append((_at(event.start_mark), json_path(path), message))
            if len(stack) >= MAX_DEPTH:
                raise stop(event.start_mark, (), f"nested deeper than {MAX_DEPTH} levels")
            value = {} if isinstance(event, yaml.MappingStartEvent) else []
        if positions or parent is None:  # the root's position tells an empty file from a null one
            out.positions[path] = _at(event.start_mark)
        if parent is None:
            out.value = value
        elif isinstance(parent.container, list):
            parent.container.append(value)
        else:
            parent.container[path[-1]] = value  # type: ignore[index]
            parent.key = None
        if isinstance(value, (dict, list)) and not isinstance(event, yaml.ScalarEvent):
            stack.append(_Frame(value, path))


# The key order of `reconciler export` and `dump_route`: each mapping lists its keys in this order (documented in
# docs/route-format.md, "Canonical layout"); unknown keys follow, alphabetically.
KEY_ORDER = (  # noqa: SIM905 (one string reads better than 65 quoted words)
    "id name label enabled auto_decline_enabled auto_relate_grouped_alerts auto_cancel_escalations escalation_targets"
    " is_private protect owning_teams alert_source alert_sources slack_targets ms_teams_targets channels"
    " escalation_paths users custom_field subject operation operation_type autogenerated value values array_value"
    " literal reference root_reference binding param_bindings channel_visibility conditions condition_groups"
    " defer_time_seconds grouping_keys grouping_window_seconds expressions escalation_config channel_config"
    " incident_config incident_template message_template summary severity incident_type incident_mode"
    " start_in_triage workspace membership_teams custom_fields merge_strategy operations navigate filter concatenate"
    " parse branches cast source result else_branch returns array type"
).split()
_RANK = {key: rank for rank, key in enumerate(KEY_ORDER)}
MODELINE = "# yaml-language-server: $schema=../schema/alert-route.schema.json"


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors, and strings quoted whenever *our* loader would read them back as non-strings."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_str(self, data: str) -> yaml.ScalarNode:
        # Line breaks (\n, \r, NEL, LS, PS) and control characters change meaning in plain and single-quoted
        # scalars; double quotes escape them, so the text reads back exactly.
        style = '"' if _NEEDS_ESCAPE.search(data) else None
        return self.represent_scalar(_TAG + "str", data, style=style)


_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_Dumper.add_representer(str, _Dumper.represent_str)


# PyYAML's YAML 1.1 resolver already quotes `yes`, `12:30`, `2024-01-01`, `010`...; add the 1.2 floats it misses
# (`1e5`, `1.5e5`) so every string that resolve_plain() would turn into a number comes out quoted.
_Dumper.add_implicit_resolver(_TAG + "float", _FLOAT, list("-0123456789"))


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_RANK.get(k, len(_RANK)), k))
        return {key: _ordered(value[key]) for key in keys}
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def dump_route(data: Mapping[str, Any], *, modeline: str = MODELINE) -> str:
    """The canonical YAML text of a route document: the modeline, then keys in KEY_ORDER, block style."""
    body = yaml.dump(
        _ordered(dict(data)),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
        indent=2,
    )
    return f"{modeline}\n{body}"
