"""How fast hostile route files fail: an alias bomb and 10,000-deep nesting must be refused in under 100 ms.

Run: `PYTHONPATH=. python benchmarks/bench_load.py [--repeat N]`. Prints best and median time and peak memory
(tracemalloc) per input; exits 1 if any input is accepted or takes 100 ms or more.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

from reconciler.errors import InputError
from reconciler.files.load import load_route_bytes

LIMIT_MS = 100.0


ROUTE = b"""name: Bomb
alert_sources:
  - alert_source: Alertmanager (Production)
    conditions:
      - {subject: alert.attributes.severity, operation: one_of, values: [critical]}
escalation_config:
  escalation_targets: [{escalation_paths: [Engineering On-Call]}]
"""


def alias_bomb(levels: int = 9, width: int = 9) -> bytes:
    """The "billion laughs" after a real route: level n holds `width` aliases of level n-1 (width**levels leaves)."""
    names = [f"lol{n}" for n in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * width)}]")
    return ROUTE + ("\n".join(lines) + "\n").encode()


def cases() -> dict[str, bytes]:
    return {
        "alias bomb (9 levels x 9)": alias_bomb(),
        "10,000-deep flow nesting": b"name: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
        "10,000-deep block nesting": b"- " * 10_000 + b"x\n",
        "10,000-deep flow mappings": b"name: " + b"{a: " * 10_000 + b"x" + b"}" * 10_000 + b"\n",
    }


def measure(load: Callable[[], None], repeat: int) -> tuple[float, float, int]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        load()
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    load()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), statistics.median(times), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=25, help="runs per input (default 25)")
    args = parser.parse_args()
    failed = False
    print(f"{'input':<28} {'size':>9} {'best ms':>8} {'median ms':>10} {'peak KiB':>9}  message")
    for label, data in cases().items():
        outcome: list[str] = []

        def load(data: bytes = data, outcome: list[str] = outcome) -> None:
            try:
                load_route_bytes(data, "bench.yaml")
            except InputError as exc:
                outcome[:] = [str(exc.problems[0])]
            else:
                outcome[:] = ["ACCEPTED"]

        best, median, peak = measure(load, args.repeat)
        ok = outcome != ["ACCEPTED"] and median < LIMIT_MS
        failed |= not ok
        print(f"{label:<28} {len(data):>8}B {best:>8.2f} {median:>10.2f} {peak / 1024:>9.1f}  {outcome[0]}")
    print("all under 100 ms: " + ("no" if failed else "yes"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
