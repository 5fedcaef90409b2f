"""What several commands show the same way: progress (cli/progress.py), a refused plan, an apply report, the time.

Part of the CLI (it prints). Commands import from here, never from each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reconciler.cli import style
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, fail

# Re-exported: commands take everything they show alike from this module.
from reconciler.cli.progress import Progress as Progress
from reconciler.cli.progress import applying as applying
from reconciler.cli.progress import progress as progress
from reconciler.core.outcome import ApplyReport
from reconciler.core.target import targets_from
from reconciler.errors import ConfigError
from reconciler.model import Plan, Targets
from reconciler.render.text import render_apply_report

DEFAULT_LOCK_TIMEOUT = 300.0


def note_targets(plan: Plan) -> None:
    """On stderr, as Terraform warns of -target: a targeted plan shows only part of the picture."""
    if plan.targets is None:
        return
    other = plan.targets.unread
    left = f"{other} other live {'route was' if other == 1 else 'routes were'} not read or planned."
    source = plan.targets.changed_from
    if source is not None:
        count = len(source.files)
        if not count:
            listed = f"{other} live {'route was' if other == 1 else 'routes were'} not read or planned."
            fail(f"--changed-from: no route files changed since {source.ref}; {listed}")
            return
        routes = ", ".join([repr(name) for name in plan.targets.names] + [f"id {i}" for i in plan.targets.ids])
        files = f"{count} route {'file' if count == 1 else 'files'} changed since {source.ref}"
        fail(f"Targeted by --changed-from: {files}; only routes {routes}; {left}")
        return
    shown = ", ".join(repr(pattern) for pattern in plan.targets.patterns + plan.targets.ids)
    fail(f"Targeted: only routes matching {shown}; {left}")


def changed_targets(routes_dir: Path, target: tuple[str, ...], changed_from: str | None) -> Targets | None:
    """The targets of `--target` or `--changed-from` (they choose routes two ways: at most one of them).

    With `--changed-from`, a change every route depends on makes a full plan (None), said in one line on stderr.
    """
    if changed_from is None:
        return targets_from(target)
    if target:
        raise ConfigError("--changed-from and --target choose routes two ways: pass one of them")
    from reconciler.run.changed import changed_since  # git and the file loader: only when asked for

    changed = changed_since(changed_from, routes_dir)
    if changed.full:
        fail(changed.message)
    return changed.targets


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
