"""Step 5, diff: what differs between a desired and a live route, in the file format a reviewer reads.

Pure: no I/O. Two routes are in sync exactly when their canonical payloads are equal. Otherwise deepdiff compares
the two routes written as files (names, defaults spelled out), and each difference it finds is reported at a readable
depth: into mappings and into lists of mappings of the same length (`alert_sources[0].conditions[0]`), but a list of
scalars (`values`), a list whose length changed, or a value that changed type is reported whole.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from deepdiff import DeepDiff

from reconciler.document import full_document
from reconciler.model import Catalog, FieldChange
from reconciler.normalize import canonicalize

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


def _assume_unreported(want: Mapping[str, Any], have: dict[str, Any]) -> dict[str, Any]:
    """`have`, taking the desired `cast`/`concatenate` options as live where the live route lacks them.

    v2 responses never carry these options, so without this a route using them would differ on every plan.
    """
    out = have
    for i, (mine, theirs) in enumerate(zip(want["expressions"], have["expressions"], strict=False)):
        for j, (wanted, held) in enumerate(zip(mine["operations"], theirs["operations"], strict=False)):
            for key in ("cast", "concatenate"):
                if wanted["operation_type"] == held["operation_type"] and key in wanted and key not in held:
                    if out is have:
                        out = copy.deepcopy(have)
                    out["expressions"][i]["operations"][j][key] = wanted[key]
    return out


def live_matches(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    """Whether a live route, as the API returns it, already holds the canonical `desired` payload.

    Needs no catalog: the server stores conditions already rewritten (`contains_one_of`), and `desired` was
    rewritten the same way when it was resolved, so only the response's labels and echoes have to go.
    """
    if not isinstance(desired, Mapping) or not isinstance(desired.get("expressions"), list):
        return False
    have = _assume_unreported(desired, canonicalize(live, Catalog()))
    return bool(have == desired)


def diff_payloads(desired: Mapping[str, Any], live: Mapping[str, Any], catalog: Catalog) -> tuple[FieldChange, ...]:
    """The fields that differ (`old` live, `new` desired, file format with names); empty exactly when in sync."""
    if desired == live:  # equal inputs canonicalize equally: skip the work for the common, in-sync case
        return ()
    want = canonicalize(desired, catalog)
    have = _assume_unreported(want, canonicalize(live, catalog))
    if want == have:  # the common case, and the definition of "in sync"
        return ()
    new_doc, old_doc = full_document(want, catalog), full_document(have, catalog)
    paths = _changed_paths(old_doc, new_doc)
    if not paths:
        # Two payloads that only differ in ids the catalog cannot tell apart: show the payload fields themselves.
        old_doc, new_doc = have, want
        paths = _changed_paths(have, want)
    ordered = sorted(paths, key=_order({**new_doc, **old_doc}))
    return tuple(FieldChange(path=format_field(p) or "$", old=_at(old_doc, p), new=_at(new_doc, p)) for p in ordered)
