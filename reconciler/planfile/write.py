"""The plan file's writer, its seal (`checksum`) and its review fingerprint (`review`).

Pure: no I/O. Two digests, for two questions:

* the **seal** answers "is this the file reconciler wrote?": SHA-256 of the canonical JSON of the whole document
  except the `checksum` key itself, so any change anywhere (even a route's display, a count, the API URL or the time)
  is refused;
* the **review fingerprint** answers "is this what the reviewer approved?": SHA-256 of the changes only (their
  action, name, route id, live version, desired and live content, and what the reviewer was shown of them). It is the
  same for a plan made at another time, against another host, or after an edit to a route the plan does not touch,
  and different for any difference in what would be written or what was shown.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from reconciler.model import Action, Change, Plan
from reconciler.route_json import to_json

FORMAT_VERSION = 3
API_URL = re.compile(r"^https?://[^\s/?#@]+$")
CREATED_AT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_hex(value: Any) -> str:
    """Lowercase hex SHA-256 of `value`'s canonical JSON in UTF-8."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def safe_api_url(api_url: str) -> str:
    """`scheme://host[:port]` of the API URL: never a path, query or user info (where a key could hide)."""
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}" if parts.scheme else host


def review_fingerprint(plan: Plan) -> str:
    """What a reviewer approved: the changes in plan order, with their content and the versions they are pinned to."""
    return sha256_hex({"format_version": FORMAT_VERSION, "changes": [_reviewed(change) for change in plan.changes]})


def plan_checksum(
    doc_or_plan: Mapping[str, Any] | Plan, *, api_url: str | None = None, created_at: str | None = None
) -> str:
    """The seal of a plan document (every key but `checksum`), or of the document `plan_to_dict` makes of a plan."""
    if isinstance(doc_or_plan, Plan):
        return str(plan_to_dict(doc_or_plan, api_url=api_url or "", created_at=created_at or "")["checksum"])
    return sha256_hex({key: value for key, value in doc_or_plan.items() if key != "checksum"})


def plan_to_dict(
    plan: Plan, *, api_url: str, created_at: str, impact: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The plan as the JSON document `plan --out` writes and `plan --format json` prints (plan.schema.json).

    `api_url` (reduced to scheme://host[:port]) and `created_at` (UTC, `YYYY-MM-DDTHH:MM:SSZ`) are required: a plan
    file without them could be applied anywhere, and the reader refuses it.
    """
    url = safe_api_url(api_url) if api_url else ""
    if not API_URL.match(url):
        raise ValueError(f"a plan file needs the API URL it was planned against as scheme://host[:port], not {url!r}")
    if not CREATED_AT.match(created_at):
        raise ValueError(f"a plan file's created_at is a UTC time like 2026-01-01T00:00:00Z, not {created_at!r}")
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "review": review_fingerprint(plan),
        "created_at": created_at,
        "api_url": url,
        "api_version": plan.api_version,
        "summary": plan.summary,
        "counts": {action.value: plan.count(action) for action in Action},
        "refused": plan.refused,
        "refusals": list(plan.refusals),
        "limits": {
            "min_routes": plan.limits.min_routes,
            # Always floats, so that a file read back and written again is byte-identical.
            "max_update_share": float(plan.limits.max_update_share),
            "max_delete_share": float(plan.limits.max_delete_share),
        },
        "changes": [_change_to_dict(change) for change in plan.changes],
        "unmanaged": [
            {"route_id": route.route_id, "name": route.name, "version": route.version} for route in plan.unmanaged
        ],
        "in_sync": plan.in_sync,
        "live_count": plan.live_count,
        "warnings": [str(warning) for warning in plan.warnings],
        "snapshot": dict(plan.snapshot),
    }
    if plan.targets is not None:  # only on a targeted plan, so an untargeted plan file is as before
        document["targets"] = {
            "patterns": list(plan.targets.patterns),
            "ids": list(plan.targets.ids),
            "unread": plan.targets.unread,
        }
        # Only with --changed-from, so a --target plan file is as before.
        if plan.targets.names:
            document["targets"]["names"] = list(plan.targets.names)
        if plan.targets.changed_from is not None:
            source = plan.targets.changed_from
            document["targets"]["changed_from"] = {
                "ref": source.ref,
                "commit": source.commit,
                "files": list(source.files),
            }
    if impact is not None:  # plan --replay: recorded under the seal like everything else
        document["impact"] = dict(impact)
    document["checksum"] = plan_checksum(document)
    return document


def dump_plan(plan: Plan, *, api_url: str, created_at: str, impact: Mapping[str, Any] | None = None) -> str:
    """The plan file's text: sorted keys, indented, UTF-8 characters as they are, ending with a newline."""
    data = plan_to_dict(plan, api_url=api_url, created_at=created_at, impact=impact)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _reviewed(change: Change) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "name": change.name,
        "route_id": change.route_id,
        "live_version": change.live_version,
        "desired": None if change.desired is None else to_json(change.desired),
        "live": None if change.live is None else to_json(change.live),
        "desired_doc": change.desired_doc,
        "live_doc": change.live_doc,
        "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in change.fields],
    }


def _change_to_dict(change: Change) -> dict[str, Any]:
    return {
        **_reviewed(change),
        "source": change.source,
        "protected": change.protected,
        "refused": change.refused,
    }
