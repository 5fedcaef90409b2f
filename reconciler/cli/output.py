"""What several commands show the same way: progress (cli/progress.py), a refused plan, an apply report, the time.

Part of the CLI (it prints). Commands import from here, never from each other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.cli import style
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, fail

# Re-exported: commands take everything they show alike from this module.
from reconciler.cli.progress import Progress as Progress
from reconciler.cli.progress import applying as applying
from reconciler.cli.progress import progress as progress
from reconciler.core.outcome import ApplyReport
from reconciler.model import Plan
from reconciler.render.text import render_apply_report

DEFAULT_LOCK_TIMEOUT = 300.0


def note_targets(plan: Plan) -> None:
    """On stderr, as Terraform warns of -target: a targeted plan shows only part of the picture."""
    if plan.targets is None:
        return
    shown = ", ".join(repr(pattern) for pattern in plan.targets.patterns + plan.targets.ids)
    other = plan.targets.unread
    fail(
        f"Targeted: only routes matching {shown}; {other} other live {'route was' if other == 1 else 'routes were'} "
        "not read or planned."
    )


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def refuse(plan: Plan) -> int:
    """After a refused plan was shown in full: say so once, exit 1."""
    count = len(plan.all_refusals)
    fail(
        f"Error: the plan is refused ({count} {'reason' if count == 1 else 'reasons'} above); nothing will be applied."
    )
    return EXIT_ERROR


def finish(report: ApplyReport) -> int:
    style.echo(render_apply_report(report), nl=False, report=True)
    return EXIT_OK if report.ok else EXIT_ERROR


def waiting_for_lock() -> None:
    fail("Waiting for another reconciler apply to the same incident.io to finish...")
