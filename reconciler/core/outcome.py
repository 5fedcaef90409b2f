"""What applying a plan did: one outcome per change, and the report that sums them up.

Pure: no I/O. `ApplyReport.summary` is the one line every apply ends with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconciler.model import Action, Change


class Outcome(StrEnum):
    """What happened to one change."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    ALREADY_APPLIED = "already applied"
    CHANGED_SINCE_PLAN = "changed since plan"  # its live version moved: not written
    CREATED_SINCE_PLAN = "created since plan"  # a live route with its name appeared: not created again
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"

    @property
    def ok(self) -> bool:
        return self in (Outcome.CREATED, Outcome.UPDATED, Outcome.DELETED, Outcome.ALREADY_APPLIED)

    @property
    def conflict(self) -> bool:
        return self in (Outcome.CHANGED_SINCE_PLAN, Outcome.CREATED_SINCE_PLAN)


@dataclass(frozen=True)
class RouteOutcome:
    """One change's result; `writes` counts the write requests sent for it."""

    action: Action
    name: str
    route_id: str | None
    outcome: Outcome
    detail: str = ""
    writes: int = 0


def outcome_of(change: Change, outcome: Outcome, detail: str = "", route_id: str | None = None) -> RouteOutcome:
    """`change` ended as `outcome` (with a reason in `detail`)."""
    return RouteOutcome(
        action=change.action, name=change.name, route_id=route_id or change.route_id, outcome=outcome, detail=detail
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass(frozen=True)
class ApplyReport:
    """Per-route outcomes in plan order; why the run stopped (401/403), or why the plan was refused unwritten."""

    outcomes: tuple[RouteOutcome, ...] = ()
    aborted: str = ""
    refused: str = ""  # "plan is stale: ...": checked before any write, so nothing was written

    @property
    def writes(self) -> int:
        return sum(outcome.writes for outcome in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.aborted and not self.refused and all(outcome.outcome.ok for outcome in self.outcomes)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.outcomes if item.outcome is outcome)

    @property
    def conflicts(self) -> int:
        return sum(1 for item in self.outcomes if item.outcome.conflict)

    @property
    def summary(self) -> str:
        """`Applied: 1 created, 2 updated, 0 deleted, 0 already applied, 1 conflict, 0 failed (3 writes).`"""
        parts = [
            f"{self.count(o)} {o.value}"
            for o in (Outcome.CREATED, Outcome.UPDATED, Outcome.DELETED, Outcome.ALREADY_APPLIED)
        ]
        parts.append(_count(self.conflicts, "conflict"))
        parts.append(f"{self.count(Outcome.FAILED)} failed")
        if self.count(Outcome.NOT_ATTEMPTED):
            parts.append(f"{self.count(Outcome.NOT_ATTEMPTED)} not attempted")
        return f"Applied: {', '.join(parts)} ({_count(self.writes, 'write')})."
