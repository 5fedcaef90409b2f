"""incident.io's templated-text grammar: `{{name | truncate: 100 | omit_if_unset}}` ⇄ rich-text document nodes.

Pure: no I/O. This is the grammar incident.io's own template parser and its Terraform provider share (their shared
fixtures are the tests: tests/test_richtext_fixtures.py). Reading a template:

* two or more newlines end a paragraph; a single newline is a `lineBreak` node inside one;
* `{{` opens a variable that the nearest following `}}` closes (so `{{a}} and {{b}}` is two variables); inside, a
  name (kept verbatim, surrounding spaces trimmed) then filters separated by `|`, with any spacing:
  `truncate: N` (a whole number ≥ 1) → `truncateTo: N`, `omit_if_unset` → `omitIfUnset: true`;
* braces that open no variable (`{`, `}`, a `}}` that closes no variable) are literal text. There is no escape for a
  literal `{{`: text holding one can only be written as a raw document.

Emission is canonical: filters in one order (truncate, then omit_if_unset), `' | '` between them and `': '` before
an argument, paragraphs joined by exactly one blank line. incident.io's canonical form has nothing inside the braces
but the variable (`{{alert.title}}`); route files are written `spaced` (`{{ alert.title }}`), which reads back the same.
Emission only proposes a template: `reconciler.templates.documents.doc_to_template` proves it reads back as the
document.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

OPEN, CLOSE = "{{", "}}"
TRUNCATE, OMIT_IF_UNSET = "truncate", "omit_if_unset"
FILTERS = (TRUNCATE, OMIT_IF_UNSET)
# varSpec attrs a template can say; `label` and `missing` are display state the dashboard writes, never meaning.
EXPRESSIBLE_ATTRS = frozenset({"name", "truncateTo", "omitIfUnset"})
DISPLAY_ATTRS = frozenset({"label", "missing"})
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_MAX_TRUNCATE = 2**63 - 1  # incident.io's parser reads the argument as a 64-bit integer

# The stable error slugs of the shared fixtures; each message starts with one.
UNCLOSED_VARIABLE = "unclosed_variable"
UNKNOWN_FILTER = "unknown_filter"
INVALID_FILTER_ARGUMENT = "invalid_filter_argument"
EMPTY_VARIABLE_NAME = "empty_variable_name"
NESTED_VARIABLE = "nested_variable"


class TemplateError(ValueError):
    """A template the grammar refuses: `slug` (the fixtures' error kind), `offset` (0-based, in the template)."""

    def __init__(self, slug: str, detail: str, offset: int) -> None:
        super().__init__(f"{slug}: {detail}")
        self.slug = slug
        self.detail = detail
        self.offset = offset


def parse(template: str) -> dict[str, Any]:
    """`template` → its document (`{"type": "doc", "content": [paragraphs]}`); TemplateError when it is invalid."""
    paragraphs = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(template):
        paragraphs.append(_paragraph(template[start : match.start()], start))
        start = match.end()
    paragraphs.append(_paragraph(template[start:], start))
    return {"type": "doc", "content": paragraphs}


def _paragraph(text: str, base: int) -> dict[str, Any]:
    """One paragraph's text (at offset `base` in the template) → a paragraph node; no `content` when empty."""
    content: list[dict[str, Any]] = []
    position = 0
    while (opened := text.find(OPEN, position)) >= 0:
        _text(content, text[position:opened])
        closed = text.find(CLOSE, opened + len(OPEN))
        if closed < 0:
            offset = base + opened
            raise TemplateError(UNCLOSED_VARIABLE, f"'{OPEN}' at character {offset + 1} is never closed", offset)
        content.append({"type": "varSpec", "attrs": _variable(text[opened + len(OPEN) : closed], base + opened)})
        position = closed + len(CLOSE)
    _text(content, text[position:])
    return {"type": "paragraph", "content": content} if content else {"type": "paragraph"}


def _text(content: list[dict[str, Any]], text: str) -> None:
    """Literal text: a `lineBreak` for each newline, and no empty text nodes (adjacent variables stay adjacent)."""
    for index, line in enumerate(text.split("\n")):
        if index:
            content.append({"type": "lineBreak"})
        if line:
            content.append({"type": "text", "text": line})


def _variable(inner: str, offset: int) -> dict[str, Any]:
    """The inside of `{{ }}` → varSpec attrs; `offset` is where the variable's `{{` is in the template."""
    variable = f"the variable at character {offset + 1}"
    nested = inner.find(OPEN)
    if nested >= 0:
        at = offset + len(OPEN) + nested
        raise TemplateError(NESTED_VARIABLE, f"'{OPEN}' at character {at + 1} is inside {variable}", at)
    name, *filters = inner.split("|")
    attrs: dict[str, Any] = {"name": name.strip()}
    if not attrs["name"]:
        raise TemplateError(EMPTY_VARIABLE_NAME, f"{variable} has no name", offset)
    at = offset + len(OPEN) + len(name) + 1  # where the filter after each `|` starts
    for part in filters:
        word, colon, argument = part.partition(":")
        where = at + len(word) - len(word.lstrip())
        word, argument = word.strip(), argument.strip()
        if word == OMIT_IF_UNSET:
            if colon:
                got = f"': {argument}'" if argument else "':'"
                detail = f"omit_if_unset at character {where + 1} takes no argument, got {got}"
                raise TemplateError(INVALID_FILTER_ARGUMENT, detail, where)
            attrs["omitIfUnset"] = True
        elif word == TRUNCATE:
            if not colon or not _WHOLE_NUMBER.fullmatch(argument) or not 1 <= int(argument) <= _MAX_TRUNCATE:
                got = f"'{argument}'" if argument else "nothing"
                detail = (
                    f"truncate at character {where + 1} takes a whole number of at least 1 (truncate: 100), got {got}"
                )
                raise TemplateError(INVALID_FILTER_ARGUMENT, detail, where)
            attrs["truncateTo"] = int(argument)
        else:
            raise TemplateError(UNKNOWN_FILTER, _unknown_filter(word, where, variable), where)
        at += len(part) + 1
    return attrs


def _unknown_filter(word: str, where: int, variable: str) -> str:
    if not word:
        return f"an empty filter after '|' in {variable} (filters: truncate: N, omit_if_unset)"
    close = difflib.get_close_matches(word, FILTERS, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "filters: truncate: N, omit_if_unset"
    return f"'{word}' at character {where + 1} is not a filter ({hint})"


def emit(doc: Any, *, spaced: bool = False) -> str | None:
    """The template a document's shape spells, or None when its shape has no template (marks, other nodes, ...)."""
    if not isinstance(doc, Mapping) or doc.get("type") != "doc":
        return None
    blocks = doc.get("content")
    # No blocks is malformed; calling it "" would read back as one empty paragraph, a different document.
    if not isinstance(blocks, Sequence) or isinstance(blocks, str) or not blocks:
        return None
    paragraphs = []
    for block in blocks:
        if not isinstance(block, Mapping) or block.get("type") != "paragraph" or block.get("marks"):
            return None
        paragraph = _emit_inline(block.get("content") or [], spaced)
        if paragraph is None:
            return None
        paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def _emit_inline(nodes: Any, spaced: bool) -> str | None:
    if not isinstance(nodes, Sequence) or isinstance(nodes, str):
        return None
    out = []
    for node in nodes:
        if not isinstance(node, Mapping) or node.get("marks"):
            return None
        kind = node.get("type")
        if kind == "text" and isinstance(node.get("text"), str) and OPEN not in node["text"]:
            out.append(node["text"])
        elif kind == "lineBreak":
            out.append("\n")
        elif kind == "varSpec":
            variable = emit_variable(node.get("attrs"), spaced=spaced)
            if variable is None:
                return None
            out.append(variable)
        else:
            return None
    return "".join(out)


def emit_variable(attrs: Any, *, spaced: bool = False) -> str | None:
    """varSpec attrs → `{{name | truncate: N | omit_if_unset}}`; None for attrs a template cannot say."""
    if not isinstance(attrs, Mapping) or not set(attrs) <= EXPRESSIBLE_ATTRS | DISPLAY_ATTRS:
        return None
    name, truncate, omit = attrs.get("name"), attrs.get("truncateTo"), attrs.get("omitIfUnset")
    if not isinstance(name, str) or not name:
        return None
    # An explicit null or false is the dashboard's way of saying "no filter".
    if truncate is not None and (not isinstance(truncate, int) or isinstance(truncate, bool) or truncate < 1):
        return None
    if omit is not None and not isinstance(omit, bool):
        return None
    parts = [name]
    if truncate is not None:
        parts.append(f"{TRUNCATE}: {truncate}")
    if omit:
        parts.append(OMIT_IF_UNSET)
    inner = " | ".join(parts)
    return f"{OPEN} {inner} {CLOSE}" if spaced else f"{OPEN}{inner}{CLOSE}"
