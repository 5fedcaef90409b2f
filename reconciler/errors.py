"""Errors as data: located problems, and the one exception tree the CLI catches.

Pure: no I/O. The tree:

* ReconcilerError              anything the CLI reports without a traceback (exit 1)
  x InputError                 route files: carries every located `Problem` at once
  x ConfigError                missing key, bad option values, unreadable plan file
  x ApiError                   (reconciler.api.errors) an HTTP failure, with method, path, status
  x UnsafePlan                 a plan over the safety limits, a checksum mismatch, a protected delete

Anything else escaping to the CLI is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

JsonPath = tuple[str | int, ...]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(path: JsonPath) -> str:
    """`("alert_sources", 0, "conditions")` → `$.alert_sources[0].conditions` (odd keys as `$["#alerts"]`).

    The one spelling of a field's place in every `Problem`, whichever step (load, validate, resolve) found it.
    """
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: 1-based line and column; 0 means "the whole file"."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, where it is, and the JSON path of the field.

    Renders as ``routes/x.yaml:12:7: $.escalation_config: message``.
    """

    location: Location
    path: str = "$"
    message: str = ""
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        return f"{self.location}: {self.path}: {self.message}"


class ReconcilerError(Exception):
    """Base of every error the CLI reports as a message rather than a traceback."""


class InputError(ReconcilerError):
    """Route files (or another input) are invalid; holds every problem found, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: Sequence[Problem] = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(ReconcilerError):
    """The command cannot start: a missing API key, a bad option, an unreadable file."""


class UnsafePlan(ReconcilerError):
    """The plan breaks a safety rule (too much change, checksum mismatch, protected route)."""
