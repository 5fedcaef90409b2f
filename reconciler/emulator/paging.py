"""One cursor rule for every list the emulator serves (alert routes v2 and v3, the lookups that page, incidents).

- `page_size` is an integer within the operation's bounds; anything else is a 422 on `page_size`.
- `after` is a position, not a lookup: a page holds the items that come after that id in the list's order (ids
  order as the list does: routes and lookups by id, incidents by creation). An id that names nothing, say a route
  deleted since the previous page, still positions the page, so a bad `after` is never an error: the walk simply
  goes on (or ends) from there. The spec describes `after` as "the ID of the last item on the previous page" and
  never documents an error for it; a walk over a list that changes while it is read must not break.
- A full page carries a cursor (`pagination_meta.after`, the id of its last item), even when nothing follows: the
  next page is then empty and has none (the provider notes the real API "only hands back a cursor while pages are
  full"). The one exception is the incident list, which counts its matches (`total_record_count`) and so hands
  back a cursor only while more follow (`meta(..., more=...)`); clients stop on either signal, and the emulator
  keeps both forms so that they are exercised.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any

from reconciler.emulator.errors import WireError

Obj = dict[str, Any]
_INT = re.compile(r"-?[0-9]+")


def page_size(params: Any, maximum: int, minimum: int = 1, default: int = 25) -> int:
    """`page_size` from the query as the spec bounds it; anything else (including a non-integer) is a 422."""
    raw = params.get("page_size")
    if raw is None:
        return default
    if not _INT.fullmatch(raw.strip()) or not minimum <= int(raw) <= maximum:
        message = f"page_size must be an integer between {minimum} and {maximum}"
        raise WireError.one(422, "invalid_value", message, "page_size")
    return int(raw)


def after(params: Any) -> str | None:
    """The `after` position from the query (an empty value is no position)."""
    value = params.get("after")
    return value or None


def start(ids: Sequence[str], position: str | None, *, descending: bool = False) -> int:
    """Where the page after `position` starts in `ids`, which are sorted (descending=True: newest first)."""
    if position is None:
        return 0
    if descending:
        # bisect over the negated order: the first id that sorts strictly before `position`
        low, high = 0, len(ids)
        while low < high:
            mid = (low + high) // 2
            if ids[mid] >= position:
                low = mid + 1
            else:
                high = mid
        return low
    return bisect.bisect_right(ids, position)


def meta(items: Sequence[Obj], size: int, *, more: bool | None = None) -> Obj:
    """`pagination_meta` for a page: a cursor whenever the page is full (or, given `more`, while more follow)."""
    out: Obj = {"page_size": size}
    if items and (len(items) == size if more is None else more):
        out["after"] = items[-1]["id"]
    return out
