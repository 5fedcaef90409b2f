"""Route-test files (`route-tests/*.yaml`): read, check against the route-test schema, and turn into cases.

Reads files; everything wrong with one is a located `Problem` (`route-tests/x.yaml:4:7: $.cases[0].alert: ...`),
never a traceback. The format is documented in docs/route-tests.md; the schema is
`reconciler/schema/route-test.schema.json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.core.evaluate import Alert
from reconciler.core.route_tests import EXPECTATIONS, Case, Expectation
from reconciler.errors import InputError, JsonPath, Location, Problem
from reconciler.files.load import MAX_BYTES, RouteDoc, find_route_files
from reconciler.files.safe_yaml import build_document
from reconciler.files.validate import schema_problems

__all__ = ["load_case_schema", "load_cases"]

SCHEMA_FILE = "schema/route-test.schema.json"  # inside the package


def load_case_schema() -> dict[str, Any]:
    text = resources.files("reconciler").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _problem(display: str, message: str, line: int = 0, column: int = 0, path: str = "$") -> Problem:
    return Problem(Location(display, line, column), path, message)


def load_case_doc(path: Path) -> RouteDoc:
    """Parse one route-test file, keeping positions; raise InputError with located problems."""
    shown = path.as_posix()
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError([_problem(shown, f"cannot read file: {exc.strerror or exc}")]) from None
    if len(data) > MAX_BYTES:
        raise InputError([_problem(shown, f"file is larger than {MAX_BYTES // 1024} KiB")])
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        message = f"not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded"
        raise InputError([_problem(shown, message)]) from None
    built = build_document(text)
    if built.problems:
        raise InputError(_problem(shown, msg, line, col, where) for (line, col), where, msg in built.problems)
    if not isinstance(built.value, dict):
        line, column = built.positions.get((), (0, 0))
        raise InputError([_problem(shown, "expected a mapping with a `cases:` list", line, column)])
    return RouteDoc(shown, built.value, built.positions, built.key_positions)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _alert(data: Mapping[str, Any]) -> Alert:
    attributes: dict[str, str | tuple[str, ...]] = {}
    for key, value in dict(data.get("attributes") or {}).items():
        attributes[str(key)] = tuple(_text(v) for v in value) if isinstance(value, list) else _text(value)
    return Alert(
        source_id=str(data["source"]),
        title=str(data.get("title", "")),
        description=str(data.get("description", "")),
        source_url=str(data.get("source_url", "")),
        attributes=attributes,
    )


def _cases(doc: RouteDoc) -> list[Case]:
    cases = []
    for i, case in enumerate(doc.data["cases"]):
        where: JsonPath = ("cases", i)
        expect = case["expect"]
        expectations = []
        for kind in EXPECTATIONS:
            if kind not in expect:
                continue
            value = expect[kind]
            path: JsonPath = (*where, "expect", kind)
            names = tuple(str(v) for v in value) if isinstance(value, list) else ()
            expectations.append(
                Expectation(
                    kind=kind,
                    names=names,
                    flag=bool(value) if isinstance(value, bool) else False,
                    location=doc.key_location(path),
                    path=path,
                    item_locations=tuple(doc.location((*path, n)) for n in range(len(names))),
                )
            )
        cases.append(Case(str(case["name"]), _alert(case["alert"]), tuple(expectations), doc.location(where), where))
    return cases


def load_cases(paths: Sequence[Path]) -> tuple[list[Case], list[Problem], int]:
    """Every case under `paths` (files or directories of *.yaml), every problem in them, and the file count."""
    files, problems = find_route_files(paths)
    schema = load_case_schema()
    cases: list[Case] = []
    for file in files:
        try:
            doc = load_case_doc(file)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found = schema_problems(doc, schema)
        if found:
            problems.extend(found)
            continue
        cases.extend(_cases(doc))
    if not files and not problems:
        shown = ", ".join(path.as_posix() for path in paths) or "."
        problems.append(_problem(shown, "no route-test files (*.yaml) found"))
    return cases, sorted(problems), len(files)
