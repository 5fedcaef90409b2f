"""The README's command examples, read as a reader would: every ```console block's `$ ` lines (with the output shown
under each) and every line of a ```sh block, with the heading of the section each is in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

WILDCARD = {"...", "…"}  # an output line standing for any number of lines (the README leaves them out)


@dataclass(frozen=True)
class Example:
    """One command of the README: where it is, the section and block it belongs to, and the output shown under it
    (None in a ```sh block, which shows none)."""

    line: int
    section: str
    block: int
    command: str
    output: tuple[str, ...] | None

    @property
    def key(self) -> str:
        """The command without the comment the README aligns after it."""
        return re.sub(r"\s{2,}#.*$", "", self.command)


def read_examples(readme: Path) -> list[Example]:
    examples: list[Example] = []
    section = ""
    lines = readme.read_text(encoding="utf-8").splitlines()
    i = block = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        fence = re.fullmatch(r"```(console|sh)", line)
        if not fence:
            i += 1
            continue
        block += 1
        body: list[tuple[int, str]] = []
        i += 1
        while lines[i] != "```":
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        examples.extend(_console(body, section, block) if fence.group(1) == "console" else _sh(body, section, block))
    return examples


def _joined(body: list[tuple[int, str]], start: int, first: str) -> tuple[str, int]:
    """A command with its `\\` continuation lines joined, and the index after it."""
    command, j = first, start + 1
    while command.endswith("\\") and j < len(body):
        command = command[:-1].rstrip() + " " + body[j][1].strip()
        j += 1
    return command, j


def _console(body: list[tuple[int, str]], section: str, block: int) -> list[Example]:
    found: list[Example] = []
    j = 0
    while j < len(body):
        number, text = body[j]
        assert text.startswith("$ "), f"README.md:{number}: console output before any command"
        command, j = _joined(body, j, text[2:])
        output: list[str] = []
        while j < len(body) and not body[j][1].startswith("$ "):
            output.append(body[j][1])
            j += 1
        while output and output[-1] == "":  # a blank line between two commands of a block
            output.pop()
        found.append(Example(number, section, block, command, tuple(output)))
    return found


def _sh(body: list[tuple[int, str]], section: str, block: int) -> list[Example]:
    found: list[Example] = []
    j = 0
    while j < len(body):
        number, text = body[j]
        if not text.strip():
            j += 1
            continue
        command, j = _joined(body, j, text)
        found.append(Example(number, section, block, command.strip(), None))
    return found


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Whether `actual` is `expected`, where a wildcard line stands for any number of lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() in WILDCARD:
        return any(matches(rest, actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and actual[0] == head and matches(rest, actual[1:])
