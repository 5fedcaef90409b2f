"""The saved plan (`plan.json`): what was reviewed, pinned by a checksum, read back by apply.

Pure: turns a `Plan` into JSON text and back. The checksum is the SHA-256 of the canonical JSON (sorted keys, no
whitespace) of the plan's decisive data: for each change its action, name, route id, live version and the desired
and live payloads. It leaves out the creation time, the API host, file paths and everything only shown to people, so
the same inputs give the same checksum on any machine and under any file order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import ConfigError, Location, Problem, UnsafePlan
from reconciler.model import Action, Change, FieldChange, LiveRouteSummary, Plan

FORMAT_VERSION = 1


@dataclass(frozen=True)
class PlanFile:
    """A plan as read from a file, with what surrounds it."""

    plan: Plan
    checksum: str
    api_url: str
    created_at: str


def plan_checksum(plan: Plan) -> str:
    """The SHA-256 (hex) of the plan's decisive data in canonical JSON."""
    decisive = {
        "format_version": FORMAT_VERSION,
        "changes": [
            {
                "action": change.action.value,
                "name": change.name,
                "route_id": change.route_id,
                "live_version": change.live_version,
                "desired": change.desired,
                "live": change.live,
            }
            for change in plan.changes
        ],
    }
    return hashlib.sha256(canonical_json(decisive).encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def safe_api_url(api_url: str) -> str:
    """`scheme://host[:port]` of the API URL: never a path, query or user info (where a key could hide)."""
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}" if parts.scheme else host


def plan_to_dict(plan: Plan, *, api_url: str = "", created_at: str = "") -> dict[str, Any]:
    """The plan as the JSON document `plan --out` writes and `plan --format json` prints."""
    return {
        "format_version": FORMAT_VERSION,
        "checksum": plan_checksum(plan),
        "created_at": created_at,
        "api_url": safe_api_url(api_url) if api_url else "",
        "summary": plan.summary,
        "counts": {action.value: plan.count(action) for action in Action},
        "changes": [_change_to_dict(change) for change in plan.changes],
        "unmanaged": [
            {"route_id": route.route_id, "name": route.name, "version": route.version} for route in plan.unmanaged
        ],
        "in_sync": plan.in_sync,
        "live_count": plan.live_count,
        "warnings": [str(warning) for warning in plan.warnings],
    }


def dump_plan(plan: Plan, *, api_url: str = "", created_at: str = "") -> str:
    """The plan file's text: sorted keys, indented, ending with a newline."""
    data = plan_to_dict(plan, api_url=api_url, created_at=created_at)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_plan(text: str, *, source: str = "plan.json") -> PlanFile:
    """Read a plan file back; raise `UnsafePlan` if its content no longer matches its checksum."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: not a plan file: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise ConfigError(f"{source}: not a plan file of format_version {FORMAT_VERSION}")
    try:
        plan = Plan(
            changes=tuple(_change_from_dict(item) for item in data["changes"]),
            unmanaged=tuple(
                LiveRouteSummary(route_id=str(u["route_id"]), name=str(u["name"]), version=u.get("version"))
                for u in data.get("unmanaged", [])
            ),
            in_sync=int(data.get("in_sync", 0)),
            live_count=int(data.get("live_count", 0)),
            warnings=tuple(
                Problem(Location(source), "$", str(w), severity="warning") for w in data.get("warnings", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: malformed plan file ({type(exc).__name__}: {exc})") from None
    stored = str(data.get("checksum", ""))
    actual = plan_checksum(plan)
    if stored != actual:
        raise UnsafePlan(
            f"{source}: the plan was modified after it was written (checksum {stored[:12] or 'missing'}, "
            f"content {actual[:12]}); run reconciler plan again"
        )
    return PlanFile(
        plan=plan, checksum=actual, api_url=str(data.get("api_url", "")), created_at=str(data["created_at"])
    )


def _change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "name": change.name,
        "route_id": change.route_id,
        "live_version": change.live_version,
        "source": change.source,
        "protected": change.protected,
        "desired": change.desired,
        "live": change.live,
        "desired_doc": change.desired_doc,
        "live_doc": change.live_doc,
        "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in change.fields],
    }


def _change_from_dict(item: Mapping[str, Any]) -> Change:
    version = item.get("live_version")
    if version is not None and not isinstance(version, int):
        raise ValueError(f"live_version must be an integer, not {version!r}")
    return Change(
        action=Action(item["action"]),
        name=str(item["name"]),
        route_id=item.get("route_id"),
        live_version=version,
        source=item.get("source"),
        desired=item.get("desired"),
        live=item.get("live"),
        desired_doc=item.get("desired_doc"),
        live_doc=item.get("live_doc"),
        fields=tuple(
            FieldChange(path=str(f["path"]), old=f.get("old"), new=f.get("new")) for f in item.get("fields", [])
        ),
        protected=bool(item.get("protected", False)),
    )


def review_fingerprint(plan: Plan) -> str:
    """Interim (the plan-file rework replaces it): what a reviewer approved."""
    return plan_checksum(plan)
