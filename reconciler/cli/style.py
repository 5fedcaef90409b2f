"""Colour for people at a terminal: creates green, updates yellow, deletes red, errors red, located paths dim; in a
drift report, changed routes yellow, unmanaged ones cyan, missing ones red.

Colour is added to text that the renderers made plain, line by line, and only when the stream is a terminal, NO_COLOR
is unset (https://no-color.org: any non-empty value) and `--no-color` was not given; otherwise the text is written
byte for byte as rendered, so pipes, files, CI logs and golden tests see no escape codes.
"""

from __future__ import annotations

import os
import re
import sys
from typing import IO

import click
from rich.console import Console
from rich.text import Text

_no_color_flag = False
# `routes/x.yaml:12:7: ` (or `nope: `) then the JSON path: the location dim, the message red.
_LOCATED = re.compile(r"^(?P<where>[^\s:][^:]*:\d+:\d+: |[^\s:][^:\s]*: )(?P<path>\$[^:]*: )?(?P<message>.*)$")
_HEADER = re.compile(r"^(?P<sign>[+~-]) (?P<verb>create|update|delete) (?P<rest>.*?)(?P<where>  \(.*\))?$")
_ACTION_STYLE = {"+": "green", "~": "yellow", "-": "red"}
# An apply report's lines start with the outcome (core.outcome.Outcome's values) and two spaces.
_OUTCOME_STYLE = {
    "created": "green",
    "updated": "yellow",
    "deleted": "red",
    "already applied": "dim",
    "changed since plan": "yellow",
    "created since plan": "yellow",
    "failed": "bold red",
    "not attempted": "yellow",
}


def set_no_color(flag: bool) -> None:
    """`--no-color` on the command line (set for every invocation, so one run never leaks into the next)."""
    global _no_color_flag
    _no_color_flag = flag


def use_color(stream: IO[str]) -> bool:
    """Whether to colour what goes to `stream`."""
    if _no_color_flag or os.environ.get("NO_COLOR", ""):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _plan_text(text: str) -> Text:
    """A rendered plan with each change's header and lines in its action's colour."""
    out = Text()
    block = ""  # the action sign of the change block the line belongs to
    for line in text.splitlines(keepends=True):
        body, end = line.rstrip("\n"), line[len(line.rstrip("\n")) :]
        header = _HEADER.match(body)
        if header:
            block = header["sign"]
            style = _ACTION_STYLE[block]
            out.append(f"{header['sign']} {header['verb']} {header['rest']}", style=f"bold {style}")
            if header["where"]:
                out.append(header["where"], style="dim")
        elif body.startswith(" ") and block:
            stripped = body.lstrip()
            if block == "~" and stripped.startswith("- "):
                out.append(body, style="red")
            elif block == "~" and stripped.startswith("+ "):
                out.append(body, style="green")
            elif block == "~":
                out.append(body)
            else:
                out.append(body, style=_ACTION_STYLE[block])
        else:
            block = ""
            out.append_text(_line(body))
        out.append(end)
    return out


def _line(body: str) -> Text:
    """A line outside a change block: errors and refusals red, a located problem with its location dim."""
    if body.startswith(("Error:", "Refused:")):
        return Text(body, style="red")
    if body.startswith("Warning:"):
        return Text(body, style="yellow")
    located = _LOCATED.match(body)
    if located and (located["path"] or ":" in located["where"][:-2]):
        text = Text()
        text.append(located["where"], style="dim")
        if located["path"]:
            text.append(located["path"], style="dim")
        text.append(located["message"], style="red")
        return text
    return Text(body)


def _report_text(text: str) -> Text:
    """An apply report: each route's outcome in its colour, its name plain; `Aborted:` and `Refused:` red."""
    out = Text()
    for line in text.splitlines(keepends=True):
        body, end = line.rstrip("\n"), line[len(line.rstrip("\n")) :]
        outcome, sep, rest = body.partition("  ")
        if sep and outcome in _OUTCOME_STYLE:
            out.append(outcome, style=_OUTCOME_STYLE[outcome])
            out.append(sep + rest)
        elif body.startswith("Aborted:"):
            out.append(body, style="red")
        else:
            out.append_text(_line(body))
        out.append(end)
    return out


# A drift report's route lines (render/text.py's render_drift_text): two spaces, then the kind's sign.
_DRIFT_STYLE = {"~": "yellow", "?": "cyan", "-": "red"}


def _drift_text(text: str) -> Text:
    """A drift report: each kind's heading bold, its routes in the kind's colour, the summary line bold yellow."""
    out = Text()
    for line in text.splitlines(keepends=True):
        body, end = line.rstrip("\n"), line[len(line.rstrip("\n")) :]
        if body.startswith("No drift:"):
            out.append(body, style="green")
        elif body.startswith("Drift:"):
            out.append(body, style="bold yellow")
        elif body.startswith("  ") and body[2:3] in _DRIFT_STYLE:
            out.append(body, style=_DRIFT_STYLE[body[2:3]])
        elif body and not body.startswith(" "):
            out.append(body, style="bold")
        else:
            out.append(body)
        out.append(end)
    return out


def echo(
    text: str, *, err: bool = False, nl: bool = True, plan: bool = False, report: bool = False, drift: bool = False
) -> None:
    """Write `text` like click.echo; coloured when `use_color` says so (`plan`: text is a rendered plan, `report`: an
    apply report, `drift`: a drift report)."""
    stream = sys.stderr if err else sys.stdout
    if not use_color(stream):
        click.echo(text, err=err, nl=nl)
        return
    if nl:
        text += "\n"
    whole = plan or report or drift
    if whole:
        styled = _plan_text(text) if plan else _report_text(text) if report else _drift_text(text)
    else:
        styled = Text().join(_line(part) + Text("\n") for part in text.split("\n")[:-1])
    if not whole and not text.endswith("\n"):
        styled.append_text(_line(text.split("\n")[-1]))
    console = Console(file=stream, force_terminal=True, color_system="standard", soft_wrap=True, highlight=False)
    console.print(styled, end="")
