"""Drift: how live incident.io differs from git, read off a plan (and never acted on).

Pure: no I/O. A drift report reinterprets a plan built read-only: an update is a live route that *differs* from its
file, a delete or an unmanaged route is a live route *no file declares*, a create is a route in git *missing from
live*. `fingerprint` identifies one state of drift (same drift, same fingerprint), so a follow-up (an issue, an
incident) can tell "still the same drift" from "new drift".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.model import Action, Plan


class DriftKind(StrEnum):
    """What kind of difference a route shows."""

    DIFFERS = "differs"  # live route differs from its file
    UNMANAGED = "unmanaged"  # live route with no file
    MISSING = "missing"  # file with no live route

    @property
    def describe(self) -> str:
        return {
            "differs": "differs from git",
            "unmanaged": "unmanaged live route (no file)",
            "missing": "missing from live",
        }[self.value]


@dataclass(frozen=True)
class DriftEntry:
    """One drifted route: its name, id, file, the fields that differ, and a diff from git to live."""

    kind: DriftKind
    name: str
    route_id: str | None = None
    live_version: int | None = None
    source: str | None = None
    fields: tuple[str, ...] = ()
    values: tuple[tuple[str, Any, Any], ...] = ()  # (field, in git, live), for the fingerprint and JSON
    git_doc: Any = None  # the route in the file format as git has it, and as live has it (for a diff)
    live_doc: Any = None


@dataclass(frozen=True)
class DriftReport:
    """Every drifted route, sorted by kind then name, plus how many routes are in sync."""

    entries: tuple[DriftEntry, ...] = ()
    in_sync: int = 0
    live_count: int = 0

    @property
    def drifted(self) -> bool:
        return bool(self.entries)

    def count(self, kind: DriftKind) -> int:
        return sum(1 for entry in self.entries if entry.kind is kind)

    @property
    def summary(self) -> str:
        """`1 differs from git, 2 unmanaged, 0 missing from live`."""
        return (
            f"{self.count(DriftKind.DIFFERS)} differ from git, {self.count(DriftKind.UNMANAGED)} unmanaged, "
            f"{self.count(DriftKind.MISSING)} missing from live"
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self)


_KIND_ORDER = {DriftKind.DIFFERS: 0, DriftKind.UNMANAGED: 1, DriftKind.MISSING: 2}


def build_drift_report(plan: Plan) -> DriftReport:
    """The drift a read-only plan shows."""
    entries: list[DriftEntry] = []
    for change in plan.changes:
        if change.action is Action.UPDATE:
            entries.append(
                DriftEntry(
                    kind=DriftKind.DIFFERS,
                    name=change.name,
                    route_id=change.route_id,
                    live_version=change.live_version,
                    source=change.source,
                    fields=tuple(sorted({f.path for f in change.fields})),
                    values=tuple(sorted(((f.path, f.new, f.old) for f in change.fields), key=lambda v: v[0])),
                    git_doc=change.desired_doc,
                    live_doc=change.live_doc,
                )
            )
        elif change.action is Action.DELETE:
            entries.append(DriftEntry(DriftKind.UNMANAGED, change.name, change.route_id, change.live_version))
        else:
            entries.append(DriftEntry(DriftKind.MISSING, change.name, source=change.source))
    for route in plan.unmanaged:
        entries.append(DriftEntry(DriftKind.UNMANAGED, route.name, route.route_id, route.version))
    entries.sort(key=lambda e: (_KIND_ORDER[e.kind], e.name, e.route_id or ""))
    return DriftReport(entries=tuple(entries), in_sync=plan.in_sync, live_count=plan.live_count)


def report_data(report: DriftReport) -> dict[str, Any]:
    """The report as JSON-ready data (`reconciler drift --format json`)."""
    return {
        "drift": report.drifted,
        "fingerprint": report.fingerprint if report.drifted else None,
        "in_sync": report.in_sync,
        "live_count": report.live_count,
        "routes": [
            {
                "kind": e.kind.value,
                "name": e.name,
                "route_id": e.route_id,
                "live_version": e.live_version,
                "source": e.source,
                "fields": [{"path": path, "git": git, "live": live} for path, git, live in e.values]
                or [{"path": path} for path in e.fields],
            }
            for e in report.entries
        ],
    }


def fingerprint(report: DriftReport) -> str:
    """`sha256:<hex>` of the canonical drift data (kinds, routes, fields and values; not versions or counts)."""
    canonical = [[e.kind.value, e.route_id, e.name, e.source, [list(v) for v in e.values]] for e in report.entries]
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
