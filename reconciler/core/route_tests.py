"""Route tests: check one case's expectations against where the evaluator sends its alert.

Pure: no I/O. A failure is a `Problem` located at the expectation that failed (the item of `hits:`/`misses:` that
failed, else the `expect:` key), saying what was expected and what matched. An expectation that depends on a route
the evaluator cannot decide offline fails as "cannot be decided offline", never as a pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.core.evaluate import Alert, Evaluation, RouteResult, Truth, evaluate
from reconciler.errors import JsonPath, Location, Problem, json_path
from reconciler.route import Route

EXPECTATIONS = ("routes", "hits", "misses", "no_route", "escalation_paths", "channels", "incident")
_NOUNS = {"escalation_paths": "escalation paths", "channels": "channels"}


@dataclass(frozen=True)
class Expectation:
    """One `expect:` key of a case: its kind, its value, and where each part is written."""

    kind: str  # one of EXPECTATIONS
    names: tuple[str, ...]  # routes, escalation paths or channels (empty for no_route / incident)
    flag: bool  # the value of `incident` (true for no_route)
    location: Location
    path: JsonPath
    item_locations: tuple[Location, ...] = ()


@dataclass(frozen=True)
class Case:
    """One route test: a sample alert and what must hold for it."""

    name: str
    alert: Alert
    expectations: tuple[Expectation, ...]
    location: Location
    path: JsonPath


@dataclass(frozen=True)
class CaseResult:
    """One case, where its alert went, and every failed expectation."""

    case: Case
    evaluation: Evaluation
    failures: tuple[Problem, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def quoted(names: Sequence[str], *, empty: str = "none") -> str:
    return ", ".join(f'"{n}"' for n in names) if names else empty


def _undecided(results: Sequence[RouteResult], *, incident: bool = False) -> str:
    shown = "; ".join(f'"{r.route}": {r.incident_reason if incident else r.reason}' for r in results)
    return f"cannot be decided offline: {shown}"


class _Checker:
    def __init__(self, case: Case, routes: Sequence[Route], evaluation: Evaluation) -> None:
        self.case = case
        self.names = [r.name for r in routes]
        self.evaluation = evaluation
        self.by_name = {r.route: r for r in evaluation.results}
        self.matched = evaluation.matched
        self.failures: list[Problem] = []

    def fail(self, where: Location, expectation: Expectation, message: str, item: int | None = None) -> None:
        path = expectation.path if item is None else (*expectation.path, item)
        self.failures.append(Problem(where, json_path(path), f"{self.case.name}: {message}"))

    def unknown_route(self, name: str) -> str | None:
        if name in self.by_name:
            return None
        closest = difflib.get_close_matches(name, self.names, n=3)
        hint = f"; closest: {quoted(closest)}" if closest else ""
        return f'unknown route "{name}" (no route file has that name){hint}'

    def named(self, expectation: Expectation, *, hit: bool) -> None:
        for i, (name, where) in enumerate(zip(expectation.names, expectation.item_locations, strict=True)):
            unknown = self.unknown_route(name)
            result = self.by_name.get(name)
            if unknown is not None or result is None:
                self.fail(where, expectation, unknown or name, i)
            elif result.truth is Truth.UNKNOWN:
                self.fail(where, expectation, _undecided([result]), i)
            elif hit and result.truth is not Truth.TRUE:
                self.fail(where, expectation, f'expected to hit "{name}", but it did not: {result.reason}', i)
            elif not hit and result.truth is Truth.TRUE:
                self.fail(where, expectation, f'expected not to hit "{name}", but it did', i)

    def check(self, expectation: Expectation) -> None:
        kind, where = expectation.kind, expectation.location
        if kind in ("hits", "misses"):
            self.named(expectation, hit=kind == "hits")
            return
        if kind == "routes":
            for i, name in enumerate(expectation.names):
                unknown = self.unknown_route(name)
                if unknown is not None:
                    self.fail(expectation.item_locations[i], expectation, unknown, i)
        undecided = self.evaluation.unknown
        if undecided:
            self.fail(where, expectation, _undecided(undecided))
            return
        matched = f"matched {quoted(self.matched, empty='no route')}"
        if kind == "routes" and set(expectation.names) != set(self.matched):
            self.fail(where, expectation, f"expected routes {quoted(expectation.names, empty='none')}; {matched}")
        elif kind == "no_route" and self.matched:
            self.fail(where, expectation, f"expected no route; {matched}")
        elif kind in _NOUNS:
            got = self.evaluation.escalation_paths if kind == "escalation_paths" else self.evaluation.channels
            if set(got) != set(expectation.names):
                noun = _NOUNS[kind]
                self.fail(
                    where, expectation, f"expected {noun} {quoted(expectation.names)}; got {quoted(got)} ({matched})"
                )
        elif kind == "incident":
            self.incident(expectation, matched)

    def incident(self, expectation: Expectation, matched: str) -> None:
        results = [self.by_name[name] for name in self.matched]
        opening = [r.route for r in results if r.incident is Truth.TRUE]
        if any(r.incident is Truth.UNKNOWN for r in results) and not opening:
            undecided = [r for r in results if r.incident is Truth.UNKNOWN]
            self.fail(expectation.location, expectation, "incident " + _undecided(undecided, incident=True))
        elif expectation.flag and not opening:
            self.fail(expectation.location, expectation, f"expected an incident; none would open ({matched})")
        elif not expectation.flag and opening:
            self.fail(expectation.location, expectation, f"expected no incident; {quoted(opening)} would open one")


def run_case(case: Case, routes: Sequence[Route]) -> CaseResult:
    """Evaluate the case's alert against `routes` and check every expectation."""
    evaluation = evaluate(routes, case.alert)
    checker = _Checker(case, routes, evaluation)
    for expectation in case.expectations:
        checker.check(expectation)
    return CaseResult(case, evaluation, tuple(checker.failures))
