"""`--changed-from REF`: from what git says changed to the routes a pull request's plan must read.

Pure: no I/O (`reconciler/run/changed.py` runs git and reads the files). A changed route file targets its route
name and pinned id as they are in the work tree and as they were at REF, so a renamed route is planned under both
names (the old one as a delete or rename) and a deleted file still targets the route it defined. A change to what
every route is checked or resolved against (the schema, the channel map, the reconciler config) makes the plan a
full one instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from reconciler.model import ChangedFrom, Targets

CHANNELS_FILE = "channels.yaml"
_ROUTE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileChange:
    """One path git reports changed between REF and the work tree (paths relative to the checkout's root).

    `status` is git's letter (A, M, D, R, T, U, or `?` for an untracked file); `old` is the path at REF (None for
    an added file), `new` the path in the work tree (None for a deleted one).
    """

    status: str
    old: str | None
    new: str | None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(path for path in (self.old, self.new) if path is not None))


def parse_name_status(raw: bytes) -> list[FileChange]:
    """`git diff --name-status -z` output as changes: `X\\0path\\0`, or `Rnn\\0old\\0new\\0` for a rename or copy."""
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        letter = fields[index][0]
        if letter in "RC":
            old, new = fields[index + 1], fields[index + 2]
            changes.append(FileChange(letter, None if letter == "C" else old, new))
            index += 3
            continue
        path = fields[index + 1]
        if letter == "A":
            changes.append(FileChange(letter, None, path))
        elif letter == "D":
            changes.append(FileChange(letter, path, None))
        else:  # M, T (type change), U (unmerged): there at REF and here
            changes.append(FileChange(letter, path, path))
        index += 2
    return changes


def untracked(paths: Iterable[str]) -> list[FileChange]:
    """Files git does not track yet: new in the work tree."""
    return [FileChange("?", None, path) for path in paths]


def _inside(path: str, folder: str) -> PurePosixPath | None:
    """`path` relative to `folder` (both relative to the checkout's root; "" or "." is the root), or None."""
    try:
        return PurePosixPath(path).relative_to(PurePosixPath(folder or "."))
    except ValueError:
        return None


def is_route_file(path: str, routes: str) -> bool:
    """Whether `path` is one of the route files under `routes`, as `files.load.find_route_files` finds them."""
    relative = _inside(path, routes)
    if relative is None or not relative.parts or any(part.startswith(".") for part in relative.parts):
        return False
    return relative.suffix in _ROUTE_SUFFIXES and relative.as_posix() != CHANNELS_FILE


def full_plan_reason(changes: Iterable[FileChange], routes: str, watched: Mapping[str, str]) -> str | None:
    """Why the plan must read every route, or None: a changed path that every route depends on.

    `watched` maps a path (a file, or a folder ending in `/`) to how the message names it (`schema/`); the channel
    map `<routes>/channels.yaml` is always watched.
    """
    every = {(PurePosixPath(routes or ".") / CHANNELS_FILE).as_posix(): "", **watched}
    for change in changes:
        for path in change.paths:
            for watched_path, shown in every.items():
                folder = watched_path.endswith("/")
                if path == watched_path or (folder and _inside(path, watched_path.rstrip("/")) is not None):
                    return shown or watched_path
    return None


def route_file_changes(changes: Iterable[FileChange], routes: str) -> list[FileChange]:
    """The changes that touch a route file on either side (a file renamed into or out of the folder included)."""
    return [change for change in changes if any(is_route_file(path, routes) for path in change.paths)]


def changed_files(changes: Iterable[FileChange]) -> tuple[str, ...]:
    """The changed paths, for people: `old -> new` for a rename."""
    shown = []
    for change in changes:
        if change.old is not None and change.new is not None and change.old != change.new:
            shown.append(f"{change.old} -> {change.new}")
        else:
            shown.append(change.new or change.old or "")
    return tuple(shown)


def changed_targets(sides: Iterable[Mapping[str, Any]], *, ref: str, commit: str, files: tuple[str, ...]) -> Targets:
    """The targets of the changed route files' contents (each file as it is now and as it was at REF): every route
    name (matched exactly, never as a glob) and every pinned id, in order, without repeats."""
    names: dict[str, None] = {}
    ids: dict[str, None] = {}
    for data in sides:
        name, route_id = data.get("name"), data.get("id")
        if isinstance(name, str) and name.strip():
            names[name] = None
        if isinstance(route_id, str) and route_id:
            ids[route_id] = None
    return Targets(names=tuple(names), ids=tuple(ids), changed_from=ChangedFrom(ref=ref, commit=commit, files=files))
