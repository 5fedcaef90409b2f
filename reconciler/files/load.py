"""Step 1: read route files (and the channel map and schema), keeping the line and column of every node.

Does file I/O. Files larger than MAX_BYTES are refused unread; the YAML itself is parsed by `reconciler.files.safe_yaml`
(no anchors, aliases, custom tags or duplicate keys; nesting and node count capped; YAML 1.2 JSON-schema scalars).
Every failure is an InputError holding located problems, never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from reconciler.errors import ConfigError, InputError, JsonPath, Location, Problem, json_path
from reconciler.files.safe_yaml import MAX_DEPTH, MAX_NODES, build_document, dump_route
from reconciler.model import name_key

__all__ = [
    "CHANNELS_FILE",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "RouteDoc",
    "collect_routes",
    "dump_route",
    "find_route_files",
    "load_channel_map",
    "load_channels",
    "load_route_bytes",
    "load_route_file",
    "load_routes",
    "load_schema",
]

MAX_BYTES = 256 * 1024
CHANNELS_FILE = "channels.yaml"
SCHEMA_FILE = "schema/alert-route.schema.json"  # inside the package
_SLACK_NAME = re.compile(r"^#[a-z0-9][a-z0-9._-]{0,79}$")
_SLACK_ID = re.compile(r"^[A-Z0-9]{8,}$")
_TEAMS_ID = re.compile(r"^\S{4,}$")


@dataclass(frozen=True, slots=True)
class RouteDoc:
    """One route file: its display path, its data, and where every node (and every mapping key) starts.

    Equal when path and data are. A plan holds one per route file while it reads live routes, so a loaded document
    keeps its text instead of the position maps (which cost several times the text): the maps are built from the
    text again the first time a problem needs a location, which only a file with problems does.
    """

    path: str
    data: dict[str, Any]
    given_positions: Mapping[JsonPath, tuple[int, int]] | None = field(default=None, compare=False, repr=False)
    given_key_positions: Mapping[JsonPath, tuple[int, int]] | None = field(default=None, compare=False, repr=False)
    text: str | None = field(default=None, compare=False, repr=False)
    _parsed: Any = field(default=None, init=False, compare=False, repr=False)

    def _maps(self) -> tuple[Mapping[JsonPath, tuple[int, int]], Mapping[JsonPath, tuple[int, int]]]:
        if self.given_positions is not None or self.text is None:
            return self.given_positions or {}, self.given_key_positions or {}
        if self._parsed is None:
            built = build_document(self.text)
            object.__setattr__(self, "_parsed", (built.positions, built.key_positions))
        found: tuple[Mapping[JsonPath, tuple[int, int]], Mapping[JsonPath, tuple[int, int]]] = self._parsed
        return found

    @property
    def positions(self) -> Mapping[JsonPath, tuple[int, int]]:
        """Where every node starts (line, column), by JSON path."""
        return self._maps()[0]

    @property
    def key_positions(self) -> Mapping[JsonPath, tuple[int, int]]:
        """Where every mapping key is written (line, column), by the JSON path of its entry."""
        return self._maps()[1]

    def location(self, json_path: tuple[str | int, ...]) -> Location:
        """Where the node at `json_path` starts, or its closest known ancestor."""
        positions = self.positions
        for end in range(len(json_path), -1, -1):
            found = positions.get(json_path[:end])
            if found is not None:
                return Location(self.path, found[0], found[1])
        return Location(self.path)

    def key_location(self, json_path: tuple[str | int, ...]) -> Location:
        """Where the key of the mapping entry at `json_path` is written (for "unknown field" errors)."""
        found = self.key_positions.get(json_path)
        if found is not None:
            return Location(self.path, found[0], found[1])
        return self.location(json_path)


def _problem(display: str, message: str, line: int = 0, column: int = 0, path: str = "$") -> Problem:
    return Problem(Location(display, line, column), path, message)


def _decode(data: bytes, display: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        bad = data[exc.start]
        message = f"not valid UTF-8: byte 0x{bad:02x} cannot be decoded"
        raise InputError([_problem(display, message, line, column)]) from None
    return text.removeprefix("\ufeff")


def load_route_bytes(data: bytes, display: str) -> RouteDoc:
    """Parse one route document from raw bytes; raise InputError (every problem located) if it is not one."""
    if len(data) > MAX_BYTES:
        raise InputError([_problem(display, f"file is larger than {MAX_BYTES // 1024} KiB")])
    text = _decode(data, display)
    built = build_document(text, positions=False)  # positions are rebuilt from the text if a problem needs one
    if built.problems:
        raise InputError(_problem(display, msg, line, col, path) for (line, col), path, msg in built.problems)
    if built.value is None and not built.positions:
        raise InputError([_problem(display, "file is empty: expected a mapping of route fields")])
    if not isinstance(built.value, dict):
        line, column = built.positions.get((), (0, 0))
        kind = _kind(built.value)
        raise InputError([_problem(display, f"expected a mapping of route fields, got {kind}", line, column)])
    return RouteDoc(display, built.value, text=text)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number"


def load_route_file(path: Path, *, display: str | None = None) -> RouteDoc:
    """Read and parse one route file; `display` (default: `path` as given) is the name used in problems."""
    shown = display if display is not None else path.as_posix()
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError([_problem(shown, f"cannot read file: {exc.strerror or exc}")]) from None
    return load_route_bytes(data, shown)


def find_route_files(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand files and directories (recursive `*.yaml`/`*.yml`, no dotfiles, no `channels.yaml` at a root)."""
    found: list[Path] = []
    problems: list[Problem] = []
    for root in paths:
        if root.is_dir():
            for candidate in sorted(root.rglob("*")):
                relative = candidate.relative_to(root)
                if any(part.startswith(".") for part in relative.parts) or not candidate.is_file():
                    continue
                if candidate.suffix in {".yaml", ".yml"} and relative.as_posix() != CHANNELS_FILE:
                    found.append(candidate)
        elif root.is_file():
            found.append(root)
        else:
            problems.append(_problem(root.as_posix(), "no such file or directory", path=""))
    unique = sorted(dict.fromkeys(found), key=lambda p: p.as_posix())
    return unique, problems


def collect_routes(paths: Sequence[Path]) -> tuple[list[RouteDoc], list[Problem], int]:
    """Load every route file under `paths`; return the documents, every problem found, and the file count."""
    files, problems = find_route_files(paths)
    docs: list[RouteDoc] = []
    for file in files:
        try:
            docs.append(load_route_file(file))
        except InputError as exc:
            problems.extend(exc.problems)
    problems.extend(_duplicates(docs, "name"))
    problems.extend(_duplicates(docs, "id"))
    return docs, sorted(problems), len(files)


def _duplicates(docs: Sequence[RouteDoc], key: str) -> list[Problem]:
    """Files declaring the same id, or names that people read as the same (`model.name_key`): each names the other.

    Two routes whose names differ only in case, Unicode width or surrounding spaces are the same route to whoever is
    paged, and apply matches live routes by that key, so they are as much a conflict as an exact duplicate.
    """
    first: dict[str, RouteDoc] = {}
    problems: list[Problem] = []
    for doc in docs:
        value = doc.data.get(key)
        if not isinstance(value, str):
            continue
        compared = name_key(value) if key == "name" else value
        other = first.get(compared)
        if other is None:
            first[compared] = doc
            continue
        where = other.location((key,))
        if other.data[key] == value:
            message = f"route {key} {value!r} is also declared in {where}"
        else:
            message = (
                f"route name {value!r} is the same as {other.data[key]!r} in {where} "
                "(names are compared ignoring case, Unicode width and surrounding spaces)"
            )
        problems.append(Problem(doc.location((key,)), json_path((key,)), message))
    return problems


def load_routes(paths: Sequence[Path]) -> list[RouteDoc]:
    """Load every route file under `paths` (files and/or directories); raise one InputError with all problems."""
    docs, problems, count = collect_routes(paths)
    if not problems and count == 0:
        problems = [_problem(", ".join(p.as_posix() for p in paths) or ".", "no route files found")]
    if problems:
        raise InputError(problems)
    return docs


def load_schema(path: Path | None = None) -> dict[str, Any]:
    """The route JSON Schema: `path` (--schema), else the one shipped in reconciler.

    One source, whatever the working directory: the repository's `schema/alert-route.schema.json` is a link to the
    packaged file, for editors and hooks that read it by path. A schema given by path is checked against the JSON
    Schema meta-schema first; the shipped one is checked by the test suite instead (that check costs a third of
    `reconciler validate`'s time).
    """
    given = path is not None
    if path is None:
        path = Path(str(resources.files("reconciler").joinpath(SCHEMA_FILE)))
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the schema {path.as_posix()}: {exc}") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"{path.as_posix()} is not a JSON Schema object")
    if given:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ConfigError(f"{path.as_posix()} is not a valid JSON Schema: {exc.message}") from None
    return schema


def load_channel_map(routes_dir: Path) -> dict[str, str]:
    """The Slack part of `<routes_dir>/channels.yaml` (`slack: {"#alerts": C07ALERTS01}`); absent file: empty."""
    return load_channels(routes_dir)[0]


def load_channels(routes_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """`<routes_dir>/channels.yaml`: the Slack map (`"#alerts": C07ALERTS01`) and the Microsoft Teams map
    (`"Platform/alerts": "19:…@thread.tacv2"`); an absent file is two empty maps."""
    path = routes_dir / CHANNELS_FILE
    if not path.is_file():
        return {}, {}
    doc = load_route_file(path)
    problems: list[Problem] = []
    for key in doc.data:
        if key not in ("slack", "teams"):
            problems.append(Problem(doc.key_location((key,)), json_path((key,)), f"unknown field {key!r}"))
    slack = doc.data.get("slack", {})
    if not isinstance(slack, dict):
        problems.append(Problem(doc.location(("slack",)), "$.slack", "expected a mapping of '#name': channel id"))
        slack = {}
    for name, channel_id in slack.items():
        where = ("slack", name)
        if not _SLACK_NAME.match(name):
            problems.append(
                Problem(
                    doc.key_location(where), json_path(where), f"{name!r} is not a Slack channel name like '#alerts'"
                )
            )
        if not isinstance(channel_id, str) or not _SLACK_ID.match(channel_id):
            message = f"{channel_id!r} is not a Slack channel id like 'C07ALERTS01'"
            problems.append(Problem(doc.location(where), json_path(where), message))
    teams = doc.data.get("teams", {})
    if not isinstance(teams, dict):
        problems.append(Problem(doc.location(("teams",)), "$.teams", "expected a mapping of name: Teams channel id"))
        teams = {}
    for name, channel_id in teams.items():
        where = ("teams", name)
        if not isinstance(channel_id, str) or not _TEAMS_ID.match(channel_id):
            message = f"{channel_id!r} is not a Microsoft Teams channel id like '19:abc…@thread.tacv2'"
            problems.append(Problem(doc.location(where), json_path(where), message))
    if problems:
        raise InputError(problems)
    return dict(slack), dict(teams)
