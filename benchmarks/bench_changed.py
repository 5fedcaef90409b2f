"""Benchmark a pull request's plan: `reconciler plan --changed-from` vs the full plan, as whole processes.

    PYTHONPATH=. python benchmarks/bench_changed.py                    # N = 1000, rate-bound, 3 targeted + 1 full
    PYTHONPATH=. python benchmarks/bench_changed.py --sizes 100,1000 --repeat 5 --full-repeat 0

The issue 16 row: "a PR that changes 1 of 1,000 routes, rate-bound: ceil(N/50) + k requests, under 3 s".

The emulator runs in its own process (`reconciler emulator --port 0`, as in bench_plan.py), seeded with N routes and
exported to route files in a fresh git repository (one commit). One file is then changed in the work tree (the
Informational route loses an alert source) and each run is the whole command, start-up included:

  targeted  `python -m reconciler plan --routes routes --changed-from HEAD`
  full      `python -m reconciler plan --routes routes`

Every run starts from `POST /_emulator/reset` with the rate limit at 1,200/min and the bucket empty (scenario (b) of
bench_plan.py). Both plans must contain exactly the one update. Requests come from the emulator's request log; wall
time from the monotonic clock, split by the emulator's request times into start-up (to the first request), reads
(first to last request) and the rest (after the last); `floor` is the answered requests at 20/s; CPU (user + sys)
and peak RSS from the child's own rusage (`os.wait4`); the load average is printed with every row.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_plan import KEY, RATE_PER_MINUTE, ROOT, ROUTE_PAGE, SCENARIOS, Control, emulator, export_routes

RATE_BOUND = SCENARIOS["b"]  # 1,200/min, the bucket starting empty
CHANGED = "informational.yaml"
SUMMARY = "0 to create, 1 to update, 0 to delete"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float
    lists: int
    gets: int
    lookups: int
    rate_limited: int
    load: float
    first: float  # from the process's start to its first request (start-up, reading the files' list, git)
    reading: float  # from the first request to the last
    after: float  # from the last request to the exit (diff, plan, output)

    @property
    def requests(self) -> int:
        """Every request sent, 429s included."""
        return self.lists + self.gets + self.lookups + self.rate_limited


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def checkout(url: str, where: Path) -> Path:
    """The live routes exported to `where/routes`, committed, with one route file then changed in the work tree."""
    asyncio.run(export_routes(url, where / "routes"))
    git(where, "init", "-q", "-b", "main")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "routes")
    path = where / "routes" / CHANGED
    text = path.read_text()
    line = "- alert_source: Status Page Views\n"
    if text.count(line) != 1:
        raise RuntimeError(f"{path} does not read as expected:\n{text}")
    path.write_text(text.replace(line, ""))
    return where


def plan(control: Control, url: str, repo: Path, targeted: bool) -> Run:
    """One whole `reconciler plan` process, rate-bound from an empty bucket."""
    control.prepare(RATE_BOUND)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_IO_", "GITHUB_"))}
    env |= {"INCIDENT_IO_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "reconciler", "plan", "--routes", "routes", "--api-url", url]
    command += ["--changed-from", "HEAD"] if targeted else []
    started, epoch = time.monotonic(), time.time()
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    ended = time.time()
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or SUMMARY not in out:
        raise RuntimeError(f"the plan is not the one change expected (exit {process.returncode}):\n{out}\n{err}")
    log = control.log()
    answered = [r for r in log if r["status"] != 429]  # a 429 is retried: counted apart, once
    routes = [r for r in answered if "/alert_routes" in r["path"]]
    lists = sum(1 for r in routes if r["path"].rstrip("/").endswith("/alert_routes"))
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        lists=lists,
        gets=len(routes) - lists,
        lookups=len(answered) - len(routes),
        rate_limited=len(log) - len(answered),
        load=os.getloadavg()[0],
        first=log[0]["at"] - epoch,
        reading=log[-1]["at"] - log[0]["at"],
        after=ended - log[-1]["at"],
    )


def floor(run: Run) -> float:
    """The rate limit's floor: every answered request at 1,200/min from an empty bucket (a 429 takes no token)."""
    return (run.requests - run.rate_limited) / (RATE_PER_MINUTE / 60)


def report(label: str, routes: int, runs: list[Run]) -> Run:
    middle = statistics.median_low(run.wall for run in runs)
    run = next(r for r in runs if r.wall == middle)
    spread = "/".join(f"{r.wall:.2f}" for r in runs) if len(runs) > 1 else ""
    print(
        f"{label:8} {routes:>5} {run.lists:>5} {run.gets:>5} {run.lookups:>7} {run.requests:>5} {run.rate_limited:>4} "
        f"{run.wall:>7.2f} {floor(run):>6.2f} {run.first:>6.2f} {run.reading:>6.2f} {run.after:>6.2f} "
        f"{run.cpu:>6.2f} {run.rss_mb:>6.1f} {run.load:>5.2f}  {spread}",
        flush=True,
    )
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000", help="route counts, comma-separated (growing)")
    parser.add_argument("--repeat", type=int, default=3, help="targeted runs per size; the median run is shown")
    parser.add_argument("--full-repeat", type=int, default=1, help="full-plan runs per size (each ~N/20 s)")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"{'plan':8} {'N':>5} {'lists':>5} {'GETs':>5} {'lookups':>7} {'sent':>5} {'429':>4} "
        f"{'wall s':>7} {'floor':>6} {'to 1st':>6} {'reads':>6} {'after':>6} {'CPU s':>6} {'RSS MB':>6} {'load':>5}"
        "  runs (wall s)"
    )
    print(header)
    print("-" * len(header), flush=True)
    with emulator() as url, tempfile.TemporaryDirectory() as tmp:
        control = Control(url)
        for routes in sorted(int(s) for s in args.sizes.split(",")):
            control.prepare(({}, {"enabled": False}))
            control.seed(routes)
            repo = checkout(url, Path(tmp) / f"repo-{routes}")
            targeted: list[Run] = []
            full: list[Run] = []
            for index in range(max(args.repeat, args.full_repeat)):  # interleaved: load bursts hit both kinds
                if index < args.repeat:
                    targeted.append(plan(control, url, repo, targeted=True))
                if index < args.full_repeat:
                    full.append(plan(control, url, repo, targeted=False))
            shown = report("targeted", routes, targeted)
            pages = math.ceil(routes / ROUTE_PAGE) + (1 if routes % ROUTE_PAGE == 0 else 0)
            if (shown.lists, shown.gets) != (pages, 1):
                raise AssertionError(f"targeted: {shown.lists} lists + {shown.gets} GETs, not {pages} + 1")
            if full:
                whole = report("full", routes, full)
                print(
                    f"{'':8} {routes:>5} targeted vs full: {whole.wall / shown.wall:.1f}x faster, "
                    f"{whole.requests - shown.requests} fewer requests",
                    flush=True,
                )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
