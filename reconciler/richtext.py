"""incident.io rich-text documents ⇄ template strings, and their canonical serialisation.

Pure: no I/O. incident.io stores an incident name or summary template as a ProseMirror-style JSON document held in a
binding literal: `{"type":"doc","content":[{"type":"paragraph","content":[text and varSpec nodes]}]}`. Route files
write the common case as `"{{ alert.title }} fired"`; a document that no template string can express stays raw.

The server adds a `label` to every `varSpec` and may send the JSON HTML-escaped, so comparisons go through
`canonical_doc`: sorted keys, compact separators, no `label`, and `missing: false` filled in (the server's echo has it).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)


def _parse(doc: str) -> Any:
    """The JSON value of `doc`, trying an HTML-unescaped reading when the raw text is not JSON; None if neither."""
    for text in (doc, html.unescape(doc)):
        try:
            return json.loads(text)
        except ValueError:
            continue
    return None


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical_node(node: Any) -> Any:
    if isinstance(node, list):
        return [_canonical_node(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _canonical_node(value) for key, value in node.items()}
    if out.get("type") == "varSpec" and isinstance(out.get("attrs"), dict):
        attrs = {key: value for key, value in out["attrs"].items() if key != "label"}
        attrs.setdefault("missing", False)
        out["attrs"] = attrs
    return out


def is_doc(literal: str) -> bool:
    """Whether a binding literal holds a rich-text document (a JSON object of type `doc`)."""
    if "doc" not in literal:  # cheap test first: most literals are ids or plain words
        return False
    parsed = _parse(literal)
    return isinstance(parsed, dict) and parsed.get("type") == "doc"


def canonical_doc(doc: str) -> str:
    """`doc` re-serialised canonically; text that is not JSON is returned unchanged."""
    parsed = _parse(doc)
    if parsed is None:
        return doc
    return _dump(_canonical_node(parsed))


def map_variables(doc: str, mapper: Callable[[str], str]) -> str:
    """`doc` (canonical) with `mapper` applied to every varSpec name; text that is not JSON is returned unchanged."""
    parsed = _parse(doc)
    if parsed is None:
        return doc

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: walk(value) for key, value in node.items()}
        attrs = out.get("attrs")
        if out.get("type") == "varSpec" and isinstance(attrs, dict) and isinstance(attrs.get("name"), str):
            out["attrs"] = {**attrs, "name": mapper(attrs["name"])}
        return out

    return _dump(_canonical_node(walk(parsed)))


def template_to_doc(template: str) -> str:
    """`"{{ alert.title }} fired"` → the canonical rich-text document: one paragraph of text and varSpec nodes."""
    content: list[dict[str, Any]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > position:
            content.append({"type": "text", "text": template[position : match.start()]})
        content.append({"type": "varSpec", "attrs": {"name": match.group(1), "missing": False}})
        position = match.end()
    if position < len(template):
        content.append({"type": "text", "text": template[position:]})
    paragraph: dict[str, Any] = {"type": "paragraph"}
    if content:
        paragraph["content"] = content
    return _dump({"type": "doc", "content": [paragraph]})


def doc_to_template(doc: str) -> str | None:
    """The template string for `doc`, or None when no template string turns back into the same document."""
    parsed = _parse(doc)
    if not isinstance(parsed, dict) or parsed.get("type") != "doc":
        return None
    paragraphs = parsed.get("content")
    if not isinstance(paragraphs, list) or len(paragraphs) != 1 or not isinstance(paragraphs[0], dict):
        return None
    parts: list[str] = []
    for node in paragraphs[0].get("content") or []:
        if not isinstance(node, dict):
            return None
        if node.get("type") == "text" and isinstance(node.get("text"), str):
            if "{{" in node["text"] or "}}" in node["text"]:
                return None  # would read as (or break) a placeholder
            parts.append(node["text"])
        elif node.get("type") == "varSpec" and isinstance(node.get("attrs"), dict):
            name = node["attrs"].get("name")
            if not isinstance(name, str) or not name.strip():
                return None
            parts.append("{{ " + name + " }}")
        else:
            return None
    template = "".join(parts)
    # Marks, extra attributes, adjacent text nodes or braces in text would not survive the trip: keep those raw.
    if template_to_doc(template) != canonical_doc(doc):
        return None
    return template
