"""The emulator's alerts: the store (by id, in creation order, and by deduplication key) and how an alert event
creates or updates an alert. The HTTP handlers are in alerts.py; the example organisation's week in alert_seed.py."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reconciler.emulator.state import EmulatorState, Obj


@dataclass
class AlertStore:
    """Alerts by id (ids sort as creation times do), and the index by (source, deduplication key)."""

    alerts: dict[str, Obj] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # ascending ids = oldest first
    by_dedup: dict[tuple[str, str], str] = field(default_factory=dict)
    counter: int = 0


def alert_id(store: AlertStore, created: datetime) -> str:
    """A 26-character id that sorts by creation time (milliseconds), then by arrival."""
    store.counter += 1
    return f"01KALR{int(created.timestamp() * 1000):013d}{store.counter:07d}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _value(item: Any) -> Obj:
    text = item if isinstance(item, str) else json.dumps(item)
    return {"label": text, "literal": text}


def attribute_entries(state: EmulatorState, metadata: Obj) -> list[Obj]:
    """`metadata` keys naming an alert attribute (by name or id) → the alert's attribute entries."""
    entries: list[Obj] = []
    for attribute in sorted(state.alert_attributes.values(), key=lambda a: a["id"]):
        key = attribute["id"] if attribute["id"] in metadata else attribute["name"]
        if key not in metadata or metadata[key] is None:
            continue
        value = metadata[key]
        described = {k: attribute[k] for k in ("id", "name", "type", "array", "required") if k in attribute}
        described.setdefault("array", False)
        described.setdefault("required", False)
        if isinstance(value, list):
            entries.append({"attribute": described, "array_value": [_value(v) for v in value]})
        else:
            entries.append({"attribute": described, "value": _value(value)})
    return entries


def record_event(state: EmulatorState, store: AlertStore, source_id: str, event: Obj, now: datetime) -> Obj:
    """Create the alert an event describes, or update the one with its deduplication key; returns the alert."""
    key = event["deduplication_key"]
    existing = store.by_dedup.get((source_id, key))
    alert: Obj = store.alerts[existing] if existing else {}
    if not alert:
        alert = {"id": alert_id(store, now), "alert_source_id": source_id, "created_at": iso(now)}
        alert["alert_group_ids"] = []
        store.alerts[alert["id"]] = alert
        bisect.insort(store.order, alert["id"])  # ids sort by creation time; seeded ones arrive out of order
        store.by_dedup[(source_id, key)] = alert["id"]
    alert.update(
        deduplication_key=key,
        status=event["status"],
        title=event["title"],
        attributes=attribute_entries(state, event.get("metadata") or {}),
        updated_at=iso(now),
    )
    for optional in ("description", "source_url"):
        if isinstance(event.get(optional), str):
            alert[optional] = event[optional]
    if event["status"] == "resolved":
        alert.setdefault("resolved_at", iso(now))
    else:
        alert.pop("resolved_at", None)
    return alert
