"""Rich-text documents as incident.io stores them ⇄ template strings, and the canonical form they are compared in.

Pure: no I/O. A templated field (an incident name or summary) is a binding literal holding a JSON rich-text
document. reconciler sends the bare document the grammar emits (`{"type":"doc","content":[...]}`, keys sorted,
compact), but what comes back is not always that shape: the dashboard's editor writes the
`{schema_version, text_node}` envelope, older rows carry the legacy `{root, value_markdown}` one, the server may send
the JSON HTML-escaped, and varSpec nodes carry display state (`label`, `missing`) and spelled-out defaults
(`omitIfUnset: false`, `truncateTo: null`), with `content: []` for no content. `canonical_doc` reads every shape and
drops what carries no meaning, so documents equal under the grammar compare equal. `doc_to_template` answers with a
template only when that template reads back as exactly the document; otherwise the document stays raw.

The grammar itself (parsing, emission, error slugs) is `reconciler.templates.grammar`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.templates.grammar import DISPLAY_ATTRS, TemplateError, emit, parse

__all__ = [
    "TemplateError",
    "canonical_doc",
    "canonical_template",
    "doc_to_template",
    "is_doc",
    "map_variables",
    "read_doc",
    "template_to_doc",
]


def _parse(literal: str) -> Any:
    """The JSON value of `literal`, trying an HTML-unescaped reading when the raw text is not JSON; None if neither."""
    for text in (literal, html.unescape(literal)):
        try:
            return json.loads(text)
        except ValueError:
            continue
    return None


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _unwrap(value: Any) -> Any:
    """The document inside the dashboard's `{schema_version, text_node}` or the legacy `{root, value_markdown}`."""
    if isinstance(value, Mapping) and "type" not in value:
        for key in ("text_node", "root"):
            if isinstance(value.get(key), Mapping):
                return value[key]
    return value


def _strip(value: Any) -> Any:
    """`value` without what carries no meaning: varSpec display attrs and defaults, empty `content` lists."""
    if isinstance(value, list):
        return [_strip(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    out = {key: _strip(item) for key, item in value.items() if not (key == "content" and item == [])}
    attrs = out.get("attrs")
    if out.get("type") == "varSpec" and isinstance(attrs, Mapping):
        out["attrs"] = {
            key: item
            for key, item in attrs.items()
            if key not in DISPLAY_ATTRS
            and not (key == "omitIfUnset" and item is False)
            and not (key == "truncateTo" and item is None)
        }
    return out


def read_doc(literal: str) -> dict[str, Any] | None:
    """The document a literal holds (bare, in either envelope, HTML-escaped or not); None when it holds none."""
    if "doc" not in literal:  # cheap test first: most literals are ids or plain words
        return None
    parsed = _unwrap(_parse(literal))
    return parsed if isinstance(parsed, dict) and parsed.get("type") == "doc" else None


def is_doc(literal: str) -> bool:
    """Whether a binding literal holds a rich-text document."""
    return read_doc(literal) is not None


def canonical_doc(literal: str) -> str:
    """The bare document `literal` holds, without presentation, serialised canonically; other text unchanged."""
    doc = read_doc(literal)
    return literal if doc is None else _dump(_strip(doc))


def template_to_doc(template: str) -> str:
    """`'{{ alert.title }} fired'` → its canonical document, as sent; TemplateError for an invalid template."""
    return _dump(parse(template))


def doc_to_template(literal: str, *, spaced: bool = False) -> str | None:
    """The canonical template for the document `literal` holds; None when no template reads back as that document.

    `spaced` writes `{{ name }}` (route files) instead of incident.io's `{{name}}`. Structural checks alone would
    accept documents that read back differently (adjacent line breaks, a newline inside a text node, an empty
    paragraph between two others), so the template is parsed again and compared with the document.
    """
    doc = read_doc(literal)
    template = None if doc is None else emit(doc, spaced=spaced)
    if template is None:
        return None
    try:
        again = parse(template)
    except TemplateError:
        return None
    return template if _dump(again) == _dump(_strip(doc)) else None


def canonical_template(template: str, *, spaced: bool = False) -> str | None:
    """`template` in canonical form (`{{ description }}` → `{{description}}`); None when its document has none.

    TemplateError for an invalid template. None only for a variable whose name ends in `}` with no filter after it
    (`{{ a} }}`: `{{a}}}` reads back as `{{a}}` and a literal `}`); the `spaced` form always exists.
    """
    return doc_to_template(template_to_doc(template), spaced=spaced)


def map_variables(literal: str, mapper: Callable[[str], str]) -> str:
    """The canonical document of `literal` with `mapper` applied to every variable name; other text unchanged."""
    doc = read_doc(literal)
    if doc is None:
        return literal

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        out = {key: walk(value) for key, value in node.items()}
        attrs = out.get("attrs")
        if out.get("type") == "varSpec" and isinstance(attrs, Mapping) and isinstance(attrs.get("name"), str):
            out["attrs"] = {**attrs, "name": mapper(attrs["name"])}
        return out

    return _dump(_strip(walk(doc)))
