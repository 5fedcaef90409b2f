"""A Terraform-style reader and writer of incident.io alert routes: the baseline whole process of bench_process.py.

    INCIDENT_IO_API_KEY=... python benchmarks/baseline_tf.py plan  --api-url URL --routes DIR
    INCIDENT_IO_API_KEY=... python benchmarks/baseline_tf.py apply --api-url URL --prefix "Seeded route" --enabled false

It does what Terraform (and its incident.io provider) does, with httpx, and nothing of reconciler:

* plan: parse the configuration (every route file, YAML), then refresh: the lookups, the route list page by page,
  then GET every route with 10 workers (Terraform's default `-parallelism=10`);
* apply: refresh the same way, then PUT each route whose `enabled` differs from `--enabled` (the change under test;
  the body as read, `version` + 1), again with 10 workers.

Requests answered 429 are retried after their Retry-After (at least 1 s), as the provider's retrying client does;
there is no client-side pacing. Routes are read and written through the v2 API (the provider's). Prints one line
(`routes read N, written M`); exits 1 on any other HTTP error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

WORKERS = 10  # terraform's default -parallelism
PAGE = 50
LOOKUPS = [
    ("/v2/alert_sources", "alert_sources", None),
    ("/v2/alert_attributes", "alert_attributes", None),
    ("/v2/escalation_paths", "escalation_paths", 25),
    ("/v1/severities", "severities", None),
    ("/v1/incident_types", "incident_types", None),
    ("/v2/custom_fields", "custom_fields", None),
    ("/v2/users", "users", 250),
    ("/v3/teams", "teams", 250),
]
READ_ONLY_FIELDS = ("id", "created_at", "updated_at")


class Provider:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.workers = asyncio.Semaphore(WORKERS)

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.workers:
            while True:
                response = await self.http.request(method, path, **kwargs)
                if response.status_code != 429:
                    response.raise_for_status()
                    return response.json()
                await asyncio.sleep(max(1.0, float(response.headers.get("retry-after", "1"))))

    async def paged(self, path: str, key: str, size: int | None) -> list[Any]:
        params: dict[str, Any] = {"page_size": size} if size else {}
        items: list[Any] = []
        while True:
            body = await self.call("GET", path, params=params)
            items += body[key]
            after = (body.get("pagination_meta") or {}).get("after")
            if not size or not after or not body[key]:
                return items
            params = {**params, "after": after}

    async def refresh(self) -> list[dict[str, Any]]:
        """Every route in full, and the lookups, as `terraform plan` refreshes state."""
        lookups = asyncio.gather(*(self.paged(path, key, size) for path, key, size in LOOKUPS))
        slim = await self.paged("/v2/alert_routes", "alert_routes", PAGE)
        bodies = await asyncio.gather(*(self.call("GET", f"/v2/alert_routes/{r['id']}") for r in slim))
        await lookups
        return [body["alert_route"] for body in bodies]

    async def put(self, route: dict[str, Any], enabled: bool) -> None:
        body = {k: v for k, v in route.items() if k not in READ_ONLY_FIELDS}
        body["enabled"], body["version"] = enabled, route["version"] + 1
        await self.call("PUT", f"/v2/alert_routes/{route['id']}", json=body)


async def main_async(args: argparse.Namespace) -> str:
    headers = {"Authorization": f"Bearer {os.environ['INCIDENT_IO_API_KEY']}"}
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    async with httpx.AsyncClient(base_url=args.api_url, headers=headers, limits=limits, timeout=60) as http:
        provider = Provider(http)
        if args.command == "plan":
            config = [yaml.safe_load(p.read_text()) for p in sorted(Path(args.routes).glob("*.yaml"))]
            routes = await provider.refresh()
            return f"configuration files {len(config)}, routes read {len(routes)}, written 0"
        routes = await provider.refresh()
        enabled = args.enabled == "true"
        changing = [r for r in routes if r["name"].startswith(args.prefix) and r["enabled"] != enabled]
        await asyncio.gather(*(provider.put(route, enabled) for route in changing))
        return f"routes read {len(routes)}, written {len(changing)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["plan", "apply"])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--routes", default="routes", help="plan: the route files (parsed as Terraform parses HCL)")
    parser.add_argument("--prefix", default="Seeded route", help="apply: the routes it manages (by name)")
    parser.add_argument("--enabled", choices=["true", "false"], default="false", help="apply: the desired value")
    args = parser.parse_args()
    try:
        print(asyncio.run(main_async(args)))
    except httpx.HTTPError as error:
        print(f"baseline: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
