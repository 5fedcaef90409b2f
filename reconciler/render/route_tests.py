"""Render a route-test run: failing cases as located lines, GitHub annotations, or one JSON document.

Pure: no I/O. Input problems (a broken case file or route file) render like `reconciler validate`'s, before the
failures; the summary line says how many cases passed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.core.route_tests import CaseResult
from reconciler.errors import Problem, json_path
from reconciler.render.problems import render_github, render_text

__all__ = ["FORMATS", "render_run", "summary"]

FORMATS = ("text", "github", "json")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary(results: Sequence[CaseResult], problems: Sequence[Problem], *, files: int) -> str:
    """`14 cases passed (3 files).` / `2 of 14 cases failed (3 files).`, plus the input problems if any."""
    failed = sum(1 for r in results if not r.passed)
    where = f"({_plural(files, 'file')})"
    line = f"{failed} of {_plural(len(results), 'case')} failed {where}." if failed else ""
    if not failed:
        line = f"{_plural(len(results), 'case')} passed {where}."
    if problems:
        line += f" {_plural(len(problems), 'problem')} in the input."
    return line


def _json(results: Sequence[CaseResult], problems: Sequence[Problem], *, files: int) -> str:
    def problem(p: Problem) -> dict[str, object]:
        return {"file": p.location.file, "line": p.location.line, "column": p.location.column, "path": p.path}

    document = {
        "passed": not problems and all(r.passed for r in results),
        "files": files,
        "cases": len(results),
        "failed": sum(1 for r in results if not r.passed),
        "results": [
            {
                **problem(Problem(r.case.location, _path(r))),
                "name": r.case.name,
                "passed": r.passed,
                "matched": list(r.evaluation.matched),
                "unknown": [{"route": u.route, "reason": u.reason} for u in r.evaluation.unknown],
                "failures": [{**problem(f), "message": f.message} for f in r.failures],
            }
            for r in results
        ],
        "problems": [{**problem(p), "message": p.message} for p in sorted(problems)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _path(result: CaseResult) -> str:
    return json_path(result.case.path)


def render_run(results: Sequence[CaseResult], problems: Sequence[Problem], *, fmt: str, files: int) -> str:
    """The run in one of FORMATS: problems first, then every failure in case order."""
    failures = [f for r in results for f in r.failures]
    if fmt == "json":
        return _json(results, problems, files=files)
    if fmt == "github":
        return render_github(problems) + render_github(failures)
    return render_text(problems) + "".join(f"{f}\n" for f in failures)
