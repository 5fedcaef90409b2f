"""`--changed-from REF`: ask git which route files changed since REF and read them on both sides (I/O).

The mapping from changes to targets is pure (`core/changed.py`); this module runs git (`run/git.py`) and reads the
files: the work tree's from disk, REF's with `git show`. A file that does not parse on one side contributes nothing
from that side (the work tree's is reported by validation anyway; a broken file at REF defined no route).
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.core.changed import (
    FileChange,
    changed_files,
    changed_targets,
    full_plan_reason,
    is_route_file,
    parse_name_status,
    route_file_changes,
    untracked,
)
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.files.load import load_route_bytes
from reconciler.model import Targets
from reconciler.run import git

CONFIG_FILE = "reconciler.toml"
PYPROJECT = "pyproject.toml"
SCHEMA_FOLDER = "schema/"
PACKAGED_SCHEMA = "schema/alert-route.schema.json"  # inside the package


@dataclass(frozen=True)
class Changed:
    """What `--changed-from` decided: `targets` for a targeted plan, or `full` (why every route is planned)."""

    ref: str
    targets: Targets | None = None
    full: str = ""

    @property
    def message(self) -> str:
        """The one line that says what was decided (empty for an ordinary targeted plan)."""
        if self.full:
            return f"--changed-from: {self.full} changed, planning every route"
        if self.targets is not None and self.targets.changed_from is not None and not self.targets.changed_from.files:
            return f"--changed-from: no route files changed since {self.ref}"
        return ""


def changed_since(ref: str, routes_dir: Path, *, cwd: Path | None = None) -> Changed:
    """The targets of the route files under `routes_dir` that changed between `ref` and the work tree.

    Raises ConfigError (one line, naming the ref) when `routes_dir` is not in a git checkout or `ref` names no commit.
    """
    if shutil.which("git") is None:
        raise ConfigError(f"--changed-from {ref}: git is not installed (it tells which route files changed)")
    folder = cwd if cwd is not None else Path.cwd()
    routes_abs = (folder / routes_dir).resolve()
    root = git.toplevel(routes_abs) if routes_abs.is_dir() else None
    if root is None:
        raise ConfigError(f"--changed-from {ref}: {routes_dir.as_posix()} is not in a git checkout")
    root = root.resolve()
    try:
        commit = git.commit_of(root, ref)
    except git.GitError as exc:
        raise ConfigError(f"--changed-from {ref}: {exc}") from None
    routes = routes_abs.relative_to(root).as_posix()
    watched = _watched(root, folder.resolve())
    pathspecs = [routes, *(path.rstrip("/") for path in watched)]
    try:
        changes = parse_name_status(git.changed_paths(root, commit, pathspecs))
        changes += untracked(git.untracked_paths(root, pathspecs))
    except git.GitError as exc:
        raise ConfigError(f"--changed-from {ref}: git diff failed: {exc}") from None
    pyproject = next((path for path, shown in watched.items() if shown == PYPROJECT), None)
    config = [change for change in changes if pyproject in change.paths]
    others = [change for change in changes if change not in config]
    reason = full_plan_reason(others, routes, watched)
    if reason is None and any(_settings_differ(root, commit, change) for change in config):
        reason = f"{_shown(config[0])} [tool.reconciler]"
    if reason is not None:
        return Changed(ref=ref, full=reason)
    touched = route_file_changes(changes, routes)
    sides = [data for change in touched for data in _contents(root, commit, change, routes)]
    return Changed(ref=ref, targets=changed_targets(sides, ref=ref, commit=commit, files=changed_files(touched)))


def _shown(change: FileChange) -> str:
    return change.new or change.old or ""


def _watched(root: Path, folder: Path) -> dict[str, str]:
    """What every route depends on, relative to `root`: the schema folder, the config files, the packaged schema."""
    watched: dict[str, str] = {}
    for path, shown in (
        (folder / SCHEMA_FOLDER, SCHEMA_FOLDER),
        (folder / CONFIG_FILE, CONFIG_FILE),
        (folder / PYPROJECT, PYPROJECT),
        (Path(str(resources.files("reconciler").joinpath(PACKAGED_SCHEMA))).resolve(), ""),
    ):
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            continue  # outside this checkout: git cannot say whether it changed
        key = relative + "/" if shown.endswith("/") else relative
        watched[key] = shown or relative
    return watched


def _settings_differ(root: Path, commit: str, change: FileChange) -> bool:
    """Whether a changed pyproject.toml changed its [tool.reconciler] table (any other edit leaves plans alone)."""
    before = git.show(root, commit, change.old) if change.old is not None else None
    now = root / change.new if change.new is not None else None
    after = now.read_bytes() if now is not None and now.is_file() else None
    return bool(_settings(before) != _settings(after))


def _settings(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        table: Any = tomllib.loads(data.decode("utf-8")).get("tool", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return data  # unreadable: compared as bytes, so any edit counts
    return table.get("reconciler") if isinstance(table, dict) else table


def _contents(root: Path, commit: str, change: FileChange, routes: str) -> list[dict[str, Any]]:
    """The route file's data as it was at REF and as it is in the work tree (the sides that exist and parse)."""
    then = git.show(root, commit, change.old) if change.old is not None and is_route_file(change.old, routes) else None
    now = _read(root / change.new) if change.new is not None and is_route_file(change.new, routes) else None
    found: list[dict[str, Any]] = []
    for data, path in ((then, change.old), (now, change.new)):
        if data is None or path is None:
            continue
        try:
            found.append(load_route_bytes(data, path).data)
        except ReconcilerError:
            continue
    return found


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
