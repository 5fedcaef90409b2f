"""Which alert-route API a route is read from or written to: v3 (current) or v2 (organisations not yet migrated).

Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Literal

from reconciler.errors import WireRefusal
from reconciler.route import Route
from reconciler.wire import v2, v3

ApiVersion = Literal["v2", "v3"]
API_VERSIONS: tuple[ApiVersion, ...] = ("v3", "v2")


def decode(data: Any, version: ApiVersion) -> Route:
    """A response (or payload) of `version` as a canonical route."""
    return v3.decode(data) if version == "v3" else v2.decode(data)


def refusal(route: Route, version: ApiVersion) -> str | None:
    """Why `version` cannot carry `route` whole, or None."""
    return v3.refusal(route) if version == "v3" else v2.refusal(route)


def encode(route: Route, version: ApiVersion) -> dict[str, Any]:
    """The create payload of `version` for `route`; raises `WireRefusal` rather than drop a setting."""
    reason = refusal(route, version)
    if reason is not None:
        raise WireRefusal(f"route {route.name!r} cannot be written through the {version} API: {reason}")
    return v3.encode(route) if version == "v3" else v2.encode(route)
