"""API keys and tokens: which values can be sent in an `Authorization` header, and the forms a key may leak in.

Pure. A key is checked before any client is built, so a pasted key with a stray line break or a typographic
character is refused with a sentence about the key (never the key itself) instead of an httpx error that quotes
the header, or a UnicodeEncodeError.
"""

from __future__ import annotations

import base64
from urllib.parse import quote


def credential_problem(value: str) -> str | None:
    """Why `value` cannot be sent as a bearer credential ("it contains a line break"), or None when it can.

    Only printable ASCII without spaces is accepted: it is what incident.io and GitHub issue, and it is the part of
    the HTTP header grammar that no client, proxy or server treats differently. The text never quotes `value`.
    """
    for char in value:
        if char in "\r\n":
            return "it contains a line break"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return "it contains a control character"
        if ord(char) > 0x7E:
            return "it contains a non-ASCII character"
        if char == " ":
            return "it contains a space"
    return None


def secret_forms(key: str) -> tuple[str, ...]:
    """Every form of `key` that must never be shown: raw, URL-encoded, Base64, and as a bearer header value.

    Longest first, so that replacing them in turn never leaves part of a longer form behind.
    """
    if len(key) < 4:  # too short to scrub without mangling ordinary text; such keys are rejected upstream
        return ()
    forms = {
        key,
        quote(key, safe=""),
        base64.b64encode(key.encode()).decode(),
        f"Bearer {key}",
        base64.b64encode(f"Bearer {key}".encode()).decode(),
    }
    return tuple(sorted(forms, key=len, reverse=True))
