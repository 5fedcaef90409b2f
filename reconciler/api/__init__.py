"""The incident.io API client: the only package that talks HTTP (and the only one that imports httpx).

`IncidentIO` is the client (pacing, retries, errors in reconciler.api.errors); `asgi_transport` plugs the
in-process emulator in place of the network.
"""

from reconciler.api.client import IncidentIO
from reconciler.api.core import RequestRecord
from reconciler.api.errors import (
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
from reconciler.api.retry import RetryPolicy
from reconciler.api.transport import asgi_transport

__all__ = [
    "ApiError",
    "Forbidden",
    "IncidentIO",
    "NotFound",
    "RateLimited",
    "ReadOnlyViolation",
    "RequestRecord",
    "RetryPolicy",
    "ServerError",
    "TransportFailure",
    "Unauthorized",
    "ValidationFailed",
    "VersionConflict",
    "asgi_transport",
]
