"""HTTP failures of the incident.io API as exceptions that say what went wrong and what to do.

Every message names the request (``GET /v2/alert_routes``) and speaks the user's language; none ever contains the
API key (the client scrubs any text taken from a response or an httpx exception before it gets here). The tree:

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

from reconciler.errors import ReconcilerError

STATUS_PAGE = "https://status.incident.io"
KEYS_HELP = "create a new one in incident.io under Settings > API keys"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiError(ReconcilerError):
    """An incident.io API request failed; `status` is 0 when no response arrived."""

    retryable_for_writes = False

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int = 0,
        code: str | None = None,
        field: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.method = method.upper()
        self.path = path
        self.status = status
        self.code = code
        self.field = field
        self.request_id = request_id
        self.message = message
        super().__init__(message)

    @property
    def request(self) -> str:
        """`GET /v2/alert_routes`, for messages."""
        return f"{self.method} {self.path}"

    @property
    def ambiguous(self) -> bool:
        """True when a write may have been committed although it failed: re-read before retrying."""
        return False

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(method={self.method!r}, path={self.path!r}, status={self.status}, code={self.code!r})"


class Unauthorized(ApiError):
    """401: the key is missing, invalid or revoked."""


class Forbidden(ApiError):
    """403: the key is valid but lacks the scope this request needs."""


class NotFound(ApiError):
    """404: no such object (for alert routes: deleted, or never existed)."""


class VersionConflict(ApiError):
    """The API rejected a write's `version`: the object changed since it was read."""


class ValidationFailed(ApiError):
    """400/422: the API rejected the request's content; `field` names the offending field when the API did."""


class RateLimited(ApiError):
    """429: too many requests; `retry_after` is the wait the server asked for, in seconds (None if unknown)."""

    retry_after: float | None = None


class ServerError(ApiError):
    """5xx: incident.io failed; for a write the outcome is unknown."""

    @property
    def ambiguous(self) -> bool:
        return self.method not in SAFE_METHODS


class TransportFailure(ApiError):
    """No HTTP response: connection refused, timeout, reset. `sent` says whether the request may have arrived."""

    def __init__(self, message: str, *, sent: bool, method: str, path: str) -> None:
        super().__init__(message, method=method, path=path, status=0)
        self.sent = sent

    @property
    def ambiguous(self) -> bool:
        return self.sent and self.method not in SAFE_METHODS


class ReadOnlyViolation(ApiError):
    """A write was attempted on a read-only client (plan, drift); nothing was sent."""


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
