"""Drift: how live incident.io differs from git, and why, read off a plan (and never acted on).

Pure: no I/O. A drift report reinterprets a plan built read-only: an update is a live route that differs from its
file, a delete or an unmanaged route is a live route *no file declares*, a create is a route in git *missing from
live*. A route that differs is classified against the committed versions of its file (newest first, read by the
caller from git): live equal to an older version while the file moved on is an *unapplied merge*; live equal to no
version is a *dashboard edit* when the version closest to live is the file as it is, or *both* when the file has
changed since that version. Without history it stays *differs*. `fingerprint` identifies one state of drift (same
drift, same fingerprint), so a follow-up (an issue, an incident, a pull request) can tell "still the same drift"
from "new drift".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.core.diff import diff_routes, same
from reconciler.model import Action, Catalog, Change, Plan
from reconciler.route import Route


class DriftKind(StrEnum):
    """What kind of difference a route shows, and so what to do about it."""

    DASHBOARD_EDIT = "dashboard_edit"  # live changed after the last apply from git
    UNAPPLIED_MERGE = "unapplied_merge"  # git changed and live still holds what was applied before
    BOTH = "both"  # live changed and the file changed too
    DIFFERS = "differs"  # live route differs from its file, and no git history tells why
    UNMANAGED = "unmanaged"  # live route with no file
    MISSING = "missing"  # file with no live route

    @property
    def describe(self) -> str:
        return _DESCRIBE[self.value][0]

    @property
    def action(self) -> str:
        """What to do about a route with this kind of drift."""
        return _DESCRIBE[self.value][1]

    @property
    def changed(self) -> bool:
        """Whether a route with this drift has a file and a live route that differ."""
        return self in _CHANGED


_DESCRIBE = {
    "dashboard_edit": (
        "edited in the dashboard",
        "adopt the edit into git (`reconciler drift --adopt`), or apply git to undo it",
    ),
    "unapplied_merge": ("merged in git, not applied", "apply git (`reconciler apply`)"),
    "both": (
        "edited in the dashboard and in git",
        "merge the dashboard edit into the file by hand, then apply",
    ),
    "differs": ("differs from git", "adopt the live change into git, or apply git to undo it"),
    "unmanaged": (
        "unmanaged live route (no file)",
        "adopt it as a file (`reconciler drift --adopt`), or delete it (`reconciler apply --prune`)",
    ),
    "missing": ("missing from live", "apply git to create it, or remove the file"),
}
_CHANGED = frozenset({"dashboard_edit", "unapplied_merge", "both", "differs"})


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
    live: Route | None = None  # the live route in the model (what adopting writes back into the file)


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
        """`3 differ from git (1 dashboard edit, 1 unapplied merge, 1 both), 2 unmanaged, 0 missing from live`."""
        differ = sum(1 for entry in self.entries if entry.kind.changed)
        why = [
            f"{self.count(kind)} {label}"
            for kind, label in (
                (DriftKind.DASHBOARD_EDIT, "dashboard edit"),
                (DriftKind.UNAPPLIED_MERGE, "unapplied merge"),
                (DriftKind.BOTH, "both"),
            )
            if self.count(kind)
        ]
        reasons = f" ({', '.join(why)})" if why else ""
        return (
            f"{differ} differ from git{reasons}, {self.count(DriftKind.UNMANAGED)} unmanaged, "
            f"{self.count(DriftKind.MISSING)} missing from live"
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self)


KIND_ORDER = {kind: index for index, kind in enumerate(DriftKind)}  # the order reports group by


def classify(desired: Route, live: Route, history: Sequence[Route], catalog: Catalog) -> DriftKind:
    """Why `live` differs from `desired` (the route file now), given the file's committed versions, newest first.

    Deterministic: live equal to a committed version other than the file now is an unapplied merge; otherwise the
    version closest to live (fewest differing fields; the newer on a tie) is the one live was last applied from,
    and it being the file now makes a dashboard edit, an older one both.
    """
    if not history:
        return DriftKind.DIFFERS
    if any(same(version, live) and not same(version, desired) for version in history):
        return DriftKind.UNAPPLIED_MERGE
    versions = [desired, *history]
    closest = min(range(len(versions)), key=lambda i: (len(diff_routes(versions[i], live, catalog)), i))
    return DriftKind.DASHBOARD_EDIT if same(versions[closest], desired) else DriftKind.BOTH


def _changed_kind(change: Change, history: Mapping[str, Sequence[Route]], catalog: Catalog | None) -> DriftKind:
    versions = history.get(change.source or "")
    if not versions or catalog is None or change.desired is None or change.live is None:
        return DriftKind.DIFFERS
    return classify(change.desired, change.live, versions, catalog)


def build_drift_report(
    plan: Plan, history: Mapping[str, Sequence[Route]] | None = None, catalog: Catalog | None = None
) -> DriftReport:
    """The drift a read-only plan shows; with `history` (route file → its committed versions as routes, newest
    first) and the `catalog`, each differing route is classified."""
    entries: list[DriftEntry] = []
    for change in plan.changes:
        if change.action is Action.UPDATE:
            entries.append(
                DriftEntry(
                    kind=_changed_kind(change, history or {}, catalog),
                    name=change.name,
                    route_id=change.route_id,
                    live_version=change.live_version,
                    source=change.source,
                    fields=tuple(sorted({f.path for f in change.fields})),
                    values=tuple(sorted(((f.path, f.new, f.old) for f in change.fields), key=lambda v: v[0])),
                    git_doc=change.desired_doc,
                    live_doc=change.live_doc,
                    live=change.live,
                )
            )
        elif change.action is Action.DELETE:
            entries.append(DriftEntry(DriftKind.UNMANAGED, change.name, change.route_id, change.live_version))
        else:
            entries.append(DriftEntry(DriftKind.MISSING, change.name, source=change.source))
    for route in plan.unmanaged:
        entries.append(DriftEntry(DriftKind.UNMANAGED, route.name, route.route_id, route.version))
    entries.sort(key=lambda e: (KIND_ORDER[e.kind], e.name, e.route_id or ""))
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
                "action": e.kind.action,
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


def adopt_fingerprint(report: DriftReport) -> str | None:
    """`sha256:<hex>` of the drift adopting acts on (dashboard edits and unmanaged routes); None when there is none."""
    entries = [e for e in report.entries if e.kind in (DriftKind.DASHBOARD_EDIT, DriftKind.UNMANAGED)]
    if not entries:
        return None
    return fingerprint(DriftReport(entries=tuple(entries)))
