"""Impact replay with I/O: read the period's alerts and the live routes, and replay them against the plan.

Reads only (`alerts.view`, `alert_routes.view`, `alert_sources.view`); the replay itself is `core/impact.py`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reconciler.api.alerts import read_alerts
from reconciler.api.client import IncidentIO
from reconciler.core.impact import Impact, planned_routes, replay
from reconciler.model import Catalog, Plan
from reconciler.run import live


async def replay_plan(
    api: IncidentIO, plan: Plan, catalog: Catalog, *, period: str, span: timedelta, limit: int, now: datetime
) -> Impact:
    """The plan's impact on the alerts created in the `span` before `now` (at most `limit` of them)."""
    since = (now - span).strftime("%Y-%m-%dT%H:%M:%SZ")
    alerts, limit_hit = await read_alerts(api, since=since, limit=limit)
    current = await live.read_all(api)
    before = [route.route for route in current]
    names = {source.id: source.name for source in catalog.alert_sources}
    return replay(
        alerts,
        before,
        planned_routes(current, plan),
        source_names=names,
        period=period,
        limit=limit,
        limit_hit=limit_hit,
    )
