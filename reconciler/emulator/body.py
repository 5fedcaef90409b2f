"""Request bodies as the gateway in front of an API takes them: at most 1 MiB, JSON at most 64 levels deep.

- Size: a body over MAX_BODY_BYTES is answered 413 (`request_too_large`, in the error envelope, with
  `Connection: close`). A declared Content-Length over the cap is refused before a byte of the body is read
  (`refuse_declared`); a body without one (chunked) is counted as it arrives and refused as soon as it passes the
  cap (`capped`), so the emulator never holds more than 1 MiB of one request.
- Depth: JSON nested deeper than MAX_JSON_DEPTH is refused before it is parsed (`loads` raises `TooDeep`, a
  ValueError), because `json.loads` recurses and a RecursionError would be a 500. Each endpoint answers it the way
  it answers any other invalid JSON (422 for the API, 400 for the /_emulator controls).

incident.io does not publish its limits. The example organisation's routes are at most 11 levels deep and 2 KiB,
and one of them with 200 conditions is 52 KiB, so both caps leave a wide margin.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import Message, Receive, Scope

from reconciler.emulator.errors import WireError

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # brackets inside strings do not nest
_BRACKET = re.compile(rb"[\[\]{}]")


class TooDeep(ValueError):
    """The JSON nests more than MAX_JSON_DEPTH arrays and objects."""


def too_large() -> WireError:
    """The 413 a body over the cap gets; the connection is closed after it, as a gateway does."""
    message = f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB"
    error = WireError.one(413, "request_too_large", message)
    error.headers["connection"] = "close"
    return error


def declared_too_large(scope: Scope) -> bool:
    """Whether the request's Content-Length (if any) is over the cap."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return value.strip().isdigit() and int(value) > MAX_BODY_BYTES
    return False


def capped(receive: Receive) -> Receive:
    """`receive` that raises `too_large()` once the body it has passed on exceeds the cap."""
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise too_large()
        return message

    return receive_capped


def loads(raw: bytes) -> Any:
    """Parse a JSON body; ValueError when it is not JSON, `TooDeep` when it nests too deeply (never RecursionError)."""
    if _too_deep(raw):
        raise TooDeep(f"the request body must be JSON nested at most {MAX_JSON_DEPTH} levels deep")
    return json.loads(raw)


def _too_deep(raw: bytes) -> bool:
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:  # the common case: no scan needed
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        else:
            depth -= 1
    return False
