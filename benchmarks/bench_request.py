"""Client CPU per HTTP request: the `IncidentIO` client reading N routes from the emulator served in its own process.

    PYTHONPATH=. python benchmarks/bench_request.py                     # N = 500, 5 runs, median
    PYTHONPATH=. python benchmarks/bench_request.py --profile 25        # and the top 25 functions of one run (cProfile)
    PYTHONPATH=/work/main python benchmarks/bench_request.py            # the same figure for another checkout's client

The emulator (`python -m reconciler emulator --port 0`, no latency, no rate limit) runs in a child process, so the
figure is this process's own CPU (user + sys, `time.process_time`) over one whole `read_all_alert_routes` with the
client's defaults (read-only, pacing, retries, 64 in flight), divided by the requests it sent (ceil(N/50) list
pages + N GETs). It includes what a request costs end to end in the client: building it, the pacer, httpx and
httpcore, parsing the JSON body, the request log. The event loop's own bookkeeping is part of it too: that is what a
user pays. Which checkout's client is measured is the one `reconciler` is imported from (PYTHONPATH).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import time

from bench_plan import NEUTRAL, Control, emulator

import reconciler
from reconciler.api import IncidentIO

KEY = "example-admin"


async def read_all(url: str) -> int:
    async with IncidentIO(url, KEY, read_only=True) as api:
        routes = await api.read_all_alert_routes()
        assert routes, "no routes read"
        return len(api.request_log)


def one_run(url: str) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, requests) of one read."""
    cpu, wall = time.process_time(), time.monotonic()
    requests = asyncio.run(read_all(url))
    return time.process_time() - cpu, time.monotonic() - wall, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=500, help="routes seeded on top of the example's 6")
    parser.add_argument("--runs", type=int, default=5, help="counted runs (one warm-up run first)")
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions of one more run (cumtime)")
    args = parser.parse_args()
    print(f"client from {os.path.dirname(reconciler.__file__)}")
    with emulator() as url:
        control = Control(url)
        control.prepare(NEUTRAL)
        control.seed(args.routes)
        one_run(url)  # warm-up: imports, first connections, the emulator's caches
        runs = [one_run(url) for _ in range(args.runs)]
        per_request = [cpu / requests * 1000 for cpu, _, requests in runs]
        requests = runs[0][2]
        print(
            f"{requests} requests per run, {args.runs} runs, load average {os.getloadavg()[0]:.2f}\n"
            f"client CPU per request: median {statistics.median(per_request):.3f} ms "
            f"[{min(per_request):.3f}-{max(per_request):.3f}]; "
            f"CPU per run median {statistics.median(c for c, _, _ in runs):.3f} s, "
            f"wall per run median {statistics.median(w for _, w, _ in runs):.3f} s"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(read_all(url))
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
