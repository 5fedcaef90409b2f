"""Private routes on GitHub: their name, the action and which fields changed, never a value or a template.

A route marked `is_private: true` (in git or live) can carry what must not be public yet: an embargoed CVE id in a
condition, a customer's name in a template. PR comments, drift issues and job summaries are readable by everyone
with access to the repository, so for such a route they show only what `hidden_diff` returns. The terminal and the
plan file (which stay with the operator and the CI artifact) keep full detail.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.model import Action, Change

NOTE = "🔒 private route: values and templates are not shown on GitHub (run `reconciler plan` to see them)"


def _doc_private(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("is_private") is True


def change_is_private(change: Change) -> bool:
    """True when either side of `change` is a private route."""
    routes = (change.desired, change.live)
    return any(r is not None and r.is_private for r in routes) or any(
        _doc_private(d) for d in (change.desired_doc, change.live_doc)
    )


def docs_are_private(*docs: Any) -> bool:
    """True when any of the route documents (file format) is marked private."""
    return any(_doc_private(d) for d in docs)


def hidden_diff(action: Action | None, fields: Iterable[str]) -> list[str]:
    """What a private route's folded block shows instead of its diff: the note and the changed field names."""
    names = sorted(set(fields))
    if action is Action.CREATE:
        what = "a new route"
    elif action is Action.DELETE:
        what = "the route is deleted"
    else:
        what = "changed fields: " + (", ".join(names) if names else "(none listed)")
    return [NOTE, what]
