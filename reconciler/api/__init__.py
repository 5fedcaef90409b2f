"""The incident.io API client: the only package that talks HTTP (and the only one that imports httpx).

`IncidentIO` is the client (pacing, retries, errors in reconciler.api.errors); `asgi_transport` plugs the
in-process emulator in place of the network. Names are loaded on first use, so that `reconciler.api.errors` and
`reconciler.api.credentials` import without the HTTP stack (offline commands start faster).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.api.client import IncidentIO as IncidentIO
    from reconciler.api.core import RequestRecord as RequestRecord
    from reconciler.api.retry import RetryPolicy as RetryPolicy
    from reconciler.api.transport import asgi_transport as asgi_transport
    from reconciler.errors import ApiError as ApiError
    from reconciler.errors import Forbidden as Forbidden
    from reconciler.errors import NotFound as NotFound
    from reconciler.errors import RateLimited as RateLimited
    from reconciler.errors import ReadOnlyViolation as ReadOnlyViolation
    from reconciler.errors import ServerError as ServerError
    from reconciler.errors import TransportFailure as TransportFailure
    from reconciler.errors import Unauthorized as Unauthorized
    from reconciler.errors import ValidationFailed as ValidationFailed
    from reconciler.errors import VersionConflict as VersionConflict

_WHERE = {
    "IncidentIO": "reconciler.api.client",
    "RequestRecord": "reconciler.api.core",
    "RetryPolicy": "reconciler.api.retry",
    "asgi_transport": "reconciler.api.transport",
    **{
        name: "reconciler.errors"
        for name in (
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
        )
    },
}

__all__ = sorted(_WHERE, key=str.casefold)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'reconciler.api' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
