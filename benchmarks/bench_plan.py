"""Benchmark the plan read (catalog lookups + every live route) against the served emulator.

    PYTHONPATH=. python benchmarks/bench_plan.py            # N = 100, 500, 1000; both scenarios (~5 min)
    PYTHONPATH=. python benchmarks/bench_plan.py --quick    # N = 100, 500; rate-bound baseline only at N = 100

Scenarios (issue 4):
  (a) latency-bound: 50 ms added to every request, no rate limit.
      floor = the list pages in sequence + one more round trip = (pages + 1) x 50 ms.
  (b) rate-bound: 1200/min per key, the bucket starting empty (20 req/s sustained). floor = requests / 20.

"ours" is `reconciler.fetch`: read_live_routes and read_catalog run together through one `IncidentIO` client
(pacing + retries, max_in_flight 32). "baseline" is what a Terraform-like tool does: list every page first, then GET
each route with 10 workers (Terraform's default parallelism), lookups with the same 10 workers, honouring
Retry-After on 429 but without pacing. Request and 429 counts come from the emulator's own request log.

The emulator runs in a child process (uvicorn via serve_in_thread), so server and client do not share one GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx

from reconciler.api import IncidentIO
from reconciler.emulator import EmulatorSettings, FaultProfile, create_app, seed_routes, serve_in_thread
from reconciler.fetch import read_catalog, read_live_routes

KEY = "example-admin"
LATENCY_MS = 50.0
RATE_PER_MINUTE = 1200
LOOKUPS = [
    ("/v2/alert_sources", None),
    ("/v2/alert_attributes", None),
    ("/v2/escalation_paths", 25),
    ("/v1/severities", None),
    ("/v1/incident_types", None),
    ("/v2/custom_fields", None),
    ("/v2/users", 250),
    ("/v3/teams", 250),
]


def _serve(conn: Connection, scenario: str, routes: int) -> None:
    """Child process: an emulator holding exactly `routes` routes, served until the parent says stop."""
    if scenario == "a":
        settings = EmulatorSettings(rate_limit_enabled=False, faults=FaultProfile(latency_ms=LATENCY_MS))
    else:
        settings = EmulatorSettings(rate_limit_per_minute=RATE_PER_MINUTE, rate_limit_initial_tokens=0)
    app = create_app(settings=settings)
    emulator = app.state.emulator
    seed_routes(emulator, routes - len(emulator.state.routes))
    with serve_in_thread(app) as url:
        conn.send(url)
        conn.recv()


@dataclass
class Result:
    seconds: float
    route_requests: int
    lookup_requests: int
    rate_limited: int

    @property
    def requests(self) -> int:
        return self.route_requests + self.lookup_requests


async def ours(url: str, max_in_flight: int) -> None:
    async with IncidentIO(url, KEY, read_only=True, max_in_flight=max_in_flight) as api:
        # Routes first: its first list page is the probe that learns the rate limit.
        await asyncio.gather(read_live_routes(api), read_catalog(api, slack_channels={}))


async def baseline(url: str) -> None:
    workers = asyncio.Semaphore(10)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as http:

        async def get(path: str, params: dict[str, Any] | None = None) -> Any:
            async with workers:
                while True:
                    response = await http.get(path, params=params)
                    if response.status_code != 429:
                        response.raise_for_status()
                        return response.json()
                    await asyncio.sleep(max(1.0, float(response.headers.get("retry-after", "1"))))

        async def paged(path: str, size: int | None) -> None:
            params: dict[str, Any] = {"page_size": size} if size else {}
            while True:
                body = await get(path, params)
                after = (body.get("pagination_meta") or {}).get("after")
                if not size or not after:
                    return
                params["after"] = after

        async def routes() -> None:
            ids: list[str] = []
            params: dict[str, Any] = {"page_size": 50}
            while True:
                body = await get("/v2/alert_routes", params)
                ids += [r["id"] for r in body["alert_routes"]]
                after = body["pagination_meta"].get("after")
                if not after:
                    break
                params["after"] = after
            await asyncio.gather(*(get(f"/v2/alert_routes/{i}") for i in ids))

        await asyncio.gather(routes(), *(paged(path, size) for path, size in LOOKUPS))


def measure(scenario: str, routes: int, impl: str, max_in_flight: int = 32) -> Result:
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(child, scenario, routes), daemon=True)
    server.start()
    try:
        url = parent.recv()
        started = time.monotonic()
        asyncio.run(ours(url, max_in_flight) if impl == "ours" else baseline(url))
        seconds = time.monotonic() - started
        log = httpx.get(f"{url}/_emulator/requests").json()["requests"]
    finally:
        parent.send("stop")
        server.join(timeout=15)
    route_log = [r for r in log if r["path"].startswith("/v2/alert_routes")]
    return Result(
        seconds=seconds,
        route_requests=len(route_log),
        lookup_requests=len(log) - len(route_log),
        rate_limited=sum(1 for r in log if r["status"] == 429),
    )


def floor(scenario: str, routes: int, result: Result) -> float:
    pages = routes // 50 + 1  # a full last page still carries a cursor: one more, empty, page
    if scenario == "a":
        return (pages + 1) * LATENCY_MS / 1000
    return (result.requests - result.rate_limited) / (RATE_PER_MINUTE / 60)  # 429s take no token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,500,1000", help="route counts, comma-separated")
    parser.add_argument("--scenarios", default="a,b", help="a (latency-bound), b (rate-bound), or both")
    parser.add_argument("--max-in-flight", type=int, default=32, help="the client's in-flight limit (ours)")
    parser.add_argument("--quick", action="store_true", help="N = 100, 500; rate-bound baseline only at N = 100")
    args = parser.parse_args()
    sizes = [100, 500] if args.quick else [int(s) for s in args.sizes.split(",")]
    header = (
        f"{'scen':4} {'N':>5} {'impl':8} {'wall s':>7} {'floor s':>7} {'x floor':>7} "
        f"{'routes':>6} {'lookups':>7} {'429s':>5} {'429 %':>6} {'speedup':>7}"
    )
    print(header)
    print("-" * len(header))
    for scenario in args.scenarios.split(","):
        for routes in sizes:
            results: dict[str, Result] = {"ours": measure(scenario, routes, "ours", args.max_in_flight)}
            if not (args.quick and scenario == "b" and routes > 100):
                results["baseline"] = measure(scenario, routes, "baseline")
            for impl, result in results.items():
                low = floor(scenario, routes, result)
                speedup = ""
                if impl == "ours" and "baseline" in results:
                    speedup = f"{results['baseline'].seconds / result.seconds:.1f}x"
                share = 100 * result.rate_limited / result.requests
                print(
                    f"{scenario:4} {routes:>5} {impl:8} {result.seconds:>7.2f} {low:>7.2f} "
                    f"{result.seconds / low:>7.2f} {result.route_requests:>6} {result.lookup_requests:>7} "
                    f"{result.rate_limited:>5} {share:>6.2f} {speedup:>7}",
                    flush=True,
                )
    expected = {n: math.ceil(n / 50) + n + (1 if n % 50 == 0 else 0) for n in sizes}
    print(f"\nexpected route requests per plan (ceil(N/50) + N, + 1 empty page when N % 50 == 0): {expected}")


if __name__ == "__main__":
    main()
