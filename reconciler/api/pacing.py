"""Client-side pacing: at most `max_in_flight` requests at once, and a token bucket that mirrors the server's.

incident.io limits each key with a token bucket (1200 per minute, refilled continuously) and reports it on every
response: `X-RateLimit-Limit: 1200, 1200;window=60` and `X-RateLimit-Remaining: <tokens left>`. The client keeps
its own copy of that bucket and waits for a token before sending, so that a read of 1000 routes against an empty
bucket runs at the refill rate (20/s) instead of bouncing off 429s:

* Until the first response, one request at a time (the probe): we cannot know the budget before the server says.
* No rate-limit headers (the emulator without limits, a proxy): no pacing beyond `max_in_flight`.
* Each response re-anchors the local estimate: the server had `Remaining` tokens (floored) right after serving it,
  and any other request still in flight may not have been counted yet, so the estimate is kept within
  [Remaining - in_flight, Remaining - in_flight + 1) (conservative: some may already be counted). Keeping the
  fractional part between anchors matters: resetting to the floored value on each response would waste up to one
  token per response (a third of the rate at 20/s).
* A response older than one already used (responses arrive out of order) carries staler news and is ignored.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)")
_WINDOW = re.compile(r"window=(\d+(?:\.\d+)?)")
_EPSILON = 1e-3


def parse_limit(headers: Mapping[str, str]) -> tuple[float, float, float] | None:
    """(limit, window seconds, remaining) from the rate-limit headers, or None when absent or unreadable."""
    limit_text = headers.get("x-ratelimit-limit")
    remaining_text = headers.get("x-ratelimit-remaining")
    if limit_text is None or remaining_text is None:
        return None
    first = limit_text.split(",")[0]  # the binding limit comes first; the others follow with their windows
    match = _LIMIT.match(first)
    try:
        remaining = float(remaining_text.strip())
    except ValueError:
        return None
    if not match or float(match.group(1)) <= 0:
        return None
    window = _WINDOW.search(limit_text)
    return float(match.group(1)), float(window.group(1)) if window else 60.0, max(0.0, remaining)


def loop_time() -> float:
    """The running event loop's time (`time.monotonic` for asyncio's own loops), or `time.monotonic` outside one."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


class TokenBucket:
    """The local mirror of the server's bucket; `acquire` hands out send tickets (sequence numbers)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        # The event loop's clock by default: the one `asyncio.sleep` waits on (and a test's fake loop controls).
        self._clock = clock or loop_time
        self._sleep = sleep
        self.capacity: float | None = None  # unknown until the server tells (None: no pacing)
        self.rate = 0.0  # tokens per second
        self.tokens = 0.0
        self._stamp = self._clock()
        self._sent = 0  # tickets handed out
        self._in_flight: set[int] = set()  # tickets sent and not yet answered
        self._anchor = -1  # the ticket whose response last re-anchored the estimate
        self._lock = asyncio.Lock()
        self._probe_out = False
        self._probed = asyncio.Event()

    def _refill(self) -> None:
        now = self._clock()
        if self.capacity is not None:
            self.tokens = min(self.capacity, self.tokens + self.rate * (now - self._stamp))
        self._stamp = now

    async def acquire(self) -> int:
        """Wait until a request may be sent; return its ticket (pass it to `observe` with the response)."""
        async with self._lock:  # FIFO: waiters are served in arrival order
            if not self._probed.is_set():
                if self._probe_out:
                    await self._probed.wait()
                else:
                    self._probe_out = True
                    return self._ticket()
            while self.capacity is not None:
                self._refill()
                if self.tokens >= 1.0 - _EPSILON:
                    self.tokens -= 1.0
                    break
                await self._sleep(max((1.0 - self.tokens) / self.rate, 0.001))
            return self._ticket()

    def _ticket(self) -> int:
        self._sent += 1
        self._in_flight.add(self._sent - 1)
        return self._sent - 1

    def release(self, ticket: int) -> None:
        """A request ended, however: it is no longer in flight, and the probe no longer holds the others back."""
        self._in_flight.discard(ticket)
        self._probed.set()

    def observe(self, ticket: int, headers: Mapping[str, str] | None) -> None:
        """Learn from the response to `ticket` (None when none arrived)."""
        self.release(ticket)
        learned = parse_limit(headers) if headers is not None else None
        if learned is None or ticket < self._anchor:
            return
        limit, window, remaining = learned
        self._refill()
        first = self.capacity is None
        self.capacity, self.rate, self._anchor = limit, limit / window, ticket
        low = remaining - len(self._in_flight)  # answered ones are out of the set; these may be uncounted
        if first:
            self.tokens = low
        else:
            self.tokens = min(max(self.tokens, low), low + 1.0 - _EPSILON)


class Pacer:
    """A semaphore on requests in flight plus the token bucket; use `async with pacer.slot() as ticket`."""

    def __init__(self, max_in_flight: int, bucket: TokenBucket | None = None) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._slots = asyncio.Semaphore(max_in_flight)
        self.bucket = bucket or TokenBucket()

    def slot(self) -> _Slot:
        """`async with pacer.slot() as ticket:` one request in flight, sent when the bucket allows."""
        return _Slot(self)

    def observe(self, ticket: int, headers: Mapping[str, str] | None) -> None:
        self.bucket.observe(ticket, headers)


class _Slot:
    """One request's place: the in-flight semaphore, then a ticket from the bucket; both given back on exit.

    A class rather than an `asynccontextmanager` generator: this runs for every request, and the generator's
    machinery cost more than the pacing itself.
    """

    __slots__ = ("_pacer", "_ticket")

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self._ticket = -1

    async def __aenter__(self) -> int:
        await self._pacer._slots.acquire()
        try:
            self._ticket = await self._pacer.bucket.acquire()
        except BaseException:
            self._pacer._slots.release()
            raise
        return self._ticket

    async def __aexit__(self, *_: object) -> None:
        self._pacer.bucket.release(self._ticket)
        self._pacer._slots.release()
