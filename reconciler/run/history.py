"""The committed versions of drifted route files, decoded into the route model, for drift to say why a route drifted.

Reads git through `run/git.py` only. An old version that no longer parses or names something the organisation no
longer has is skipped: it cannot be what is live now.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reconciler.errors import ReconcilerError
from reconciler.files.decode import decode_route
from reconciler.files.load import load_route_bytes
from reconciler.model import Action, Catalog, Plan
from reconciler.route import Route
from reconciler.run.git import file_versions


def committed_routes(path: Path, catalog: Catalog) -> list[Route]:
    """The committed versions of the route file at `path` as routes, newest first ([] outside git)."""
    routes: list[Route] = []
    for version in file_versions(path):
        try:
            doc = load_route_bytes(version.content, f"{version.commit[:12]}:{version.path}")
        except ReconcilerError:
            continue
        desired, _problems = decode_route(doc, catalog)
        if desired is not None:
            routes.append(desired.route)
    return routes


def drifted_sources(plan: Plan) -> Iterable[str]:
    """The route files of the routes a read-only plan would update: those whose live route differs."""
    return sorted({c.source for c in plan.changes if c.action is Action.UPDATE and c.source})


def plan_history(plan: Plan, catalog: Catalog) -> dict[str, list[Route]]:
    """Route file → its committed versions, for every drifted route file of `plan`."""
    return {source: committed_routes(Path(source), catalog) for source in drifted_sources(plan)}
