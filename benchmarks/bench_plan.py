"""Benchmark a plan (its reads, and the full plan) against the emulator served in its own process.

    PYTHONPATH=. python benchmarks/bench_plan.py            # N = 100, 500, 1000; both scenarios; reads + plan
    PYTHONPATH=. python benchmarks/bench_plan.py --modes reads --scenarios a --sizes 1000 --max-in-flight 64

Scenarios (issue 4):
  (a) latency-bound: 50 ms added to every request, no rate limit.
      floor = the list pages in sequence + one more round trip (+ one for the catalog, which a full plan reads first).
  (b) rate-bound: 1200/min per key, the bucket starting empty (20 req/s sustained). floor = answered requests / 20.

Modes:
  reads  `run.live.read_all` and `read_catalog` together: only the API work of a plan (routes decoded).
  plan   `reconciler.run.pipeline.build_plan_from_repo` against a routes folder exported from the seeded routes
         (load, validate, catalog, decode, live routes, diff, plan), which must come out empty.

"ours" is `reconciler.run.fetch` through one read-only `IncidentIO` client with its defaults (pacing, retries).
"baseline" does what a Terraform-like tool does: list every page first, then GET each route with 10 workers
(Terraform's default parallelism), lookups on the same 10 workers, honouring Retry-After on 429 but without
pacing. In plan mode the baseline's reads feed the very same pipeline code, so only the fetch strategy differs.

The server is `python -m reconciler emulator --port 0` in a child process (its own interpreter and core). Each run
starts from `POST /_emulator/reset` and sets its scenario through `/_emulator/faults` and `/_emulator/rate_limit`
(which also empties the bucket); request and 429 counts come from the emulator's request log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reconciler.api import IncidentIO
from reconciler.api.core import DEFAULT_MAX_IN_FLIGHT
from reconciler.run import live
from reconciler.run.export import CHANNELS_STEM, channels_text, export_files, slack_channel_labels, write_files
from reconciler.run.fetch import read_catalog, read_live_routes
from reconciler.run.pipeline import build_plan_from_repo

ROOT = Path(__file__).resolve().parent.parent
KEY = "example-admin"
LATENCY_MS = 50.0
RATE_PER_MINUTE = 1200
ROUTE_PAGE = 50
SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {  # (fault profile, rate-limit settings)
    "a": ({"latency_ms": LATENCY_MS}, {"enabled": False}),
    "b": ({}, {"enabled": True, "per_minute": RATE_PER_MINUTE, "initial_tokens": 0}),
}
NEUTRAL: tuple[dict[str, Any], dict[str, Any]] = ({}, {"enabled": False})


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """`reconciler emulator --port 0` in a child process; yields its URL (read from the banner)."""
    with emulator_process() as (url, _pid):
        yield url


@contextlib.contextmanager
def emulator_process() -> Iterator[tuple[str, int]]:
    """`reconciler emulator --port 0` in a child process; yields its URL and pid (for its CPU, from /proc)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "reconciler", "emulator", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if "listening on " not in first:
            raise RuntimeError(f"the emulator did not start: {first!r}")
        yield first.split("listening on ", 1)[1].strip(), process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


class Control:
    """The emulator's /_emulator endpoints."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def _post(self, path: str, body: Any) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def seed(self, routes: int) -> None:
        have = len(_list_ids(self.http))
        if routes < have:
            raise ValueError(f"sizes must grow: {have} routes are live already")
        self._post("/_emulator/routes/bulk", {"count": routes - have})

    def prepare(self, scenario: tuple[dict[str, Any], dict[str, Any]]) -> None:
        faults, rate_limit = scenario
        self._post("/_emulator/reset", {})
        self._post("/_emulator/faults", faults)
        self._post("/_emulator/rate_limit", rate_limit)  # a fresh bucket: empty when initial_tokens is 0

    def log(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = self.http.get("/_emulator/requests").json()["requests"]
        return requests


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def _list_ids(http: httpx.Client) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"page_size": ROUTE_PAGE}
    while True:
        body = http.get("/v2/alert_routes", headers=_auth(), params=params).json()
        ids += [r["id"] for r in body["alert_routes"]]
        after = body["pagination_meta"].get("after")
        if not after or not body["alert_routes"]:
            return ids
        params["after"] = after


async def export_routes(url: str, out: Path) -> None:
    """Write the live routes as route files (what `reconciler export` does), so that a plan comes out empty."""
    async with IncidentIO(url, KEY, read_only=True) as api:
        raw = await read_live_routes(api)
        channels = slack_channel_labels(raw)
        version = await live.version_of(api)
        files = export_files(
            [live.live_route(r, version) for r in raw], await read_catalog(api, slack_channels=channels)
        )
    files[f"{CHANNELS_STEM}.yaml"] = channels_text(channels)
    write_files(out, files, overwrite=True)


class Baseline:
    """Terraform-like reads: the list first, then 10 workers for the GETs; Retry-After honoured, no pacing.

    Duck-types the parts of `IncidentIO` that `reconciler.run.fetch` and `reconciler.run.pipeline` call.
    """

    on_progress: Callable[[int, int], None] | None = None

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._workers = asyncio.Semaphore(10)

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        async with self._workers:
            while True:
                response = await self._http.get(path, params=params)
                if response.status_code != 429:
                    response.raise_for_status()
                    return response.json()
                await asyncio.sleep(max(1.0, float(response.headers.get("retry-after", "1"))))

    async def _paged(self, path: str, key: str, size: int | None = None) -> list[Any]:
        params: dict[str, Any] = {"page_size": size} if size else {}
        items: list[Any] = []
        while True:
            body = await self._get(path, params)
            items += body[key]
            after = (body.get("pagination_meta") or {}).get("after")
            if not size or not after or not body[key]:
                return items
            params["after"] = after

    route_version = "v2"  # the Terraform-style reader speaks v2; decoding work is the same for both versions

    async def routes_path(self) -> str:
        return "/v2/alert_routes"

    async def read_all_alert_routes(
        self,
        *,
        on_progress: Any = None,
        transform: Callable[[dict[str, Any]], Any] | None = None,
        select: Any = None,  # targeting: never used by a whole-organisation plan
    ) -> list[Any]:
        slim = await self._paged("/v2/alert_routes", "alert_routes", ROUTE_PAGE)
        bodies = await asyncio.gather(*(self._get(f"/v2/alert_routes/{r['id']}") for r in slim))
        routes = [body["alert_route"] for body in bodies]
        return [transform(route) for route in routes] if transform else routes

    async def list_alert_sources(self) -> list[Any]:
        return await self._paged("/v2/alert_sources", "alert_sources")

    async def list_alert_attributes(self) -> list[Any]:
        return await self._paged("/v2/alert_attributes", "alert_attributes")

    async def list_escalation_paths(self) -> list[Any]:
        return await self._paged("/v2/escalation_paths", "escalation_paths", 25)

    async def list_severities(self) -> list[Any]:
        return await self._paged("/v1/severities", "severities")

    async def list_incident_types(self) -> list[Any]:
        return await self._paged("/v1/incident_types", "incident_types")

    async def list_custom_fields(self) -> list[Any]:
        return await self._paged("/v2/custom_fields", "custom_fields")

    async def list_users(self) -> list[Any]:
        return await self._paged("/v2/users", "users", 250)

    async def list_teams(self) -> list[Any]:
        return await self._paged("/v3/teams", "teams", 250)


@contextlib.asynccontextmanager
async def client(url: str, impl: str, max_in_flight: int | None) -> Any:
    if impl == "ours":
        limit = DEFAULT_MAX_IN_FLIGHT if max_in_flight is None else max_in_flight
        async with IncidentIO(url, KEY, read_only=True, max_in_flight=limit) as api:
            yield api
    else:
        async with httpx.AsyncClient(base_url=url, headers=_auth(), timeout=60) as http:
            yield Baseline(http)


async def run_once(url: str, impl: str, mode: str, routes_dir: Path, max_in_flight: int | None) -> None:
    async with client(url, impl, max_in_flight) as api:
        if mode == "reads":
            # Routes first: for ours, its first list page is the probe that learns the rate limit.
            await asyncio.gather(live.read_all(api), read_catalog(api, slack_channels={}))
        else:
            plan, _ = await build_plan_from_repo(api, routes_dir)
            if not plan.empty or plan.unmanaged:
                raise AssertionError(f"the plan of the exported routes is not empty: {plan.summary}")


@dataclass
class Result:
    seconds: float
    route_requests: int
    lookup_requests: int
    rate_limited: int
    route_answers: int  # route requests not answered 429

    @property
    def requests(self) -> int:
        return self.route_requests + self.lookup_requests


def measure(
    control: Control, url: str, scenario: str, impl: str, mode: str, routes_dir: Path, mif: int | None
) -> Result:
    control.prepare(SCENARIOS[scenario])
    started = time.monotonic()
    asyncio.run(run_once(url, impl, mode, routes_dir, mif))
    seconds = time.monotonic() - started
    log = control.log()
    route_log = [r for r in log if r["path"].startswith(("/v2/alert_routes", "/v3/alert_routes"))]
    limited = sum(1 for r in log if r["status"] == 429)
    answered = sum(1 for r in route_log if r["status"] != 429)
    return Result(seconds, len(route_log), len(log) - len(route_log), limited, answered)


def expected_route_requests(routes: int) -> int:
    """ceil(N/50) list pages + N GETs, + 1 empty page when the last page is full (it still carries a cursor)."""
    return math.ceil(routes / ROUTE_PAGE) + routes + (1 if routes % ROUTE_PAGE == 0 else 0)


def floor(scenario: str, mode: str, routes: int, result: Result) -> float:
    if scenario == "a":
        pages = math.ceil(routes / ROUTE_PAGE) + (1 if routes % ROUTE_PAGE == 0 else 0)
        trips = pages + 1 + (1 if mode == "plan" else 0)  # a full plan reads the catalog before the routes
        return trips * LATENCY_MS / 1000
    return (result.requests - result.rate_limited) / (RATE_PER_MINUTE / 60)  # 429s take no token


def variants(impls: list[str], max_in_flight: str | None) -> list[tuple[str, int | None]]:
    """(label, in-flight limit) per implementation; ours once per limit when several are given (a sweep)."""
    limits: list[int | None] = [int(m) for m in max_in_flight.split(",")] if max_in_flight else [None]
    found: list[tuple[str, int | None]] = []
    for impl in impls:
        if impl == "ours":
            found += [("ours" if m is None else f"ours@{m}", m) for m in limits]
        else:
            found.append((impl, None))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,500,1000", help="route counts, comma-separated")
    parser.add_argument("--scenarios", default="a,b", help="a (latency-bound), b (rate-bound), or both")
    parser.add_argument("--modes", default="reads,plan", help="reads, plan, or both")
    parser.add_argument("--impls", default="ours,baseline", help="ours, baseline, or both")
    parser.add_argument(
        "--max-in-flight", help="ours: the client's in-flight limit(s), e.g. 16,32,64 (default: its own)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per row, interleaved; the median run is shown")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    runners = variants(args.impls.split(","), args.max_in_flight)
    header = (
        f"{'scen':4} {'mode':5} {'N':>5} {'impl':8} {'wall s':>7} {'floor s':>7} {'x floor':>7} "
        f"{'routes':>6} {'lookups':>7} {'429s':>5} {'429 %':>6} {'speedup':>7} {'runs (s)':>8}"
    )
    print(header)
    print("-" * len(header), flush=True)
    with emulator() as url, tempfile.TemporaryDirectory() as tmp:
        control = Control(url)
        for routes in sizes:
            control.prepare(NEUTRAL)
            control.seed(routes)
            routes_dir = Path(tmp) / f"routes-{routes}"
            asyncio.run(export_routes(url, routes_dir))
            for scenario in args.scenarios.split(","):
                for mode in args.modes.split(","):
                    runs: dict[str, list[Result]] = {label: [] for label, _ in runners}
                    for _ in range(args.repeat):  # interleaved, so a burst of load on the box hits every variant
                        for label, limit in runners:
                            impl = label.split("@")[0]
                            result = measure(control, url, scenario, impl, mode, routes_dir, limit)
                            if result.route_answers != expected_route_requests(routes):
                                raise AssertionError(
                                    f"{label}: {result.route_answers} route reads answered, not as expected"
                                )
                            runs[label].append(result)
                    report(scenario, mode, routes, runs)
    expected = {n: expected_route_requests(n) for n in sizes}
    print(f"\nexpected route requests per plan (ceil(N/50) + N, + 1 empty page when N % 50 == 0): {expected}")


def report(scenario: str, mode: str, routes: int, runs: dict[str, list[Result]]) -> None:
    """One row per variant: its median run, and the baseline's median time over it."""
    medians = {}
    for label, results in runs.items():
        middle = statistics.median_low(r.seconds for r in results)
        medians[label] = next(r for r in results if r.seconds == middle)
    for label, result in medians.items():
        low = floor(scenario, mode, routes, result)
        speedup = ""
        if label != "baseline" and "baseline" in medians:
            speedup = f"{medians['baseline'].seconds / result.seconds:.1f}x"
        share = 100 * result.rate_limited / result.requests
        spread = "/".join(f"{r.seconds:.1f}" for r in runs[label]) if len(runs[label]) > 1 else ""
        print(
            f"{scenario:4} {mode:5} {routes:>5} {label:8} {result.seconds:>7.2f} {low:>7.2f} "
            f"{result.seconds / low:>7.2f} {result.route_requests:>6} {result.lookup_requests:>7} "
            f"{result.rate_limited:>5} {share:>6.2f} {speedup:>7} {spread:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
