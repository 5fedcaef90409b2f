"""When to retry an API request and how long to wait: the matrix of RELIABILITY.md §1.4, for tenacity.

| outcome                                   | GET            | POST / PUT / DELETE                          |
|-------------------------------------------|----------------|----------------------------------------------|
| connect error, nothing sent               | retry          | retry                                        |
| 429                                       | retry after Retry-After, clamped (1–60 s by default)           |
| 5xx, read timeout, reset after sending    | retry (jitter) | raise, `ambiguous`: apply re-reads first      |
| 400, 401, 403, 404, 409, 412, 422         | raise          | raise                                        |

Backoff is AWS "full jitter" (as tenacity's `wait_random_exponential`): base 0.5 s, cap 30 s, at most 5
attempts, and at most 2 min of sleeping per request.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from tenacity import RetryCallState

from reconciler.api.errors import SAFE_METHODS, RateLimited, ServerError, TransportFailure


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries. Tests and benchmarks shrink the waits (min_retry_after, base) or inject `sleep`."""

    attempts: int = 5  # attempts per request, the first included
    base: float = 0.5  # full-jitter backoff: the n-th retry waits uniform(0, min(cap, base * 2**(n-1)))
    cap: float = 30.0
    min_retry_after: float = 1.0  # a 429's wait is clamped into [min_retry_after, max_retry_after]
    max_retry_after: float = 60.0
    max_total_sleep: float = 120.0  # give up rather than sleep longer than this for one request
    sleep: Callable[[float], Awaitable[None]] = field(default=_sleep, compare=False)

    def clamp(self, seconds: float) -> float:
        """A 429 wait within the policy's bounds (NaN and infinities included)."""
        if math.isnan(seconds):
            seconds = self.min_retry_after
        return max(self.min_retry_after, min(self.max_retry_after, seconds))

    def backoff(self, attempt: int) -> float:
        """Full-jitter wait before retry number `attempt` (1 = the first retry)."""
        high = min(self.cap, self.base * 2.0 ** min(max(attempt - 1, 0), 60))
        return random.uniform(0.0, high)

    def wait(self, state: RetryCallState) -> float:
        """tenacity `wait`: Retry-After for a 429 (clamped), else full jitter."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            asked = error.retry_after
            return self.clamp(asked if asked is not None else self.backoff(state.attempt_number))
        return self.backoff(state.attempt_number)

    def stop(self, state: RetryCallState) -> bool:
        """tenacity `stop`: out of attempts, or the next sleep would exceed the sleep budget."""
        if state.attempt_number >= self.attempts:
            return True
        return state.idle_for + state.upcoming_sleep > self.max_total_sleep


def should_retry(method: str, error: BaseException) -> bool:
    """The retry matrix: may the client itself send this request again after `error`?"""
    if isinstance(error, RateLimited):
        return True  # rejected before doing anything, whatever the method
    if isinstance(error, TransportFailure):
        return not error.sent or method.upper() in SAFE_METHODS
    if isinstance(error, ServerError):
        # A write may have been committed: apply re-reads before any retry. 501 will not get better.
        return method.upper() in SAFE_METHODS and error.status != 501
    return False


def _seconds_until(text: str, now: datetime) -> float | None:
    """An HTTP-date (`Thu, 17 Apr 2025 11:17:18 UTC`/`GMT`) or RFC 3339 time, as seconds from `now`."""
    text = text.strip()
    when: datetime | None = None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def parse_retry_after(headers: Mapping[str, str], body: Any, now: datetime | None = None) -> float | None:
    """Seconds to wait after a 429, unclamped: header seconds, else header date, else body `rate_limit.retry_after`.

    None when nothing usable was given (the caller backs off instead).
    """
    now = now or datetime.now(UTC)
    header = headers.get("retry-after")
    if header is not None:
        try:
            return float(header.strip())
        except ValueError:
            seconds = _seconds_until(header, now)
            if seconds is not None:
                return seconds
    rate_limit = body.get("rate_limit") if isinstance(body, dict) else None
    value = rate_limit.get("retry_after") if isinstance(rate_limit, dict) else None
    if isinstance(value, str):
        return _seconds_until(value, now)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
