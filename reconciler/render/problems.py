"""Render located problems for people and machines: text lines, GitHub workflow annotations, or JSON.

Pure: no I/O. Used by `reconciler validate` and by any command that reports `InputError` problems.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.errors import Problem

__all__ = ["FORMATS", "render_github", "render_json", "render_problems", "render_text", "summary"]

FORMATS = ("text", "github", "json")


def render_text(problems: Sequence[Problem]) -> str:
    """One `file:line:col: $.path: message` line per problem, sorted."""
    return "".join(f"{problem}\n" for problem in sorted(problems))


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping: the message may not contain raw %, CR or LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(problems: Sequence[Problem]) -> str:
    """`::error file=…,line=…,col=…,title=…::message` workflow annotations (line/col left out for whole files)."""
    lines = []
    for problem in sorted(problems):
        where = problem.location
        props = [f"file={_escape_property(where.file)}"]
        if where.line > 0:
            props += [f"line={where.line}", f"col={where.column}"]
        props.append(f"title={_escape_property(problem.path)}")
        command = "warning" if problem.severity == "warning" else "error"
        lines.append(f"::{command} {','.join(props)}::{_escape_data(problem.message)}\n")
    return "".join(lines)


def render_json(problems: Sequence[Problem], *, files: int) -> str:
    """A JSON document: `{"valid", "files", "problems": [{file, line, column, path, message, severity}]}`."""
    document = {
        "valid": not problems,
        "files": files,
        "problems": [
            {
                "file": p.location.file,
                "line": p.location.line,
                "column": p.location.column,
                "path": p.path,
                "message": p.message,
                "severity": p.severity,
            }
            for p in sorted(problems)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_problems(problems: Sequence[Problem], *, fmt: str, files: int) -> str:
    """The problems in one of FORMATS."""
    if fmt == "github":
        return render_github(problems)
    if fmt == "json":
        return render_json(problems, files=files)
    return render_text(problems)


def summary(problems: Sequence[Problem], *, files: int) -> str:
    """`6 files valid.` or `3 problems in 2 files.`"""
    if not problems:
        return f"{files} {'file' if files == 1 else 'files'} valid."
    count = len(problems)
    bad = len({p.location.file for p in problems})
    return f"{count} {'problem' if count == 1 else 'problems'} in {bad} {'file' if bad == 1 else 'files'}."
