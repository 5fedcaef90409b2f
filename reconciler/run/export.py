"""Safe file names for routes named remotely, and writing a folder of files without ever leaving it.

Route names come from incident.io, so anyone with dashboard access chooses them: a name like
`../../.github/workflows/x` must not become a path. Names become slugs (`[a-z0-9-]`, at most 100 characters, never a
Windows device name), made unique case-insensitively with the route id's tail, and every file is opened with
`O_EXCL` (unless overwriting) after checking that it resolves inside the output folder (RELIABILITY.md §2.5).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import ConfigError
from reconciler.files.encode import encode
from reconciler.files.load import dump_route
from reconciler.model import Catalog, LiveRoute

MAX_SLUG = 100
_RESERVED = {"con", "prn", "aux", "nul", "clock$"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str, *, fallback: str = "route") -> str:
    """`Production Alerts` → `production-alerts`: ASCII letters and digits joined by single dashes, ≤ 100 chars."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        slug = fallback
    if slug in _RESERVED:
        slug = f"{slug}-{fallback}"
    return slug


def unique_stems(routes: Sequence[Mapping[str, Any]], *, taken: Sequence[str] = ()) -> dict[str, str]:
    """A file stem per route id, unique case-insensitively; a clash gets the id's last characters as a suffix.

    Deterministic: routes are considered in (name, id) order, so the same live routes give the same files.
    """
    used = {stem.lower() for stem in taken}
    stems: dict[str, str] = {}
    for route in sorted(routes, key=lambda r: (str(r.get("name", "")), str(r.get("id", "")))):
        route_id = str(route.get("id", ""))
        slug = slugify(str(route.get("name", "")))
        stem = slug
        if stem in used:
            tail = slugify(route_id[-6:], fallback="x")
            stem = f"{slug[: MAX_SLUG - len(tail) - 1]}-{tail}"
            counter = 2
            while stem in used:
                suffix = f"{tail}-{counter}"
                stem = f"{slug[: MAX_SLUG - len(suffix) - 1]}-{suffix}"
                counter += 1
        used.add(stem)
        stems[route_id] = stem
    return stems


def safe_path(base: Path, file_name: str) -> Path:
    """`base/file_name`, refusing any name that is not a single plain file name inside `base`."""
    if (
        not file_name
        or file_name in {".", ".."}
        or file_name.startswith(".")
        or any(c in file_name for c in "/\\\x00")
        or file_name != file_name.strip()
    ):
        raise ConfigError(f"refusing unsafe file name {file_name!r}")
    target = base / file_name
    if not target.resolve().is_relative_to(base.resolve()):
        raise ConfigError(f"refusing to write {file_name!r}: it resolves outside {base}")
    return target


def check_free(base: Path, file_names: Sequence[str], *, overwrite: bool) -> None:
    """Refuse up front if any file exists (unless `overwrite`), so nothing is half written."""
    if overwrite:
        return
    existing = sorted(name for name in file_names if safe_path(base, name).exists())
    if existing:
        shown = ", ".join(existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise ConfigError(f"{base}: would overwrite {shown}; pass --overwrite to replace existing files")


def write_files(base: Path, files: Mapping[str, str], *, overwrite: bool) -> list[Path]:
    """Write `{file name: text}` into `base` (created if needed); return the paths written, sorted."""
    base.mkdir(parents=True, exist_ok=True)
    check_free(base, list(files), overwrite=overwrite)
    written = []
    for name in sorted(files):
        target = safe_path(base, name)
        # O_EXCL: a file (or a symlink planted there) that appeared since the check is never followed or replaced.
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        if overwrite and target.is_symlink():
            raise ConfigError(f"refusing to write through the symbolic link {target}")
        try:
            fd = os.open(target, flags | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            raise ConfigError(f"{target}: exists; pass --overwrite to replace existing files") from None
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(files[name])
        written.append(target)
    return written


CHANNELS_STEM = "channels"


def slack_channel_labels(live: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """`{"#alerts": "C07ALERTS01"}` from the labels the API puts on Slack channel bindings of live routes (as the
    API returns them: v2 `channel_config`, v3 `message_config.destinations`)."""
    found: dict[str, str] = {}
    for route in live:
        destinations = (route.get("message_config") or {}).get("destinations") or route.get("channel_config") or []
        for config in destinations:
            binding = ((config or {}).get("slack_targets") or {}).get("binding") or {}
            values = list(binding.get("array_value") or []) + ([binding["value"]] if binding.get("value") else [])
            for value in values:
                label, literal = value.get("label"), value.get("literal")
                if isinstance(label, str) and isinstance(literal, str) and label.startswith("#") and literal:
                    found.setdefault(label, literal)
    return dict(sorted(found.items()))


def export_files(live: Sequence[LiveRoute], catalog: Catalog, *, taken: Sequence[str] = ()) -> dict[str, str]:
    """`{file name: route file text}` for every live route, in the file format with names and a pinned id; file
    stems in `taken` (files already there) are not used."""
    stems = unique_stems([{"id": r.route_id, "name": r.name} for r in live], taken=[CHANNELS_STEM, *taken])
    return {
        f"{stems[route.route_id]}.yaml": dump_route(encode(route.route, catalog, route_id=route.route_id))
        for route in live
    }


def channels_text(channels: Mapping[str, str]) -> str:
    """`routes/channels.yaml`: the Slack channel names route files use, mapped to channel ids."""
    body = yaml.safe_dump({"slack": dict(sorted(channels.items()))}, sort_keys=False, allow_unicode=True)
    return "# Slack channel names used in route files, mapped to channel ids (the API cannot look them up).\n" + body
