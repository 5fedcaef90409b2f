"""A token bucket per API key, with incident.io's `X-RateLimit-*` headers and 429 details."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from email.utils import formatdate

from reconciler.emulator.settings import RetryAfterFormat


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True)
class Decision:
    """The outcome of taking one token: allowed or not, and the headers every keyed response carries."""

    allowed: bool
    headers: dict[str, str]
    retry_after_s: int
    retry_at: float  # unix time when a token is available again


class RateLimiter:
    """Burst = limit, refill limit/60 per second (1200/min → 20/s), one bucket per key."""

    def __init__(self, limit_per_minute: int, initial_tokens: float | None, retry_after_format: RetryAfterFormat):
        self.limit = limit_per_minute
        self.rate = limit_per_minute / 60.0
        self.initial = float(limit_per_minute) if initial_tokens is None else float(initial_tokens)
        self.retry_after_format = retry_after_format
        self._buckets: dict[str, Bucket] = {}

    def _refill(self, key: str, now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(self.initial, now)
        elif now > bucket.updated:
            bucket.tokens = min(float(self.limit), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def take(self, key: str, *, force_deny: bool = False) -> Decision:
        """Take a token for `key`; `force_deny` answers as if the bucket were empty (the extra-429 fault)."""
        now = time.monotonic()
        wall = time.time()
        bucket = self._refill(key, now)
        allowed = bucket.tokens >= 1.0 and not force_deny
        if allowed:
            bucket.tokens -= 1.0
        remaining = max(0, math.floor(bucket.tokens))
        wait = 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / self.rate
        retry_after_s = max(1, math.ceil(wait))
        full_at = wall + (self.limit - bucket.tokens) / self.rate
        headers = {
            # The binding limit, then every limit with its window (one limit here).
            "X-RateLimit-Limit": f"{self.limit}, {self.limit};window=60",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Used": str(self.limit - remaining),
            "X-RateLimit-Reset": str(math.ceil(full_at)),
        }
        if not allowed:
            headers["Retry-After"] = self.retry_after_value(wall + retry_after_s, retry_after_s)
        return Decision(allowed, headers, retry_after_s, wall + retry_after_s)

    def retry_after_value(self, at: float, seconds: int) -> str:
        if self.retry_after_format == "http-date":
            return formatdate(math.ceil(at), usegmt=True)
        return str(seconds)
