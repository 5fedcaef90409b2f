"""Whole processes side by side: `reconciler plan` / `reconciler apply` against the Terraform-style baseline process.

    PYTHONPATH=. python benchmarks/bench_process.py                       # every row, 3 pairs each (~20 min)
    PYTHONPATH=. python benchmarks/bench_process.py --rows 1 --repeat 5

Issue 16's rows (N counts every live route: the example organisation's 6 and the seeded ones), each against
`python -m reconciler emulator` in its own process (a fresh one per row, seeded with `POST /_emulator/routes/bulk`
and exported to a routes folder as `reconciler export` writes it):

  1   plan, N = 1000, 50 ms added to every call, no rate limit.  floor = (list pages + 2) x 50 ms (the catalog, the
      pages in sequence, one more round trip for the last GETs).
  3   plan, N = 500, 1,200/min bucket starting empty.            floor = answered requests / 20 per s.
  5   apply of 500 updates (N = 506), 50 ms per call.             (ratio to the baseline; floor as row 1 plus the
      preflight's round trip and the writes' two: the first write alone, then the rest.)
  5r  apply of 100 updates (N = 106), empty 1,200/min bucket.    floor = answered requests / 20 per s.
  5s  5 with a saved plan: `reconciler apply PLAN_FILE` (the plan made before each run, untimed), as a reviewed plan
      is applied; floor = 3 round trips (the preflight's reads, the first write, the rest).
  5sr 5r with a saved plan.

"ours" is `python -m reconciler plan --routes DIR` or `python -m reconciler apply --routes DIR --auto-approve
--force`; "baseline" is `python benchmarks/baseline_tf.py plan|apply` (Terraform-style: refresh with 10 workers,
then PUTs with 10 workers, Retry-After honoured, no pacing). Every run starts from `POST /_emulator/reset` and sets
its scenario (which also empties the bucket). The two run in turn, A B A B ...; the apply rows alternate the
direction (ours disables the seeded routes, the baseline enables them again), so every run writes the same number
of routes. Figures per run: wall time, the child's user + sys CPU and peak RSS (`os.wait4`), requests and 429s from
the emulator's request log; printed: medians, the ratio of medians, and the load average before each pair.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_plan import KEY, ROOT, Control, emulator_process, export_routes  # the sibling benchmark's helpers

HERE = Path(__file__).resolve().parent
LATENCY = {"latency_ms": 50.0}
NO_LIMIT = {"enabled": False}
EMPTY_BUCKET = {"enabled": True, "per_minute": 1200, "initial_tokens": 0}
RATE = 20.0  # tokens per second of a 1,200/min bucket
EXAMPLE = 6  # the example organisation's routes; N counts them, the seeded routes make up the rest


@dataclass(frozen=True)
class Row:
    name: str
    what: str
    command: str  # plan | apply | saved (apply PLAN_FILE, the plan made untimed before each run)
    routes: int
    faults: dict[str, float]
    rate_limit: dict[str, object]
    target: str  # the target, printed with the figures


ROWS = {
    "1": Row("1", "plan, N=1000, 50 ms/call", "plan", 1000, LATENCY, NO_LIMIT, ">= 4x baseline, <= 1.6x floor"),
    "3": Row("3", "plan, N=500, empty 1200/min bucket", "plan", 500, {}, EMPTY_BUCKET, "<= 1.1x floor, < 1% 429s"),
    "5": Row("5", "apply 500 updates, 50 ms/call", "apply", 506, LATENCY, NO_LIMIT, ">= 1.5x baseline"),
    "5r": Row("5r", "apply 100 updates, empty 1200/min bucket", "apply", 106, {}, EMPTY_BUCKET, "at the rate floor"),
    "5s": Row(
        "5s", "apply a saved plan of 500 updates, 50 ms/call", "saved", 506, LATENCY, NO_LIMIT, ">= 1.5x baseline"
    ),
    "5sr": Row(
        "5sr", "apply a saved plan of 100 updates, empty 1200/min bucket", "saved", 106, {}, EMPTY_BUCKET, "rate floor"
    ),
}


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float
    requests: int
    limited: int
    writes: int = 0
    server_cpu: float = 0.0  # the emulator's own CPU during the run

    @property
    def answered(self) -> int:
        return self.requests - self.limited


def cpu_of(pid: int) -> float:
    """user + sys CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _env(url: str, code: Path) -> dict[str, str]:
    """The children's environment; `code` is the checkout whose `reconciler` "ours" runs (the baseline needs none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_IO_", "RECONCILER_"))}
    return env | {"INCIDENT_IO_API_KEY": KEY, "INCIDENT_IO_API_URL": url, "PYTHONPATH": str(code), "NO_COLOR": "1"}


def timed(command: list[str], env: dict[str, str], cwd: Path, expect: int) -> tuple[float, float, float]:
    """(wall s, user+sys CPU s, peak RSS MB) of one child process; raises unless it exits `expect`."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != expect:
            err.seek(0)
            raise RuntimeError(f"{command[:5]} exited {code}: {err.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(control: Control, server: int, row: Row, command: list[str], env: dict[str, str], cwd: Path) -> Run:
    control.prepare((row.faults, row.rate_limit))
    before = cpu_of(server)
    wall, cpu, rss = timed(command, env, cwd, expect=0)
    server_cpu = cpu_of(server) - before
    log = control.log()
    writes = sum(1 for r in log if r["method"] == "PUT" and r["status"] == 200)
    return Run(wall, cpu, rss, len(log), sum(1 for r in log if r["status"] == 429), writes, server_cpu)


def floor(row: Row, run: Run) -> float:
    if row.rate_limit.get("enabled"):
        return run.answered / RATE
    pages = math.ceil(row.routes / 50) + (1 if row.routes % 50 == 0 else 0)
    # a plan: the catalog, the pages, the last GETs; apply adds the preflight's reads and the two rounds of writes
    trips = {"plan": pages + 2, "apply": pages + 2 + 3, "saved": 3}[row.command]
    return trips * float(row.faults["latency_ms"]) / 1000


def disable(files: Path, out: Path) -> None:
    """A copy of the exported routes folder with every seeded route disabled: N updates to apply."""
    out.mkdir()
    for path in files.iterdir():
        text = path.read_text()
        if text.startswith("# yaml") and "\nname: Seeded route" in text:
            text = text.replace("\nname: ", "\nenabled: false\nname: ", 1)
        (out / path.name).write_text(text)


@contextmanager
def seeded(routes: int) -> Iterator[tuple[str, int, Control, Path]]:
    with emulator_process() as (url, pid), tempfile.TemporaryDirectory() as tmp:
        control = Control(url)
        control.prepare(({}, NO_LIMIT))
        control.seed(routes)
        exported = Path(tmp) / "routes"
        asyncio.run(export_routes(url, exported))
        yield url, pid, control, Path(tmp)


def bench(row: Row, repeat: int, code: Path) -> None:
    with seeded(row.routes) as (url, server, control, tmp):
        env = _env(url, code)
        exported = tmp / "routes"
        python = sys.executable
        base = [python, str(HERE / "baseline_tf.py"), "plan" if row.command == "plan" else "apply", "--api-url", url]
        make_plan: list[str] = []
        if row.command == "plan":
            ours = [python, "-m", "reconciler", "plan", "--routes", str(exported)]
            base += ["--routes", str(exported)]
        else:
            disable(exported, tmp / "disabled")
            base += ["--enabled", "true"]  # back to what the route files of the next "ours" run change
            ours = [python, "-m", "reconciler", "apply", "--routes", str(tmp / "disabled"), "--auto-approve", "--force"]
            if row.command == "saved":
                plan_file = str(tmp / "plan.json")
                make_plan = [python, "-m", "reconciler", "plan", "--routes", str(tmp / "disabled"), "--force"]
                make_plan += ["--out", plan_file, "--detailed-exitcode"]
                ours = [python, "-m", "reconciler", "apply", plan_file]

        def planned() -> None:  # the saved plan of the next run, made untimed (no latency, no rate limit)
            if make_plan:
                control.prepare(({}, NO_LIMIT))
                timed(make_plan, env, tmp, expect=2)

        planned()
        for warm_up in (ours, base):  # for apply this also leaves the routes as each run's other half expects
            timed(warm_up, env, tmp, expect=0)
        runs: dict[str, list[Run]] = {"ours": [], "baseline": []}
        loads = []
        for _ in range(repeat):
            loads.append(os.getloadavg()[0])
            for impl, command in (("ours", ours), ("baseline", base)):
                if impl == "ours":
                    planned()
                run = measure(control, server, row, command, env, tmp)
                if row.command != "plan" and run.writes != row.routes - EXAMPLE:
                    raise AssertionError(f"{impl} wrote {run.writes} routes, not {row.routes - EXAMPLE}")
                runs[impl].append(run)
        report(row, runs, loads)


def report(row: Row, runs: dict[str, list[Run]], loads: list[float]) -> None:
    medians = {}
    for impl, found in runs.items():
        medians[impl] = Run(
            statistics.median(r.wall for r in found),
            statistics.median(r.cpu for r in found),
            statistics.median(r.rss_mb for r in found),
            int(statistics.median(r.requests for r in found)),
            int(statistics.median(r.limited for r in found)),
            server_cpu=statistics.median(r.server_cpu for r in found),
        )
    speedup = medians["baseline"].wall / medians["ours"].wall
    print(f"\nrow {row.name}: {row.what}  (target {row.target}); load average before each pair: {loads}")
    print(
        f"{'impl':8} {'wall s':>7} {'floor s':>7} {'x floor':>7} {'CPU s':>6} {'RSS MB':>6} {'reqs':>5} "
        f"{'429s':>5} {'429 %':>6} {'emu CPU':>7}  runs (wall s)"
    )
    for impl, m in medians.items():
        low = floor(row, m)
        share = 100 * m.limited / max(1, m.requests)
        walls = "/".join(f"{r.wall:.2f}" for r in runs[impl])
        print(
            f"{impl:8} {m.wall:7.2f} {low:7.2f} {m.wall / low:7.2f} {m.cpu:6.2f} {m.rss_mb:6.0f} {m.requests:5} "
            f"{m.limited:5} {share:6.2f} {m.server_cpu:7.2f}  {walls}"
        )
    print(f"ours vs baseline (ratio of median walls): {speedup:.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"which rows: {', '.join(ROWS)}")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved pairs per row")
    parser.add_argument("--routes", type=int, help="override every row's N (a quick check of the script)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose reconciler 'ours' runs")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()}, ours: {args.code}")
    for name in args.rows.split(","):
        row = ROWS[name]
        bench(replace(row, routes=args.routes) if args.routes else row, args.repeat, args.code)


if __name__ == "__main__":
    main()
