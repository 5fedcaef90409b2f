"""Route files → the route model without the API: every name stands for itself (the "id" is the name).

Pure: no I/O. `reconciler test` needs no key and no catalog, so alert sources, attributes, escalation paths and the
rest keep the names the files write, channels keep their `#name`, and the evaluator compares them with the names a
test case writes. Operations stay as written (`one_of`), which the evaluator treats like the stored
`contains_one_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.errors import JsonPath, Problem
from reconciler.files.decode import DesiredRoute, RouteDocLike, _Decoder
from reconciler.model import Catalog


class _NamesDecoder(_Decoder):
    """A decoder whose lookups answer the name itself."""

    def lookup(self, kind: str, value: Any, path: JsonPath) -> str:
        if not isinstance(value, str) or not value:
            return super().lookup(kind, value, path)  # reports the bad value
        return value

    def channel(self, value: str, path: JsonPath, kind: str) -> str:
        return value


def decode_offline(docs: Sequence[RouteDocLike]) -> tuple[list[DesiredRoute], list[Problem]]:
    """Every route file decoded with names as ids, and the problems of those that could not be."""
    routes: list[DesiredRoute] = []
    problems: list[Problem] = []
    for doc in docs:
        decoder = _NamesDecoder(doc, Catalog())
        route = decoder.route()
        if decoder.problems:
            problems.extend(decoder.problems)
        else:
            routes.append(DesiredRoute(route=route, source=str(doc.path)))
    return routes, sorted(problems)
