"""Emulator settings and the fault profile (`--faults FILE`, or `POST /_emulator/faults` at runtime).

The rate limit can be changed at runtime too (`POST /_emulator/rate_limit`, see `rate_limit_from_dict`).

Fault profile file (JSON or YAML), every key optional; rates are probabilities 0..1 drawn per request from
`random.Random(seed)`, so a given seed and request sequence always injects the same faults:

    seed: 42
    latency_ms: 5              # fixed delay added to every API request
    jitter_ms: 10              # plus uniform 0..jitter_ms
    error_before_commit: 0.1   # writes: 5xx before anything changes
    error_after_commit: 0.1    # writes: the change commits (and is in the write log), then a 5xx
    drop_after_commit: 0.1     # writes: the change commits, then the connection closes without a response
    extra_429: 0.05            # any API request: 429 rate_limit although tokens remain
    hang: 0.01                 # any API request: sleeps hang_seconds, then 504; a hung request never commits
    hang_seconds: 30
    error_status: 500          # the status of injected 5xx responses
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

RetryAfterFormat = Literal["seconds", "http-date"]

_RATE_FIELDS = ("error_before_commit", "error_after_commit", "drop_after_commit", "extra_429", "hang")


@dataclass(frozen=True)
class FaultProfile:
    """Which faults to inject and how often; the default injects nothing."""

    seed: int = 0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_before_commit: float = 0.0
    error_after_commit: float = 0.0
    drop_after_commit: float = 0.0
    extra_429: float = 0.0
    hang: float = 0.0
    hang_seconds: float = 30.0
    error_status: int = 500

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultProfile:
        """Build from a mapping; unknown keys, wrong types and rates outside 0..1 raise ValueError."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)} (known: {', '.join(known)})")
        values: dict[str, Any] = {}
        for name, raw in data.items():
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError(f"fault setting {name} must be a number, got {raw!r}")
            values[name] = int(raw) if name in ("seed", "error_status") else float(raw)
            if name in _RATE_FIELDS and not 0.0 <= values[name] <= 1.0:
                raise ValueError(f"fault rate {name} must be between 0 and 1, got {raw!r}")
            if name not in _RATE_FIELDS and values[name] < 0:
                raise ValueError(f"fault setting {name} must not be negative, got {raw!r}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain data (what `GET /_emulator/faults` shows)."""
        return dataclasses.asdict(self)


def load_faults(path: Path) -> FaultProfile:
    """Read a fault profile from a JSON or YAML file."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a fault profile must be a mapping")
    return FaultProfile.from_dict(data)


@dataclass(frozen=True)
class EmulatorSettings:
    """Behaviour knobs the real API leaves undocumented or that tests need to change."""

    # The status/code of a PUT whose version is not live+1 (the real one is undocumented; assumption: 409 conflict).
    version_conflict_status: int = 409
    version_conflict_code: str = "conflict"
    rate_limit_enabled: bool = True
    rate_limit_per_minute: int = 1200
    # Tokens each key starts with; None = a full bucket, 0 = "starts empty".
    rate_limit_initial_tokens: float | None = None
    retry_after_format: RetryAfterFormat = "seconds"
    faults: FaultProfile = field(default_factory=FaultProfile)
    # An organisation incident.io has not moved to the v3 alert-route API: /v3/alert_routes answers 403
    # `api_not_yet_available` (the same as the state file's `organisation.v3_migrated: false`).
    not_migrated: bool = False
    # v3 leaves out the fields it only sets while a gate is on (incident template, auto_decline_enabled and
    # condition_groups while incident creation is off); True sends them as JSON nulls instead (see views.py).
    v3_explicit_nulls: bool = False


_RATE_LIMIT_KEYS = {
    "enabled": "rate_limit_enabled",
    "per_minute": "rate_limit_per_minute",
    "initial_tokens": "rate_limit_initial_tokens",
    "retry_after_format": "retry_after_format",
}


def rate_limit_to_dict(settings: EmulatorSettings) -> dict[str, Any]:
    """The rate-limit settings as plain data (what `GET /_emulator/rate_limit` shows)."""
    return {short: getattr(settings, name) for short, name in _RATE_LIMIT_KEYS.items()}


def rate_limit_from_dict(settings: EmulatorSettings, data: dict[str, Any]) -> EmulatorSettings:
    """`settings` with the rate-limit keys in `data` changed (every key optional); bad keys or values: ValueError.

    Keys: enabled (bool), per_minute (int > 0), initial_tokens (number >= 0, or null for a full bucket),
    retry_after_format ("seconds" | "http-date").
    """
    unknown = sorted(set(data) - set(_RATE_LIMIT_KEYS))
    if unknown:
        raise ValueError(f"unknown rate-limit setting(s): {', '.join(unknown)} (known: {', '.join(_RATE_LIMIT_KEYS)})")
    changes: dict[str, Any] = {}
    for short, raw in data.items():
        if short == "enabled" and not isinstance(raw, bool):
            raise ValueError(f"enabled must be true or false, got {raw!r}")
        if short == "per_minute" and (isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0):
            raise ValueError(f"per_minute must be a positive integer, got {raw!r}")
        if short == "initial_tokens" and raw is not None:
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                raise ValueError(f"initial_tokens must be a number >= 0 or null, got {raw!r}")
            raw = float(raw)
        if short == "retry_after_format" and raw not in ("seconds", "http-date"):
            raise ValueError(f"retry_after_format must be 'seconds' or 'http-date', got {raw!r}")
        changes[_RATE_LIMIT_KEYS[short]] = raw
    return dataclasses.replace(settings, **changes)
