"""Peak memory and CPU per route of `reconciler plan`, as whole processes, ours side by side with a baseline commit.

    PYTHONPATH=. python benchmarks/bench_memory.py                    # N = 1,000 and 10,000; baseline main@534aedf
    PYTHONPATH=. python benchmarks/bench_memory.py --sizes 1000 --repeat 3

Issue 16's rows: peak RSS of `reconciler plan` at N = 10,000 routes (target ≤ 100 MB) and the whole plan's CPU per
route at N = 1,000 less start-up (target ≤ 1.2 ms). The emulator runs in its own process (as in `bench_plan.py`),
seeded with N routes (`POST /_emulator/routes/bulk`, on top of the example organisation's 6) and exported to a
folder, so every plan comes out empty. Each plan is `python -m reconciler plan --routes DIR --api-url URL` in a child
process; its peak RSS (`ru_maxrss`) and user+sys CPU come from `os.wait4`, so nothing of this script is counted.
Start-up is the CPU of `python -m reconciler --help` in the same way. The baseline is the given commit checked out
with `git worktree add --detach` in a temporary folder and run with the same interpreter (its folder first on
PYTHONPATH). Runs are interleaved (ours, baseline, ours, ...) and the median is shown; the load average is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_plan import KEY, NEUTRAL, Control, emulator

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "534aedf"
RSS_TARGET_MB = 100.0
CPU_TARGET_MS = 1.2


@dataclass
class Run:
    cpu: float  # user + sys seconds
    rss_mb: float  # peak resident set size


# `python -m reconciler` importing the package from PYTHONPATH: an editable install's finder would otherwise win over
# the path and run the working tree's code for the baseline too.
_MAIN = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in getattr(f, '__module__', '')]; "
    "runpy.run_module('reconciler', run_name='__main__', alter_sys=True)"
)


def run(code: Path, args: list[str]) -> Run:
    """`python -m reconciler ARGS` with `code` first on the path; its own CPU and peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(code), "INCIDENT_IO_API_KEY": KEY}
    process = subprocess.Popen(
        [sys.executable, "-c", _MAIN, *args], cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"{code}: reconciler {' '.join(args)} failed: {error[-2000:]}")
    return Run(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # Linux: ru_maxrss in KiB


def which_package(code: Path) -> str:
    """The reconciler the child would import, to be sure the baseline really is the baseline."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    found = subprocess.run(
        [sys.executable, "-c", _MAIN.split("runpy.run_module")[0] + "import reconciler; print(reconciler.__file__)"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


@contextlib.contextmanager
def baseline_tree(commit: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), commit], check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)


def export_in_child(url: str, folder: Path) -> None:
    """Export the live routes in a child process, so that this process stays small.

    It must: a child's `ru_maxrss` starts from its parent's resident size at the fork (Linux carries the high-water
    mark across exec), so measuring plans from a parent that held 10,000 exported routes reads the parent's size.
    """
    code = "import asyncio, sys; from pathlib import Path; from benchmarks.bench_plan import export_routes; "
    code += "asyncio.run(export_routes(sys.argv[1], Path(sys.argv[2])))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, url, str(folder)], env=env, cwd=ROOT, check=True)


def median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.cpu for r in runs), statistics.median(r.rss_mb for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="route counts, ascending, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs per row; the median is shown")
    parser.add_argument("--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with baseline_tree(args.baseline) as tree, emulator() as url, tempfile.TemporaryDirectory() as tmp:
        impls = {"ours": ROOT, f"baseline {args.baseline}": tree}
        for label, code in impls.items():
            print(f"{label}: {which_package(code)}")
        startup = {label: median([run(code, ["--help"]) for _ in range(3)]) for label, code in impls.items()}
        for label, found in startup.items():
            print(f"start-up (reconciler --help): {label}: {found.cpu * 1000:.0f} ms CPU, {found.rss_mb:.1f} MB")
        control = Control(url)
        print(f"\n{'N':>6} {'impl':18} {'peak RSS MB':>11} {'CPU s':>7} {'CPU/route ms':>12} {'load avg (1 min)':>16}")
        rows: dict[tuple[int, str], Run] = {}
        for routes in sizes:
            control.prepare(NEUTRAL)
            control.seed(routes)
            folder = Path(tmp) / f"routes-{routes}"
            export_in_child(url, folder)
            plan = ["plan", "--routes", str(folder), "--api-url", url]
            runs: dict[str, list[Run]] = {label: [] for label in impls}
            for _ in range(args.repeat):
                for label, code in impls.items():
                    runs[label].append(run(code, plan))
            for label in impls:
                found = rows[routes, label] = median(runs[label])
                per_route = (found.cpu - startup[label].cpu) / routes * 1000
                load = os.getloadavg()[0]
                print(
                    f"{routes:>6} {label:18} {found.rss_mb:>11.1f} {found.cpu:>7.2f} {per_route:>12.2f} {load:>16.2f}",
                    flush=True,
                )
        print()
        ours, base = "ours", f"baseline {args.baseline}"
        if 10000 in sizes:
            a, b = rows[10000, ours].rss_mb, rows[10000, base].rss_mb
            print(f"peak RSS at N = 10,000: {a:.1f} MB vs {b:.1f} MB ({a / b:.2f}x); target ≤ {RSS_TARGET_MB:.0f} MB")
        if 1000 in sizes:
            a, b = ((rows[1000, label].cpu - startup[label].cpu) for label in (ours, base))
            print(
                f"plan CPU per route at N = 1,000 less start-up: {a:.2f} ms vs {b:.2f} ms ({a / b:.2f}x); "
                f"target ≤ {CPU_TARGET_MS} ms"
            )
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
