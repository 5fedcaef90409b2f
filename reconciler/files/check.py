"""Check route files: load every file under the given paths, validate it against the schema and the channel map,
and collect every problem at once. The one check behind `reconciler validate` and every plan.

Reads files (through `load`); the checking itself is `validate`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler.errors import InputError, Location, Problem
from reconciler.files.load import CHANNELS_FILE, RouteDoc, collect_routes, load_channel_map
from reconciler.files.validate import validate_docs


def check_files(paths: Sequence[Path], schema: Mapping[str, Any]) -> tuple[list[RouteDoc], list[Problem], int]:
    """The route files under `paths`, every problem in them (and their folders' channels.yaml), and the file count."""
    docs, problems, count = collect_routes(paths)
    channels: dict[str, str] | None = None
    broken_map = False
    for directory in (path for path in paths if path.is_dir()):
        channels = channels or {}
        try:
            channels.update(load_channel_map(directory))
        except InputError as exc:
            problems.extend(exc.problems)
            broken_map = True  # its own problems are reported; don't also flag every '#name' as unknown
    if broken_map:
        channels = None
    if count == 0 and not problems:
        shown = ", ".join(path.as_posix() for path in paths) or "."
        problems.append(Problem(Location(shown), "$", f"no route files (*.yaml) found; {CHANNELS_FILE} is not one"))
    problems.extend(validate_docs(docs, schema, channels=channels))
    return docs, sorted(problems), count


def checked_routes(routes_dir: Path, schema: Mapping[str, Any]) -> list[RouteDoc]:
    """The route files of `routes_dir`; raise one InputError with every error in them (warnings pass)."""
    docs, problems, _count = check_files([routes_dir], schema)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise InputError(errors)
    return docs
