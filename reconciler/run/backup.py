"""Backups of the raw live routes as JSON, and reading them back as the desired state of a restore.

A backup folder holds one `<slug>.json` per route (the API's `AlertRouteV3` or `AlertRouteV2`, as read) and
`index.json` listing them with their ids, names, versions and the API version each was read through. A restore turns
each backed-up route into the route model (with the codec of the version it was read through), pinned to its id,
and plans against live like any other desired state; it writes back through that same version. Backups of format 1
(before v3) hold v2 routes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError
from reconciler.files.decode import DesiredRoute
from reconciler.planfile import safe_api_url
from reconciler.run.export import safe_path, unique_stems
from reconciler.wire import API_VERSIONS, ApiVersion, decode

INDEX = "index.json"
FORMAT_VERSION = 2
READABLE = (1, 2)
DEFAULT_ROOT = Path("backups") / "incident.io"


def default_backup_dir(now: datetime, root: Path = DEFAULT_ROOT) -> Path:
    """`backups/incident.io/20261126T201131Z`: a UTC timestamp, sortable, safe on every filesystem."""
    return root / now.strftime("%Y%m%dT%H%M%SZ")


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def backup_files(
    live: Sequence[Mapping[str, Any]], *, api_url: str, api_version: str, created_at: str
) -> dict[str, str]:
    """`{file name: JSON text}`: one file per route (as read through `api_version`) plus the index."""
    stems = unique_stems(live, taken=[INDEX.removesuffix(".json")])
    files: dict[str, str] = {}
    entries = []
    for route in sorted(live, key=lambda r: (str(r.get("name", "")), str(r.get("id", "")))):
        route_id = str(route["id"])
        name = f"{stems[route_id]}.json"
        files[name] = _json(route)
        entries.append(
            {
                "id": route_id,
                "name": route.get("name"),
                "version": route.get("version"),
                "api_version": api_version,
                "file": name,
            }
        )
    index = {
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "api_url": safe_api_url(api_url),
        "routes": entries,
    }
    files[INDEX] = _json(index)
    return files


def read_backup(folder: Path) -> list[tuple[dict[str, Any], ApiVersion]]:
    """The routes of a backup folder, as the API gave them, with the API version each was read through."""
    index_path = folder / INDEX
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{index_path}: cannot read the backup index ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ConfigError(f"{index_path}: not a backup index: invalid JSON ({exc})") from None
    if not isinstance(index, dict) or index.get("format_version") not in READABLE:
        raise ConfigError(f"{index_path}: not a backup index of format_version {' or '.join(map(str, READABLE))}")
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
        version = entry.get("api_version", "v2")
        if version not in API_VERSIONS:
            raise ConfigError(f"{index_path}: {path.name}: api_version {version!r} is not v2 or v3")
        routes.append((route, version))
    return routes


def desired_from_backup(routes: Sequence[tuple[Mapping[str, Any], ApiVersion]], folder: Path) -> list[DesiredRoute]:
    """Backed-up routes as desired routes, pinned to their ids (a route deleted since the backup is created again,
    matched by name if it was re-created meanwhile)."""
    stems = unique_stems([route for route, _ in routes], taken=[INDEX.removesuffix(".json")])
    return [
        DesiredRoute(
            route=decode(route, version),
            source=(folder / f"{stems[str(route['id'])]}.json").as_posix(),
            pinned_id=str(route["id"]),
        )
        for route, version in routes
    ]


def backup_api_version(routes: Sequence[tuple[Mapping[str, Any], ApiVersion]]) -> ApiVersion | None:
    """The one API version a backup was read through (restore writes through it), or None when it mixes them."""
    versions = {version for _, version in routes}
    return versions.pop() if len(versions) == 1 else None
