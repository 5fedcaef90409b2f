"""Bytes of a plan file → a JSON value, with explicit limits so that no input can end in a traceback.

Pure: no I/O. Every refusal is a one-line `ConfigError`. A plan file is at most `MAX_PLAN_BYTES` of UTF-8 JSON, with
finite numbers, integers of at most `MAX_INT_DIGITS` digits (Python's int() refuses over 4,300 with a ValueError), no
key twice in one object, at most `MAX_BRACKETS` brackets (bounding the objects and lists it expands to), and at most
`MAX_DEPTH` levels of nesting. Nesting is capped twice: the C parser stops at
the recursion limit (about 1,000 levels) with a `RecursionError`, caught here, and the value it returns is measured
level by level, without recursion, before anything that recurses (the schema, the seal) sees it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from reconciler.errors import ConfigError

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan that creates 1,000 routes is about 3 MB; 9,000 read in 4 s
MAX_DEPTH = 64  # a real plan nests about 20 levels (plan → change → payload → conditions → bindings → rich text)
# Brackets, counted in the raw text (strings included, so an upper bound on objects and lists): each container the
# parser builds costs Python memory and time, and a real plan has about one per 60 bytes.
MAX_BRACKETS = MAX_PLAN_BYTES // 16
MAX_INT_DIGITS = 64  # versions and counts fit in 20; Python refuses int() of over 4,300 digits with a ValueError

_NESTING = (dict, list)


class _Refused(ConfigError):
    """Raised from inside the parser's hooks; carries its message without the source, added by `decode_json`."""


def decode_json(data: bytes | str, source: str) -> Any:
    """The JSON value in `data`, or a `ConfigError` naming `source` and what is wrong."""
    raw = _as_bytes(data, source)
    if not raw.strip():
        raise ConfigError(f"{source}: the file is empty: not a plan file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{source}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): not a plan file"
        ) from None
    if raw.count(b"[") + raw.count(b"{") > MAX_BRACKETS:
        raise ConfigError(f"{source}: more than {MAX_BRACKETS:,} '[' and '{{': not a plan file")
    too_deep = ConfigError(f"{source}: nested more than {MAX_DEPTH} levels deep: not a plan file")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except _Refused as exc:
        raise ConfigError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        # The C parser counts its nesting against the recursion limit (about 1,000 levels) and stops with this.
        raise too_deep from None
    except ValueError as exc:
        raise ConfigError(f"{source}: not JSON: {exc}") from None
    if _depth(value) > MAX_DEPTH:
        raise too_deep
    return value


def _as_bytes(data: bytes | str, source: str) -> bytes:
    too_big = ConfigError(f"{source}: larger than {MAX_PLAN_BYTES // (1024 * 1024)} MiB: not a plan file")
    if len(data) > MAX_PLAN_BYTES:  # a str's length in characters is at most its length in UTF-8 bytes
        raise too_big
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:  # text read with surrogateescape: its bytes were not UTF-8
            raise ConfigError(f"{source}: not UTF-8 text (at character {exc.start}): not a plan file") from None
        if len(data) > MAX_PLAN_BYTES:
            raise too_big
    return bytes(data)


def _depth(value: Any) -> int:
    """How many levels of objects and lists `value` nests, counted level by level (no recursion), up to one past
    `MAX_DEPTH`: everything after the reader (the schema, the seal) recurses, so nothing deeper may reach it."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level and depth <= MAX_DEPTH:
        depth += 1
        below: list[Any] = []
        for node in level:
            below.extend(item for item in (node.values() if isinstance(node, dict) else node) if type(item) in _NESTING)
        level = below
    return depth


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"the key {_shown_key(key)} appears twice in one object: not a plan file")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number: not a plan file")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {_shortened(text)} is out of range: not a plan file")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"the number {_shortened(text)} has more than {MAX_INT_DIGITS} digits: not a plan file")
    return int(text)


def _shortened(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _shown_key(key: str) -> str:
    return json.dumps(_shortened(key, 40), ensure_ascii=True)
