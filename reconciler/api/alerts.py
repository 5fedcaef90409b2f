"""Alerts (`GET /v2/alerts`): the alerts created since a moment, newest first, bounded by a limit.

I/O through the `IncidentIO` client only; returns the API's alert objects as they are.
"""

from __future__ import annotations

from typing import Any

from reconciler.api.client import IncidentIO

ALERTS = "/v2/alerts"
PAGE_SIZE = 50  # the endpoint's maximum
Obj = dict[str, Any]


async def read_alerts(api: IncidentIO, *, since: str, limit: int) -> tuple[list[Obj], bool]:
    """Up to `limit` alerts created at or after `since` (RFC 3339), and whether more were left unread."""
    alerts: list[Obj] = []
    params = {"created_at[gte]": since}
    async for page in api.iter_pages(ALERTS, "alerts", page_size=min(PAGE_SIZE, max(limit, 1)), params=params):
        for alert in page:
            if len(alerts) == limit:
                return alerts, True
            if isinstance(alert, dict):
                alerts.append(alert)
    return alerts, False
