"""Route names as plain text: which characters a name may not hold, and how text output shows a name that does.

Pure. A control character (C0, DEL, C1: a newline, ESC) or a line separator in a name breaks the one-line layout
of the text plan and can rewrite the terminal; a bidirectional control (U+202E and kin) makes a name read
differently from what it is. Route files may not use them (validate); live routes are not ours to validate, so
text output shows them escaped (`printable`), and markdown turns them into spaces (render_markdown.escape).
"""

from __future__ import annotations

# The Unicode bidirectional formatting characters: ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")  # str.splitlines and many editors break lines at these


def kind_of(char: str) -> str | None:
    """What makes `char` unfit for a name ("a control character", ...), or None for an ordinary character."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return "a control character"
    if char in BIDI_CONTROLS:
        return "a bidirectional control character"
    if char in LINE_SEPARATORS:
        return "a line separator"
    return None


def first_unfit(text: str) -> tuple[str, str] | None:
    """The first character of `text` unfit for a name and what it is, or None when `text` is plain."""
    for char in text:
        kind = kind_of(char)
        if kind is not None:
            return char, kind
    return None


def printable(text: str) -> str:
    """`text` on one line as written, with each unfit character escaped: `\\n`, `\\x1b`, `\\u202e`."""
    if first_unfit(text) is None:
        return text
    return "".join(char.encode("unicode_escape").decode("ascii") if kind_of(char) else char for char in text)
