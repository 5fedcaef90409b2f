"""The server side of incident.io's error envelope: what the emulator answers on the wire when a request fails.

    {"type": ..., "status": ..., "request_id": ..., "errors": [{"code", "message", "source"?: {"field"}}]}

`WireError` is the exception a handler raises to answer with that envelope, and `ErrorDetail` is one entry of its
`errors` list. They are the emulated server's responses, not reconciler's own exceptions: the tool's errors live in
`reconciler.errors` (and the client's view of an API failure in `reconciler.api.errors`), and nothing outside
`reconciler/emulator/` raises or catches these.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

# `type` per status: 401/422/429 are documented in the spec's info section; the others follow the forms the
# provider's code and fixtures use (see INCIDENT_IO_API.md §6), which are assumptions (413 is the emulator's
# gateway cap on body size, see body.py).
ERROR_TYPES = {
    400: "bad_request",
    401: "authentication_error",
    403: "resource_forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the envelope's `errors`: a machine code, a message, and the request field it is about."""

    code: str
    message: str
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            data["source"] = {"field": self.field}
        return data


@dataclass
class WireError(Exception):
    """Raised by a handler to answer `status` with the envelope; the runtime pipeline turns it into the response."""

    status: int
    details: list[ErrorDetail]
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the 429 `rate_limit` object

    @classmethod
    def one(cls, status: int, code: str, message: str, field_name: str | None = None) -> WireError:
        return cls(status, [ErrorDetail(code, message, field_name)])


def new_request_id() -> str:
    return str(uuid.uuid4())


def error_body(status: int, details: list[ErrorDetail], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": ERROR_TYPES.get(status, "error"),
        "status": status,
        "request_id": new_request_id(),
    }
    if extra:
        body.update(extra)
    body["errors"] = [d.to_dict() for d in details]
    return body


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A compact JSON response (plain json.dumps: the emulator must stay fast under benchmarks)."""
    return raw_json_response(json.dumps(data, separators=(",", ":")).encode(), status, headers)


def raw_json_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def error_response(exc: WireError, headers: dict[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **exc.headers}
    return json_response(error_body(exc.status, exc.details, exc.extra), exc.status, merged)
