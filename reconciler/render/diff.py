"""A change as a unified diff of route files (names, not ids), for PR comments and drift reports.

Pure: no I/O. Both sides are dumped with the route file dumper (same key order), so the diff shows only what differs.
"""

from __future__ import annotations

import difflib
from typing import Any

from reconciler.files.load import dump_route
from reconciler.files.plaintext import printable
from reconciler.model import Change


def route_yaml(doc: Any) -> list[str]:
    """The lines of a route document in the file format; [] for no document."""
    if doc is None:
        return []
    if not isinstance(doc, dict):
        return [repr(doc)]
    # YAML escapes control characters but not bidi controls, which would make a diff line read as something else.
    return [printable(line) for line in dump_route(doc, modeline="").strip("\n").splitlines()]


def change_diff(change: Change, *, context: int = 3) -> list[str]:
    """Diff lines (`+`, `-`, ` ` and `@@` hunk headers) from the live route to the desired one."""
    return docs_diff(change.live_doc, change.desired_doc, context=context)


def docs_diff(before: Any, after: Any, *, context: int = 3) -> list[str]:
    """Diff lines from one route document (file format) to another; either may be None (a create, a delete)."""
    if isinstance(before, dict) and isinstance(after, dict) and ("id" in before) != ("id" in after):
        # A file that does not pin its id is matched by name: the id on one side only is not a change.
        before = {k: v for k, v in before.items() if k != "id"}
        after = {k: v for k, v in after.items() if k != "id"}
    old = route_yaml(before)
    new = route_yaml(after)
    if not old:
        return [f"+{line}" for line in new]
    if not new:
        return [f"-{line}" for line in old]
    lines = list(difflib.unified_diff(old, new, lineterm="", n=context))
    return lines[2:]  # drop the ---/+++ file headers: both sides are the same route


def fence_for(lines: list[str]) -> str:
    """A backtick fence longer than any backtick run in `lines`, so no content line can close the block."""
    longest = 0
    for line in lines:
        run = 0
        for char in line:
            run = run + 1 if char == "`" else 0
            longest = max(longest, run)
    return "`" * max(3, longest + 1)
