"""HTTP error responses of the incident.io API → the exceptions of `reconciler.errors`, worded for people.

Every message names the request (``GET /v2/alert_routes``) and speaks the user's language; none ever contains the
API key (the client scrubs any text taken from a response or an httpx exception before it gets here). The classes
live in `reconciler.errors` (importable without the HTTP client) and are re-exported here:

* ReconcilerError                      (reconciler.errors)
  x ApiError                           method, path, status, code, field, request_id
    x Unauthorized        401          the key is invalid or revoked; never retried
    x Forbidden           403          the key lacks a scope; never retried
    x NotFound            404          never retried (a DELETE's 404 is "already gone" for apply)
    x VersionConflict     409/412, or 422 on `version`: the route changed since it was read; never retried
    x ValidationFailed    400/422      the API rejected the payload; never retried
    x RateLimited         429          retry_after (seconds); retried by the client after Retry-After
    x ServerError         5xx          retried for GETs; a write's outcome is unknown (`ambiguous`)
    x TransportFailure    no response  `sent`: whether the request may have reached the server
    x ReadOnlyViolation   a write on a read-only client, raised before anything is sent

`ambiguous` (on every ApiError, meaningful on ServerError and TransportFailure) is true for a write that may have
been committed: apply must re-read before deciding whether to retry it, never blindly resend (no duplicate create).
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import (
    SAFE_METHODS,
    ApiError,
    Forbidden,
    NotFound,
    RateLimited,
    ReadOnlyViolation,
    ServerError,
    TransportFailure,
    Unauthorized,
    ValidationFailed,
    VersionConflict,
)

__all__ = [
    "SAFE_METHODS",
    "ApiError",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "ReadOnlyViolation",
    "ServerError",
    "TransportFailure",
    "Unauthorized",
    "ValidationFailed",
    "VersionConflict",
    "describe",
    "error_messages",
    "expect",
]

STATUS_PAGE = "https://status.incident.io"
KEYS_HELP = "create a new one in incident.io under Settings > API keys"


def describe(
    status: int,
    method: str,
    path: str,
    *,
    code: str | None = None,
    field: str | None = None,
    detail: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """The exception for an HTTP error response; `detail` is the API's own (already scrubbed) message."""
    request = f"{method.upper()} {path}"
    said = f": {detail}" if detail else ""
    ref = f" (request id {request_id})" if request_id else ""
    named = f", {code}" if code else ""
    cls: type[ApiError]
    if status == 401:
        cls, text = (
            Unauthorized,
            f"incident.io rejected the API key for {request} (401): it is invalid or revoked; {KEYS_HELP}",
        )
    elif status == 403:
        cls, text = Forbidden, f"the API key is not allowed to {request} (403{named}){said}"
    elif status == 404:
        cls, text = NotFound, f"{request} found nothing (404){said}"
    elif status in (409, 412) or (status == 422 and field == "version"):
        cls, text = (
            VersionConflict,
            f"{request} was rejected: the object changed since it was read ({status}, version){said}",
        )
    elif status == 429:
        wait = f"; retry in {retry_after:.0f} s" if retry_after is not None else ""
        cls, text = RateLimited, f"{request} was rate limited by incident.io (429){wait}"
    elif status >= 500:
        cls = ServerError
        text = (
            f"incident.io answered {request} with {status}: it may be having issues; check {STATUS_PAGE}, retry later"
        )
    else:
        where = f" (field {field})" if field else ""
        cls, text = ValidationFailed, f"incident.io rejected {request} ({status}{named}){where}{said}"
    error = cls(text + ref, method=method, path=path, status=status, code=code, field=field, request_id=request_id)
    if isinstance(error, RateLimited):
        error.retry_after = retry_after
    return error


def expect(body: Any, key: str, method: str, path: str) -> Any:
    """`body[key]`, or a clear error when incident.io answered with something else."""
    if not isinstance(body, dict) or key not in body:
        raise ApiError(f"incident.io answered {method} {path} without '{key}'", method=method, path=path)
    return body[key]


def error_messages(errors: Any) -> list[str]:
    """The API's error messages, each once; with several, each names its field (`name: must be a string`)."""
    found: list[tuple[str | None, str]] = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            source = error.get("source")
            field = source.get("field") if isinstance(source, dict) else None
            found.append((field if isinstance(field, str) else None, error["message"]))
    if len(found) > 1:
        return list(dict.fromkeys(f"{field}: {message}" if field else message for field, message in found))
    return [message for _, message in found]
