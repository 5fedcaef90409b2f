"""Impact replay with I/O: read the period's alerts and replay them against the plan.

Reads only the alerts (`alerts.view`): the live routes are the ones the plan read (not read twice); the replay itself
is `core/impact.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from reconciler.api.alerts import read_alerts
from reconciler.api.client import IncidentIO
from reconciler.core.impact import Impact, planned_routes, replay
from reconciler.model import Catalog, LiveRoute, Plan


async def replay_plan(
    api: IncidentIO,
    plan: Plan,
    catalog: Catalog,
    current: Sequence[LiveRoute],
    *,
    period: str,
    span: timedelta,
    limit: int,
    now: datetime,
) -> Impact:
    """The plan's impact on the alerts created in the `span` before `now` (at most `limit` of them), against the
    live routes the plan was made from (`current`)."""
    since = (now - span).strftime("%Y-%m-%dT%H:%M:%SZ")
    alerts, limit_hit = await read_alerts(api, since=since, limit=limit)
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
