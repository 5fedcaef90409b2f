"""Rich-text documents and the templated-text grammar: the shapes incident.io stores, canonical comparison, and the
properties that hold for every template (the shared fixtures' cases are in test_richtext_fixtures.py)."""

from __future__ import annotations

import html
import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reconciler.templates.documents import (
    TemplateError,
    canonical_doc,
    canonical_template,
    doc_to_template,
    is_doc,
    map_variables,
    read_doc,
    template_to_doc,
)
from tests.strategies import EXAMPLE_CATALOG, rich_text

# The server's echo of `{{ alert.title }}` (INCIDENT_IO_API.md §1.3): label added, its own key order.
SERVER_TITLE = (
    '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"varSpec",'
    '"attrs":{"name":"alert.title","label":"Alert → Title","missing":false}}]}]}'
)
TITLE_DOC = (
    '{"content":[{"content":[{"attrs":{"name":"alert.title"},"type":"varSpec"}],"type":"paragraph"}],"type":"doc"}'
)


def _doc(*paragraphs: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "doc", "content": [{"type": "paragraph", "content": p} for p in paragraphs]})


def test_template_to_doc_is_the_canonical_document() -> None:
    doc = json.loads(
        template_to_doc("{{ alert.title | omit_if_unset|truncate:80 }} fired\non {{alert.attributes.branch}}")
    )
    assert doc == {
        "type": "doc",
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "varSpec", "attrs": {"name": "alert.title", "truncateTo": 80, "omitIfUnset": True}},
                    {"type": "text", "text": " fired"},
                    {"type": "lineBreak"},
                    {"type": "text", "text": "on "},
                    {"type": "varSpec", "attrs": {"name": "alert.attributes.branch"}},
                ],
            }
        ],
    }
    assert template_to_doc("{{ alert.title }}") == TITLE_DOC  # keys sorted, compact: what is sent


def test_server_echo_reads_as_the_template() -> None:
    assert canonical_doc(SERVER_TITLE) == TITLE_DOC
    assert doc_to_template(SERVER_TITLE) == "{{alert.title}}"
    assert doc_to_template(SERVER_TITLE, spaced=True) == "{{ alert.title }}"


def test_html_escaped_json_is_tolerated() -> None:
    escaped = html.escape(SERVER_TITLE, quote=True)
    assert is_doc(escaped)
    assert canonical_doc(escaped) == TITLE_DOC


def test_dashboard_document_in_its_envelope_is_the_template() -> None:
    attrs = {
        "label": "Alert → Title",
        "missing": False,
        "name": "alert.title",
        "omitIfUnset": False,
        "truncateTo": None,
    }
    inner = {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "varSpec", "attrs": attrs}]}]}
    current = json.dumps({"schema_version": "1.0.0", "feature_set": "rich", "markdown": "x", "text_node": inner})
    legacy = json.dumps({"value_markdown": "x", "root": inner})
    for literal in (current, legacy):
        assert read_doc(literal) == inner
        assert canonical_doc(literal) == TITLE_DOC
        assert doc_to_template(literal, spaced=True) == "{{ alert.title }}"


def test_canonical_doc_keeps_what_has_meaning() -> None:
    unknown_attr = _doc([{"type": "varSpec", "attrs": {"name": "a", "expression": "01ABC", "label": "A"}}])
    assert canonical_doc(unknown_attr) == (
        '{"content":[{"content":[{"attrs":{"expression":"01ABC","name":"a"},"type":"varSpec"}],'
        '"type":"paragraph"}],"type":"doc"}'
    )
    assert canonical_doc('{"type":"doc","content":[{"type":"paragraph","content":[]}]}') == template_to_doc("")
    for other in ("not json", "01JQ3ZSEVCRITICAL00000001", '{"type":"paragraph"}', '{"doc": 1}'):
        assert canonical_doc(other) == other
        assert not is_doc(other)


def test_documents_a_template_cannot_express_stay_raw() -> None:
    marked = _doc([{"type": "text", "text": "x", "marks": []}])  # even an empty marks list is not the template's
    split_text = _doc([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    braces = _doc([{"type": "text", "text": "{{x}}"}])
    empty_text = _doc([{"type": "text", "text": ""}])
    float_limit = _doc([{"type": "varSpec", "attrs": {"name": "a", "truncateTo": 80.0}}])
    padded_name = _doc([{"type": "varSpec", "attrs": {"name": " a"}}])
    piped_name = _doc([{"type": "varSpec", "attrs": {"name": "a | b"}}])
    brace_before_variable = _doc([{"type": "text", "text": "x{"}, {"type": "varSpec", "attrs": {"name": "a"}}])
    for doc in (marked, split_text, braces, empty_text, float_limit, padded_name, piped_name, brace_before_variable):
        assert doc_to_template(doc) is None
        assert doc_to_template(doc, spaced=True) is None
    for text in ("[]", "plain", "{}", "null"):
        assert doc_to_template(text) is None


def test_a_name_ending_in_a_brace_has_only_the_spaced_form() -> None:
    doc = template_to_doc("{{ a} }}")
    assert json.loads(doc)["content"][0]["content"] == [{"type": "varSpec", "attrs": {"name": "a}"}}]
    assert canonical_template("{{ a} }}") is None  # `{{a}}}` would read back as `{{a}}` and a literal `}`
    assert doc_to_template(doc, spaced=True) == "{{ a} }}"
    assert canonical_template("{{ a} | truncate: 5 }}") == "{{a} | truncate: 5}}"


def test_map_variables_renames_only_variables_and_keeps_filters() -> None:
    doc = template_to_doc("alert.title {{ alert.title | truncate: 5 }}")
    mapped = map_variables(doc, lambda name: name.upper())
    assert doc_to_template(mapped, spaced=True) == "alert.title {{ ALERT.TITLE | truncate: 5 }}"
    assert map_variables("plain", str.upper) == "plain"


def test_invalid_template_carries_its_slug_and_where() -> None:
    with pytest.raises(TemplateError) as raised:
        template_to_doc("ok {{ a }}\n\n{{ b | trunc: 5 }}")
    assert (raised.value.slug, raised.value.offset) == ("unknown_filter", 19)
    assert str(raised.value) == "unknown_filter: 'trunc' at character 20 is not a filter (did you mean 'truncate'?)"
    with pytest.raises(TemplateError, match=r"^unclosed_variable: '\{\{' at character 3 is never closed$"):
        template_to_doc("a {{b\n\nc}}")  # a variable never spans a paragraph break


# --- properties ------------------------------------------------------------------------------------------------

# Names as people write them: no `|`, no `{{`/`}}`, no surrounding space; braces inside are allowed, one at the end
# is not (that name has no canonical form: test_a_name_ending_in_a_brace_has_only_the_spaced_form).
_NAMES = st.from_regex(r"[A-Za-z_{][A-Za-z0-9_.{}\[\]\"-]{0,12}", fullmatch=True).filter(
    lambda n: "{{" not in n and "}}" not in n and not n.endswith("}")
)
_PADDING = st.sampled_from(["", " ", "  ", "\t", "\n"])  # any spacing inside braces, even one newline
_FILTERS = st.lists(st.one_of(st.integers(1, 10**6), st.just("omit_if_unset")), max_size=3)
# Text with newlines and stray braces the grammar reads as literal: `{`, `}`, `}}`, `{ x }`.
_TEXT = st.text(st.sampled_from("ab \n{}|:🚨—"), min_size=1, max_size=8)


@st.composite
def _variables(draw: st.DrawFn) -> tuple[str, str]:
    """(`{{ name | filters }}` as someone might type it, the same variable in canonical form)."""
    name, filters = draw(_NAMES), draw(_FILTERS)
    written = draw(_PADDING) + name + draw(_PADDING)
    for item in filters:
        word = "omit_if_unset" if item == "omit_if_unset" else f"truncate{draw(_PADDING)}:{draw(_PADDING)}{item}"
        written += "|" + draw(_PADDING) + word + draw(_PADDING)
    limits = [item for item in filters if isinstance(item, int)]
    canonical = [name, *(f"truncate: {limits[-1]}" for _ in limits[:1])]  # the last truncate wins
    canonical += ["omit_if_unset"] if "omit_if_unset" in filters else []
    return "{{" + written + "}}", "{{" + " | ".join(canonical) + "}}"


@st.composite
def _templates(draw: st.DrawFn) -> tuple[str, str]:
    """(a valid template, its canonical form, worked out independently of the parser)."""
    parts = draw(
        st.lists(st.one_of(_TEXT.map(lambda t: (t, t, True)), _variables().map(lambda v: (*v, False))), max_size=6)
    )
    # Braces that would open a variable are not the literal text this strategy means: `{{` in text, `{` + `{{`.
    for (a, _, a_text), (b, _, b_text) in itertools.pairwise(parts):
        assume(not (a.endswith("{") and b.startswith("{")))
        assume(not (a_text and b_text and "{{" in a + b))
    assume(not any(text and "{{" in w for w, _, text in parts))
    canonical = "".join(c for _, c, _ in parts)
    return "".join(w for w, _, _ in parts), re.sub(r"\n{3,}", "\n\n", canonical)


@given(_templates())
def test_template_document_template_is_the_canonical_template(case: tuple[str, str]) -> None:
    template, canonical = case
    doc = template_to_doc(template)
    assert doc_to_template(doc) == canonical
    assert canonical_template(template) == canonical
    assert canonical_template(canonical) == canonical  # idempotent
    assert template_to_doc(canonical) == doc
    spaced = doc_to_template(doc, spaced=True)
    assert spaced is not None and template_to_doc(spaced) == doc


@given(_templates(), st.sampled_from(["bare", "text_node", "root"]), st.booleans())
def test_dashboard_decoration_changes_nothing(case: tuple[str, str], envelope: str, escaped: bool) -> None:
    """label, missing, omitIfUnset: false, truncateTo: null, content: [] and either envelope: same template."""
    template, canonical = case
    doc = json.loads(template_to_doc(template))
    for paragraph in doc["content"]:
        paragraph.setdefault("content", [])
        for node in paragraph["content"]:
            if node["type"] == "varSpec":
                node["attrs"] = {"label": "Label", "missing": True, "omitIfUnset": False, "truncateTo": None} | node[
                    "attrs"
                ]
    wrapped: Any = {"bare": doc, "text_node": {"schema_version": "1.0.0", "text_node": doc}, "root": {"root": doc}}
    literal = json.dumps(wrapped[envelope])
    literal = html.escape(literal) if escaped else literal
    assert doc_to_template(literal) == canonical
    assert canonical_doc(literal) == template_to_doc(template)


@given(st.text(st.sampled_from("ab {}|:\n tuncae_oif5-0"), max_size=24))
def test_any_text_is_a_template_or_one_template_error(text: str) -> None:
    try:
        doc = template_to_doc(text)
    except TemplateError as error:
        assert error.slug in {
            "unclosed_variable",
            "unknown_filter",
            "invalid_filter_argument",
            "empty_variable_name",
            "nested_variable",
        }
        assert 0 <= error.offset < len(text)
        return
    spaced = doc_to_template(doc, spaced=True)
    assert spaced is not None and template_to_doc(spaced) == doc
    canonical = canonical_template(text)
    assert canonical is None or (template_to_doc(canonical) == doc and canonical_template(canonical) == canonical)


@given(rich_text(EXAMPLE_CATALOG))
def test_canonical_doc_is_idempotent(doc: str) -> None:
    once = canonical_doc(doc)
    assert canonical_doc(once) == once
    assert canonical_doc(html.escape(doc)) == once
