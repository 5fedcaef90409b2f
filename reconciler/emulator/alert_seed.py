"""A week of realistic alerts over the example organisation's alert sources, generated when the alerts are first
read, relative to that moment, from a fixed seed (the same alerts, in the same order, on every run).

Only sources whose names appear in PROFILE get alerts, so a state file with other sources starts with none. The
mix matters to replay: Alertmanager (Production) sends `info` alerts that the live (drifted) Production Warnings
route takes and the route files' version does not (docs/example-organisation.md).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from reconciler.emulator.alert_store import AlertStore, record_event
from reconciler.emulator.state import EmulatorState, Obj

SEED = 13
DAYS = 7


@dataclass(frozen=True)
class Profile:
    per_day: int
    titles: Sequence[str]
    metadata: Sequence[tuple[Mapping[str, str], int]] = (({}, 1),)  # (metadata, weight)


_ALERTMANAGER = ("HighErrorRate", "HighLatency", "PodCrashLooping", "DiskFillingUp", "CPUThrottlingHigh", "Watchdog")
PROFILE: Mapping[str, Profile] = {
    "Alertmanager (Production)": Profile(
        120,
        _ALERTMANAGER,
        (({"severity": "critical"}, 10), ({"severity": "warning"}, 45), ({"severity": "info"}, 25), ({}, 20)),
    ),
    "Checkly (Production)": Profile(10, ("Checkout API check failed", "Login page check degraded")),
    "Alertmanager (Staging)": Profile(
        60, _ALERTMANAGER, (({"severity": "critical"}, 20), ({"severity": "warning"}, 50), ({}, 30))
    ),
    "Checkly (Staging)": Profile(15, ("Checkout API check failed (staging)",)),
    "sev0@ Email": Profile(1, ("SEV0: payments are failing",)),
    "Grafana Cloud": Profile(8, ("p99 latency above SLO", "Error budget burn rate high")),
    "PlanetScale": Profile(
        12,
        ("Replication lag above 30 s", "Connection count near limit"),
        (({"branch": "main"}, 5), ({"branch": "add-index-orders"}, 3), ({"branch": "dev"}, 2)),
    ),
    "Axiom": Profile(20, ("Log volume spike", "Ingest errors")),
    "Status Page Views": Profile(15, ("Status page viewed 1,000 times in 5 minutes",)),
}


def seed_week(state: EmulatorState, store: AlertStore, now: datetime) -> int:
    """Add a week of alerts before `now` to `store`; returns how many."""
    rng = random.Random(SEED)
    events: list[tuple[datetime, str, Obj]] = []
    for source in sorted(state.alert_sources.values(), key=lambda s: s["id"]):
        profile = PROFILE.get(source.get("name", ""))
        if profile is None:
            continue
        weights = [w for _m, w in profile.metadata]
        for n in range(profile.per_day * DAYS):
            created = now - timedelta(seconds=rng.randrange(60, DAYS * 86400 - 60))
            metadata = dict(rng.choices([m for m, _w in profile.metadata], weights)[0])
            title = rng.choice(profile.titles)
            status = "resolved" if rng.random() < 0.8 else "firing"
            event = {"title": title, "status": status, "deduplication_key": f"seed-{source['id']}-{n}"}
            events.append((created, source["id"], event | {"metadata": metadata}))
    for created, source_id, event in sorted(events, key=lambda e: (e[0], e[1], e[2]["deduplication_key"])):
        record_event(state, store, source_id, event, created)
    return len(events)
