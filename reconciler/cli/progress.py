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
from dataclasses import dataclass
from typing import Any

from reconciler.cli import style
from reconciler.core.outcome import RouteOutcome
from reconciler.model import Plan
from reconciler.run.preflight import read_back

Progress = Callable[[int, int], None]

PLAIN_MIN_TOTAL = 50  # fewer items than this: no plain lines at all
PLAIN_STEPS = 10  # a plain line each time another 1/PLAIN_STEPS of the total is done


class PlainProgress:
    """`on_progress(done, total)` that writes a line to `write` each time another tenth is done, and one at the end.

    The tenths only go up: when a growing total makes the share drop, the next line waits until it passes the last
    one shown, so a paged read prints about ten lines too. `relabel` starts another step (another label, from 0).
    """

    def __init__(self, label: str, write: Callable[[str], None]) -> None:
        self.write = write
        self.relabel(label)

    def relabel(self, label: str) -> None:
        self.label = label
        self.tenths = 0  # the highest tenth a line was written for
        self.finished = -1  # the total of the last 100% line

    def __call__(self, done: int, total: int) -> None:
        if total < PLAIN_MIN_TOTAL:
            return
        if done >= total:
            if total == self.finished:
                return
            self.finished = total
        else:
            tenths = done * PLAIN_STEPS // total
            if tenths <= self.tenths:
                return
            self.tenths = tenths
        self.write(f"{self.label}: {done} of {total} ({done * 100 // total}%)")


class Steps:
    """Progress through named steps, one at a time: `step(label)` starts one, `update(done, total)` reports it."""

    def __init__(self, plain: PlainProgress | None, bar: Any = None, task: Any = None) -> None:
        self.plain = plain
        self.bar = bar
        self.task = task

    def step(self, label: str) -> None:
        if self.plain is not None:
            self.plain.relabel(label)
        else:
            self.bar.reset(self.task, total=None, description=label)  # a new step: a new ETA estimate

    def update(self, done: int, total: int) -> None:
        if self.plain is not None:
            self.plain(done, total)
        else:
            self.bar.update(self.task, completed=done, total=total)


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def steps(label: str) -> Iterator[Steps]:
    """`Steps` on stderr for the block: a rich bar at a terminal, else `PlainProgress` lines."""
    if not sys.stderr.isatty():
        yield Steps(PlainProgress(label, _stderr_line))
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
        yield Steps(None, bar, bar.add_task(label, total=None))


@contextmanager
def progress(label: str) -> Iterator[Progress]:
    """An `on_progress(done, total)` for the block (one step of `steps`)."""
    with steps(label) as shown:
        yield shown.update


@dataclass
class ApplyProgress:
    """The two callbacks of `run.apply.apply_plan`: `on_progress` for the read-back before any write, then
    `on_outcome` for each change as it settles (the total, the plan's changes, is known from the start)."""

    shown: Steps
    total: int
    done: int = 0
    checking: bool = True

    def on_progress(self, done: int, total: int) -> None:
        self.shown.update(done, total)

    def on_outcome(self, _outcome: RouteOutcome) -> None:
        if self.checking:  # the first settled change ends the read-back
            self.checking = False
            self.shown.step(f"Applying {self.total} {'change' if self.total == 1 else 'changes'}")
        self.done += 1
        self.shown.update(self.done, self.total)


@contextmanager
def applying(plan: Plan, *, fresh: bool = False) -> Iterator[ApplyProgress]:
    """Progress of an apply: `Reading back N routes` (what preflight reads again), then `Applying N changes`."""
    touched = len(read_back(plan, fresh=fresh))
    label = f"Reading back {touched} {'route' if touched == 1 else 'routes'}" if touched else "Checking live routes"
    with steps(label) as shown:
        yield ApplyProgress(shown, len(plan.changes))
