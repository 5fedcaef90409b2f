"""Errors as data: located problems, and the one exception tree the CLI catches.

Pure: no I/O. The tree (every class is defined here):

* ReconcilerError              anything the CLI reports without a traceback (exit 1)
  x InputError                 route files and other inputs: every located `Problem` at once
  x ConfigError                missing or unusable key, bad option values, unreadable plan file
  x UnsafePlan                 a tampered, stale or refused plan, a review fingerprint that differs
  x WireRefusal                a route the chosen API version cannot carry whole (never dropped)
  x GitHubError                a GitHub API request failed: method, path, status
  x ApiError                   an incident.io request failed: method, path, status, code, field, request_id
    x Unauthorized        401  the key is invalid or revoked; never retried
    x Forbidden           403  the key lacks a scope; never retried
    x NotFound            404  never retried (a DELETE's 404 is "already gone" for apply)
    x VersionConflict     409/412, or 422 on `version`: the route changed since it was read; never retried
    x ValidationFailed    400/422: the API rejected the payload; never retried
    x RateLimited         429  retry_after (seconds); retried by the client after Retry-After
    x ServerError         5xx  retried for GETs; a write's outcome is unknown (`ambiguous`)
    x TransportFailure    no response: `sent` says whether the request may have reached the server
    x ReadOnlyViolation   a write on a read-only client, raised before anything is sent

`ambiguous` (on every ApiError, meaningful on ServerError and TransportFailure) is true for a write that may have
been committed: apply must re-read before deciding whether to retry it, never blindly resend (no duplicate create).
Messages name the request (`GET /v2/alert_routes`) and never contain the API key (the client scrubs any text taken
from a response before it gets here). Inside the pure core a few `ValueError`s carry a reason to the place that
turns it into a `Problem` (the template grammar's `TemplateError`); they never reach the CLI. Anything else escaping
to the CLI is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

JsonPath = tuple[str | int, ...]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(path: JsonPath) -> str:
    """`("alert_sources", 0, "conditions")` → `$.alert_sources[0].conditions` (odd keys as `$["#alerts"]`).

    The one spelling of a field's place in every `Problem`, whichever step (load, validate, resolve) found it.
    """
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: 1-based line and column; 0 means "the whole file"."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, where it is, and the JSON path of the field.

    Renders as ``routes/x.yaml:12:7: $.escalation_config: message``.
    """

    location: Location
    path: str = "$"
    message: str = ""
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        if not self.path:  # a problem with a file or folder itself, not a field in it
            return f"{self.location}: {self.message}"
        return f"{self.location}: {self.path}: {self.message}"


class ReconcilerError(Exception):
    """Base of every error the CLI reports as a message rather than a traceback."""


class InputError(ReconcilerError):
    """Route files (or another input) are invalid; holds every problem found, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: Sequence[Problem] = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(ReconcilerError):
    """The command cannot start: a missing API key, a bad option, an unreadable file."""


class UnsafePlan(ReconcilerError):
    """The plan breaks a safety rule (too much change, checksum mismatch, protected route)."""


class WireRefusal(ReconcilerError):
    """A route holds a setting the chosen API version cannot carry: writing it would silently drop the setting."""


class GitHubError(ReconcilerError):
    """A GitHub API request failed; `status` is 0 when no response arrived."""

    def __init__(self, message: str, *, method: str, path: str, status: int = 0) -> None:
        super().__init__(message)
        self.method, self.path, self.status = method, path, status


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
