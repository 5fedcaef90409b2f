"""The HTTP core of the incident.io client: auth, pacing, retries, error mapping, pagination, the request log.

Only `reconciler/api/` imports httpx. Every attempt goes through the pacer (in-flight limit plus token bucket),
is recorded in `request_log`, and ends in parsed JSON or an `ApiError` whose text never holds the API key.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
from tenacity import AsyncRetrying, retry_if_exception

from reconciler import __version__
from reconciler.api.credentials import credential_problem, secret_forms
from reconciler.api.errors import (
    SAFE_METHODS,
    ApiError,
    ReadOnlyViolation,
    ServerError,
    TransportFailure,
    describe,
    error_messages,
    expect,
)
from reconciler.api.pacing import Pacer
from reconciler.api.retry import RetryPolicy, parse_retry_after, should_retry
from reconciler.api.transport import ReadOnlyTransport, ShardedTransport, read_only_text
from reconciler.errors import ConfigError

# Requests in flight at most. The key's token bucket, not concurrency, bounds the rate (the pacer keeps under it),
# so this only sets how much latency is hidden: against the emulator with 50 ms added latency a 1000-route read took
# 4.2 s at 16, 2.7 s at 32, 2.5 s at 64 and 2.4 s at 96 (client CPU-bound from 64 on), and the rate-bound read
# stayed at 1.00x its floor with one 429 at 32, 64 and 96 alike (benchmarks/README.md).
DEFAULT_MAX_IN_FLIGHT = 64

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})  # httpx sends `Content-Length: 0` for these even without a body
_NO_BODY = httpx.ByteStream(b"")

# httpx failures that happen before a single byte of the request left: safe to resend for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP attempt: status 0 means no response arrived; attempt counts from 1 per request."""

    method: str
    path: str
    status: int
    attempt: int
    seconds: float


class ApiCore:
    """Sends requests to the incident.io API; see `IncidentIO` for the endpoints."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        read_only: bool = False,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        problem = credential_problem(api_key)
        if problem is not None:  # the CLI checks first; this keeps any other caller from sending (or leaking) it
            raise ConfigError(f"the API key is not usable: {problem}")
        self.read_only = read_only
        self.retry = retry or RetryPolicy()
        self.on_progress = on_progress
        self.request_log: list[RequestRecord] = []
        self._pacer = Pacer(max_in_flight)
        self._secrets = secret_forms(api_key)
        self.max_in_flight = max_in_flight
        # The lean request path (issue 16): no `httpx.AsyncClient` in between. Its per-request work (URL merging and
        # re-parsing, header merging, the cookie jar's extraction on every response, the auth and redirect loops)
        # was about a third of the client's CPU per request, and none of it serves this API: one base URL, fixed
        # headers, no cookies, no redirects followed. Requests are built here once, with the headers prepared once,
        # and sent straight to the transport, which still enforces the read-only guard.
        self.base_url = httpx.URL(base_url.rstrip("/"))
        self._prefix = str(self.base_url)
        self._headers = httpx.Headers(
            {
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
                "User-Agent": f"reconciler/{__version__}",
                "Host": self.base_url.netloc.decode("ascii"),
            }
        )
        self._timeout = httpx.Timeout(timeout, connect=min(5.0, timeout)).as_dict()
        inner = transport or ShardedTransport(max_in_flight)
        self._transport = ReadOnlyTransport(inner) if read_only else inner

    def __repr__(self) -> str:  # the default repr is safe too; this one is useful
        return f"{type(self).__name__}(base_url={self._prefix!r}, read_only={self.read_only})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    def build(self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None) -> httpx.Request:
        """The request for `path` (from the API's root, e.g. `/v1/identity`): its URL parsed once, headers prepared.

        The body is given as a ready stream with its headers, as httpx would encode it (compact UTF-8 JSON): httpx
        then leaves the prepared headers as they are instead of re-normalising all of them for every request.
        """
        url = httpx.URL(self._prefix + path, params=params) if params else httpx.URL(self._prefix + path)
        extensions = {"timeout": self._timeout}
        if body is None and method not in _WITH_BODY:
            return httpx.Request(method, url, headers=self._headers, stream=_NO_BODY, extensions=extensions)
        headers = httpx.Headers(self._headers)
        content = b""
        if body is not None:
            content = jsonlib.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(content))
        return httpx.Request(method, url, headers=headers, stream=httpx.ByteStream(content), extensions=extensions)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send through the transport and read the whole body (closing the response however that ends)."""
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    def scrub(self, text: str) -> str:
        """`text` with the API key (raw, Base64, URL-encoded) replaced: for anything taken from outside."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any:
        """Send one request (with retries); return the parsed JSON body, or None for an empty one (204)."""
        method = method.upper()
        if self.read_only and method not in SAFE_METHODS:
            raise ReadOnlyViolation(read_only_text(method, path), method=method, path=path)
        # The first attempt outside tenacity: most requests need no other, and setting up its retry loop was ~5% of
        # the client's CPU per request. A failure worth retrying becomes attempt 1's outcome inside the loop below,
        # so the waits and the attempt count are exactly tenacity's.
        try:
            return await self._attempt(method, path, params, json, 1)
        except Exception as error:
            if not should_retry(method, error):
                raise
            first = error
        retrying = AsyncRetrying(
            stop=self.retry.stop,
            wait=self.retry.wait,
            retry=retry_if_exception(lambda error: should_retry(method, error)),
            sleep=self.retry.sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                if number == 1:
                    raise first
                return await self._attempt(method, path, params, json, number)
        raise AssertionError("unreachable: tenacity either returns or reraises")  # pragma: no cover

    async def _attempt(self, method: str, path: str, params: Mapping[str, Any] | None, body: Any, attempt: int) -> Any:
        async with self._pacer.slot() as ticket:
            started = time.monotonic()
            try:
                response = await self.send(self.build(method, path, params, body))
            except httpx.HTTPError as exc:
                self._log(method, path, 0, attempt, started)
                raise self._transport_failure(method, path, exc) from None
            self._pacer.observe(ticket, response.headers)
            self._log(method, path, response.status_code, attempt, started)
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ServerError(
                    f"incident.io answered {method} {path} with a body that is not JSON ({response.status_code})",
                    method=method,
                    path=path,
                    status=response.status_code,
                ) from None
        raise self._http_error(method, path, response)

    def _log(self, method: str, path: str, status: int, attempt: int, started: float) -> None:
        seconds = time.monotonic() - started
        self.request_log.append(RequestRecord(method, self.scrub(path), status, attempt, seconds))

    def _transport_failure(self, method: str, path: str, exc: httpx.HTTPError) -> TransportFailure:
        kind = type(exc).__name__
        shown = self.scrub(path)
        detail = self.scrub(str(exc)) or "no details"
        if isinstance(exc, _NOT_SENT):
            text = f"could not reach incident.io for {method} {shown} ({kind}: {detail})"
            return TransportFailure(text, sent=False, method=method, path=shown)
        outcome = "it is unknown whether it was applied" if method not in SAFE_METHODS else "no data was received"
        text = f"{method} {shown} got no answer from incident.io ({kind}: {detail}); {outcome}"
        return TransportFailure(text, sent=True, method=method, path=shown)

    def _http_error(self, method: str, path: str, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        source = first.get("source")
        field = source.get("field") if isinstance(source, dict) else None
        messages = error_messages(errors)
        request_id = body.get("request_id") if isinstance(body, dict) else None
        retry_after = None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers, body)
        return describe(
            response.status_code,
            method,
            self.scrub(path),
            code=self._text(first.get("code")),
            field=self._text(field),
            detail=self.scrub("; ".join(messages)) if messages else None,
            request_id=self._text(request_id or response.headers.get("x-request-id")),
            retry_after=retry_after,
        )

    def _text(self, value: Any) -> str | None:
        """A string taken from a response, scrubbed (a server may echo the request, key included)."""
        return self.scrub(value) if isinstance(value, str) and value else None

    async def iter_pages(
        self, path: str, item_key: str, *, page_size: int, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[list[Any]]:
        """Follow the `after` cursor, yielding each non-empty page's items in order."""
        query = {**(params or {}), "page_size": page_size}
        body = await self.request("GET", path, params=query)
        async for page in self.pages_from(body, path, item_key, page_size, params=params):
            yield page

    async def pages_from(
        self, body: Any, path: str, item_key: str, page_size: int, *, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[list[Any]]:
        """The pages of a list whose first page's `body` is already here: yield it, then follow the cursor."""
        query = {**(params or {}), "page_size": page_size}
        seen: set[str] = set()
        while True:
            items = expect(body, item_key, "GET", path)
            if not isinstance(items, list):
                raise ApiError(f"incident.io answered GET {path} with an unexpected body", method="GET", path=path)
            if items:
                yield items
            meta = body.get("pagination_meta")
            after = meta.get("after") if isinstance(meta, dict) else None
            # A full last page still carries a cursor; the next, empty page ends the walk.
            if not after or not items:
                return
            if after in seen:
                raise ApiError(f"incident.io repeated a page cursor for GET {path}", method="GET", path=path)
            seen.add(after)
            query["after"] = after
            body = await self.request("GET", path, params=query)

    async def paginate(
        self, path: str, item_key: str, *, page_size: int, params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """Every item of a paginated list endpoint."""
        return [
            item async for page in self.iter_pages(path, item_key, page_size=page_size, params=params) for item in page
        ]


def segment(value: str) -> str:
    """An id as one URL path segment (no `/` or `..` can leave it)."""
    return quote(value, safe="")
