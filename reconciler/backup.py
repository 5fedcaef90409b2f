"""Backups of the raw live routes as JSON, and reading them back as the desired state of a restore.

A backup folder holds one `<slug>.json` per route (the API's `AlertRouteV2`, as read) and `index.json` listing
them with their ids, names and versions. A restore turns each backed-up route into its canonical payload, pinned to
its id, and plans against live like any other desired state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.document import to_document
from reconciler.errors import ConfigError
from reconciler.export import safe_path, unique_stems
from reconciler.model import Catalog
from reconciler.normalize import canonical_live
from reconciler.planfile import safe_api_url
from reconciler.resolve import DesiredRoute

INDEX = "index.json"
FORMAT_VERSION = 1
DEFAULT_ROOT = Path("backups") / "incident.io"


def default_backup_dir(now: datetime, root: Path = DEFAULT_ROOT) -> Path:
    """`backups/incident.io/20261126T201131Z`: a UTC timestamp, sortable, safe on every filesystem."""
    return root / now.strftime("%Y%m%dT%H%M%SZ")


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def backup_files(live: Sequence[Mapping[str, Any]], *, api_url: str, created_at: str) -> dict[str, str]:
    """`{file name: JSON text}`: one file per route plus the index."""
    stems = unique_stems(live, taken=[INDEX.removesuffix(".json")])
    files: dict[str, str] = {}
    entries = []
    for route in sorted(live, key=lambda r: (str(r.get("name", "")), str(r.get("id", "")))):
        route_id = str(route["id"])
        name = f"{stems[route_id]}.json"
        files[name] = _json(route)
        entries.append({"id": route_id, "name": route.get("name"), "version": route.get("version"), "file": name})
    index = {
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "api_url": safe_api_url(api_url),
        "routes": entries,
    }
    files[INDEX] = _json(index)
    return files


def read_backup(folder: Path) -> list[dict[str, Any]]:
    """The routes of a backup folder, as the API gave them, in index order."""
    index_path = folder / INDEX
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{index_path}: cannot read the backup index ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ConfigError(f"{index_path}: not a backup index: invalid JSON ({exc})") from None
    if not isinstance(index, dict) or index.get("format_version") != FORMAT_VERSION:
        raise ConfigError(f"{index_path}: not a backup index of format_version {FORMAT_VERSION}")
    routes = []
    for entry in index.get("routes", []):
        path = safe_path(folder, str(entry.get("file", "")))
        try:
            route = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the backed-up route ({exc})") from None
        if (
            not isinstance(route, dict)
            or not isinstance(route.get("id"), str)
            or not isinstance(route.get("name"), str)
        ):
            raise ConfigError(f"{path}: not a backed-up alert route (no id or name)")
        routes.append(route)
    return routes


def desired_from_backup(routes: Sequence[Mapping[str, Any]], catalog: Catalog, folder: Path) -> list[DesiredRoute]:
    """Backed-up routes as desired routes: canonical payloads pinned to their ids (a route deleted since the
    backup is created again, matched by name if it was re-created meanwhile)."""
    stems = unique_stems(routes, taken=[INDEX.removesuffix(".json")])
    desired = []
    for route in routes:
        route_id, name = str(route["id"]), str(route["name"])
        payload = canonical_live(route, catalog)
        desired.append(
            DesiredRoute(
                name=name,
                source=(folder / f"{stems[route_id]}.json").as_posix(),
                pinned_id=route_id,
                protect=False,
                payload=payload,
                document=to_document(payload, catalog, name=name, route_id=route_id),
            )
        )
    return desired
