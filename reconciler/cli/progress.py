"""Progress of long reads and writes on stderr: a rich bar at a terminal, a few plain lines in a log.

At a terminal, a transient rich bar with the count and an ETA (coloured unless NO_COLOR / --no-color). Elsewhere (a
CI log, a pipe) a bar would be noise, but a long apply must still show life: a plain line each time another tenth
of the work is done, `Applying 806 changes: 81 of 806 (10%)`, at most ten lines and a last one at 100%. The rule
counts items, never seconds, so the same run prints the same lines (tests need no clock), and it stays quiet for
fewer than PLAIN_MIN_TOTAL items, which finish in a blink. A read whose total is still growing (the route list is
paged) reports the total known so far, as the bar does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from reconciler.cli import style
from reconciler.core.outcome import RouteOutcome
from reconciler.model import Plan

Progress = Callable[[int, int], None]

PLAIN_MIN_TOTAL = 50  # fewer items than this: no plain lines at all
PLAIN_STEPS = 10  # a plain line each time another 1/PLAIN_STEPS of the total is done


class PlainProgress:
    """`on_progress(done, total)` that writes a line to `write` every tenth of the total, and one at the end."""

    def __init__(self, label: str, write: Callable[[str], None]) -> None:
        self.label = label
        self.write = write
        self.last = 0  # `done` at the last line written
        self.finished = -1  # the total of the last 100% line

    def __call__(self, done: int, total: int) -> None:
        if total < PLAIN_MIN_TOTAL or (done <= self.last and done != total):
            return
        if done == total:
            if total == self.finished:
                return
            self.finished = total
        elif (done - self.last) * PLAIN_STEPS < total:
            return
        self.last = done
        self.write(f"{self.label}: {done} of {total} ({done * 100 // total}%)")


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def progress(label: str) -> Iterator[Progress]:
    """An `on_progress(done, total)` for the block: a rich bar on a terminal's stderr, else `PlainProgress` lines."""
    if not sys.stderr.isatty():
        yield PlainProgress(label, _stderr_line)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),  # an ETA once the total is known
        console=Console(stderr=True, no_color=not style.use_color(sys.stderr)),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def applying(plan: Plan) -> Iterator[Callable[[RouteOutcome], None]]:
    """An `on_outcome` for `run.apply.apply_plan` that shows the changes settled out of the plan's, with `progress`.

    The total is known from the start, so the bar has an ETA from the first settled change on.
    """
    total = len(plan.changes)
    with progress(f"Applying {total} {'change' if total == 1 else 'changes'}") as update:
        done = 0
        update(done, total)

        def settled(_outcome: RouteOutcome) -> None:
            nonlocal done
            done += 1
            update(done, total)

        yield settled
