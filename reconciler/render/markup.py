"""Markdown that GitHub shows as written: names escaped to inert text, private blocks, and GitHub's size limits.

Pure: no I/O. Route names come from pull requests and from the dashboard: every name is escaped so it renders as
plain text and can neither close a code block or a `<details>` nor mention anyone. Used by the plan comment
(`markdown.py`), the drift issue (`drift_markdown.py`), the impact replay and the adopt pull request.
"""

from __future__ import annotations

from reconciler.files.plaintext import kind_of

GITHUB_LIMIT = 65_536  # characters of a comment or issue body
DEFAULT_BUDGET = 60_000
MAX_NAME = 200  # characters of a name shown; longer names are cut with an ellipsis
MAX_FIELDS = 6  # field names listed per table row

# Numeric entities render as the character in markdown and in HTML alike, and never as syntax.
_ENTITIES = {ch: f"&#{ord(ch)};" for ch in '&<>"|`*_[]\\~$'}
_ENTITIES["@"] = "@&#8203;"  # a zero-width space after @ stops @mentions of teams and people


def escape(text: str, *, limit: int = MAX_NAME) -> str:
    """`text` as inert markdown/HTML: control and bidi characters and newlines become spaces, syntax entities."""
    text = "".join(" " if kind_of(ch) else ch for ch in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def hidden_block(summary: str, lines: list[str]) -> str:
    """A folded block of plain paragraphs (a private route's note and field names) instead of a diff."""
    body = "\n\n".join(escape(line, limit=2_000) for line in lines)
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"
