"""The request pipeline every API endpoint goes through, and the logs tests read.

Order per API request: fault roll → latency → auth (401) → rate limit (429, headers) → v3 not yet available (403,
/v3/alert_routes of an organisation not migrated) → scope (403) → hang (504) → 5xx before commit (writes) → handler
→ 5xx or dropped connection after commit (writes that committed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from reconciler.emulator.errors import ErrorDetail, WireError, error_response
from reconciler.emulator.faults import FaultInjector
from reconciler.emulator.ratelimit import RateLimiter
from reconciler.emulator.scopes import ApiKey
from reconciler.emulator.settings import EmulatorSettings, FaultProfile
from reconciler.emulator.state import EmulatorState, Obj

DROP_SCOPE_KEY = "emulator.drop_connection"
V3_ROUTES = "/v3/alert_routes"
NOT_YET_AVAILABLE = (
    "The v3 alert routes API is not yet available for this organisation; use /v2/alert_routes until it has been "
    "migrated"
)


@dataclass
class Call:
    """What a handler gets: the request, the authenticated key, and where a committed write is recorded."""

    request: Request
    key: ApiKey
    write: Obj | None = None


Handler = Callable[["Emulator", Call], Awaitable[Response]]


class DropResponse(Response):
    """No response at all: the connection is closed (see app.ConnectionDropper)."""

    def __init__(self) -> None:
        super().__init__(status_code=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[DROP_SCOPE_KEY]()


@dataclass
class Emulator:
    """One running emulator: state, settings, rate limiter, fault injector, write log and request log."""

    state: EmulatorState
    settings: EmulatorSettings
    write_log: list[Obj] = field(default_factory=list)
    request_log: list[Obj] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.settings
        self.limiter = RateLimiter(s.rate_limit_per_minute, s.rate_limit_initial_tokens, s.retry_after_format)
        self.faults = FaultInjector(s.faults)
        if s.not_migrated:
            self.state.organisation.v3_migrated = False

    def set_faults(self, profile: FaultProfile) -> None:
        """Replace the fault profile (and restart its random sequence from the profile's seed)."""
        self.faults = FaultInjector(profile)

    def commit(self, call: Call, method: str, route_id: str, version: int | None, name: str) -> None:
        """Record a write that changed state (called by handlers right after the change)."""
        path = call.request.url.path
        entry: Obj = {
            "seq": len(self.write_log) + 1,
            "method": method,
            "path": path,
            "api_version": path.split("/", 2)[1],  # "v2" or "v3": which API the write came through
            "route_id": route_id,
            "version": version,
            "name": name,
            "key": call.key.name,
            "at": datetime.now(UTC).isoformat(),
            "outcome": "ok",
        }
        self.write_log.append(entry)
        call.write = entry

    def _authenticate(self, request: Request) -> ApiKey:
        header = request.headers.get("authorization")
        if not header:
            raise WireError.one(401, "missing_authorization_material", "No authorization material provided in request")
        scheme, _, token = header.partition(" ")
        key = self.state.keys.get(token.strip()) if scheme.lower() == "bearer" else None
        if key is None:
            # Never echo the presented value: it may be a real secret.
            raise WireError.one(401, "invalid_authorization_material", "The API key provided is not valid")
        return key

    def _rate_limited(self, key: ApiKey, retry_at: float, headers: dict[str, str]) -> WireError:
        retry = datetime.fromtimestamp(retry_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        limit = {"name": key.name, "limit": self.limiter.limit, "remaining": 0, "retry_after": retry}
        problem = ErrorDetail("too_many_requests", "You have exceeded the rate limit; retry after the Retry-After time")
        return WireError(429, [problem], headers=headers, extra={"rate_limit": limit})

    async def dispatch(self, request: Request, scope_name: str | None, write: bool, handler: Handler) -> Response:
        roll = self.faults.roll()
        headers: dict[str, str] = {}
        key_name: str | None = None
        try:
            if roll.delay_s:
                await asyncio.sleep(roll.delay_s)
            key = self._authenticate(request)
            key_name = key.name
            if self.settings.rate_limit_enabled or roll.extra_429:
                decision = self.limiter.take(key.key, force_deny=roll.extra_429)
                headers = decision.headers
                if not decision.allowed:
                    raise self._rate_limited(key, decision.retry_at, headers)
            if request.url.path.startswith(V3_ROUTES) and not self.state.organisation.v3_migrated:
                raise WireError.one(403, "api_not_yet_available", NOT_YET_AVAILABLE)
            if scope_name is not None and scope_name not in key.scopes:
                raise WireError.one(403, "missing_scope", f"This API key does not have the {scope_name} scope")
            if roll.hang:
                await asyncio.sleep(self.faults.profile.hang_seconds)
                raise WireError.one(504, "gateway_timeout", "The request timed out")
            if write and roll.error_before_commit:
                raise self._injected_error()
            call = Call(request, key)
            response = await handler(self, call)
            if call.write is not None:
                if roll.error_after_commit:
                    call.write["outcome"] = "error_after_commit"
                    raise self._injected_error()
                if roll.drop_after_commit:
                    call.write["outcome"] = "dropped"
                    response = DropResponse()
            response.headers.update(headers)
        except WireError as exc:
            response = error_response(exc, headers)
        self.request_log.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "status": response.status_code or None,  # None: the connection was dropped
                "key": key_name,
                "at": time.time(),
            }
        )
        return response

    def _injected_error(self) -> WireError:
        status = self.faults.profile.error_status
        return WireError.one(status, "internal_error", "Something went wrong (injected fault)")
