"""Seeded fault injection: one fixed set of draws per API request, so a seed and a request sequence fix the faults.

Every request draws the same number of values whatever happens to it, so the faults a request gets depend only on
the seed and its position in the sequence, not on what earlier requests did.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reconciler.emulator.settings import FaultProfile


@dataclass(frozen=True)
class Roll:
    """The faults one request gets (write-only kinds are ignored for reads)."""

    delay_s: float
    hang: bool
    extra_429: bool
    error_before_commit: bool
    error_after_commit: bool
    drop_after_commit: bool


NO_FAULTS = Roll(0.0, False, False, False, False, False)


class FaultInjector:
    """Draws a `Roll` per request from `random.Random(profile.seed)`."""

    def __init__(self, profile: FaultProfile):
        self.profile = profile
        self._rng = random.Random(profile.seed)
        self.active = self._is_active(profile)

    @staticmethod
    def _is_active(p: FaultProfile) -> bool:
        rates = (p.error_before_commit, p.error_after_commit, p.drop_after_commit, p.extra_429, p.hang)
        return p.latency_ms > 0 or p.jitter_ms > 0 or any(r > 0 for r in rates)

    def roll(self) -> Roll:
        if not self.active:
            return NO_FAULTS
        p = self.profile
        draws = [self._rng.random() for _ in range(6)]
        delay_ms = p.latency_ms + draws[0] * p.jitter_ms
        return Roll(
            delay_s=delay_ms / 1000.0,
            hang=draws[1] < p.hang,
            extra_429=draws[2] < p.extra_429,
            error_before_commit=draws[3] < p.error_before_commit,
            error_after_commit=draws[4] < p.error_after_commit,
            # Only one ambiguous outcome per write: a 5xx after commit wins over a drop.
            drop_after_commit=draws[5] < p.drop_after_commit,
        )
