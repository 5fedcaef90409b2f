"""Step 5, diff: what differs between a desired and a live route, in the file format a reviewer reads.

Pure: no I/O. Two routes are in sync exactly when their models are equal (`same`). Otherwise deepdiff compares
the two routes written as files (names, defaults spelled out), and each difference it finds is reported at a readable
depth: into mappings and into lists of mappings of the same length (`alert_sources[0].conditions[0]`), but a list of
scalars (`values`), a list whose length changed, or a value that changed type is reported whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from deepdiff import DeepDiff

from reconciler.files.encode import encode
from reconciler.model import Catalog, FieldChange
from reconciler.route import Route, freeze, thaw
from reconciler.route_json import to_json

_MISSING = object()
Path = tuple[str | int, ...]


def _child(value: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return value[part] if isinstance(value, list) and -len(value) <= part < len(value) else _MISSING
    return value.get(part, _MISSING) if isinstance(value, dict) else _MISSING


def _readable(path: list[Any], old: Any, new: Any) -> Path:
    """`path` cut back to the depth at which a reviewer should see the change."""
    kept: list[str | int] = []
    for part in path:
        if isinstance(part, int):
            same_shape = isinstance(old, list) and isinstance(new, list) and len(old) == len(new)
            if not same_shape or not all(isinstance(item, dict) for item in [*old, *new]):
                break
        elif not (isinstance(old, dict) and isinstance(new, dict)):
            break
        kept.append(part)
        old, new = _child(old, part), _child(new, part)
    return tuple(kept)


def _at(value: Any, path: Path) -> Any:
    for part in path:
        value = _child(value, part)
    return None if value is _MISSING else value


def format_field(path: Path) -> str:
    """`("alert_sources", 0, "conditions")` → `alert_sources[0].conditions`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _changed_paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[Path]:
    # deepdiff costs milliseconds per route, so it only looks at the top-level fields that differ.
    paths: set[Path] = set()
    for key in dict.fromkeys([*old, *new]):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before == after:
            continue
        if before is _MISSING or after is _MISSING:
            paths.add((key,))
            continue
        tree = DeepDiff(before, after, view="tree", ignore_order=False, verbose_level=2)
        for report in tree.values():
            for level in report:
                paths.add(_readable([key, *level.path(output_format="list")], old, new))
    return paths


def _order(document: Mapping[str, Any]) -> Any:
    keys = list(document)

    def key(path: Path) -> tuple[Any, ...]:
        head = keys.index(path[0]) if path and path[0] in keys else len(keys)
        return (head, *((0, p, "") if isinstance(p, int) else (1, 0, p) for p in path[1:]))

    return key


def _assume_unreported(desired: Route, live: Route) -> Route:
    """`live`, taking the desired `cast`/`concatenate` options as live where the live route lacks them.

    Responses of neither API version carry these options, so without this a route using them would differ on every
    plan.
    """
    expressions = list(live.expressions)
    for i, (mine, theirs) in enumerate(zip(desired.expressions, live.expressions, strict=False)):
        operations = list(theirs.operations)
        for j, (wanted, held) in enumerate(zip(mine.operations, theirs.operations, strict=False)):
            want, have = thaw(wanted), thaw(held)
            missing = {key: want[key] for key in ("cast", "concatenate") if key in want and key not in have}
            if missing and want.get("operation_type") == have.get("operation_type"):
                operations[j] = freeze({**have, **missing})
        if operations != list(theirs.operations):
            expressions[i] = replace(theirs, operations=tuple(operations))
    if expressions == list(live.expressions):
        return live
    return replace(live, expressions=tuple(expressions))


def same(desired: Route, live: Route) -> bool:
    """Whether `live` already holds `desired`: the definition of "in sync" and of "already applied"."""
    return desired == live or desired == _assume_unreported(desired, live)


def diff_routes(desired: Route, live: Route, catalog: Catalog) -> tuple[FieldChange, ...]:
    """The fields that differ (`old` live, `new` desired, file format with names); empty exactly when in sync."""
    if same(desired, live):
        return ()
    live = _assume_unreported(desired, live)
    new_doc, old_doc = encode(desired, catalog, full=True), encode(live, catalog, full=True)
    paths = _changed_paths(old_doc, new_doc)
    if not paths:
        # Two routes that only differ in ids the catalog cannot tell apart: show the model's fields themselves.
        old_doc, new_doc = to_json(live), to_json(desired)
        paths = _changed_paths(old_doc, new_doc)
    ordered = sorted(paths, key=_order({**new_doc, **old_doc}))
    return tuple(FieldChange(path=format_field(p) or "$", old=_at(old_doc, p), new=_at(new_doc, p)) for p in ordered)
