"""Rich-text documents: template strings both ways, canonical serialisation, tolerance of the server's echo."""

from __future__ import annotations

import html
import json

from hypothesis import given
from hypothesis import strategies as st

from reconciler.richtext import canonical_doc, doc_to_template, is_doc, map_variables, template_to_doc
from tests.strategies import EXAMPLE_CATALOG, rich_text

# The server's echo of `{{ alert.title }}` (INCIDENT_IO_API.md §1.3): label added, its own key order.
SERVER_TITLE = (
    '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"varSpec",'
    '"attrs":{"name":"alert.title","label":"Alert → Title","missing":false}}]}]}'
)


def test_template_to_doc_is_one_paragraph_of_text_and_variables() -> None:
    doc = json.loads(template_to_doc("{{ alert.title }} fired on {{alert.attributes.branch}}"))
    assert doc == {
        "type": "doc",
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "varSpec", "attrs": {"name": "alert.title", "missing": False}},
                    {"type": "text", "text": " fired on "},
                    {"type": "varSpec", "attrs": {"name": "alert.attributes.branch", "missing": False}},
                ],
            }
        ],
    }


def test_server_echo_reads_as_the_template() -> None:
    assert canonical_doc(SERVER_TITLE) == template_to_doc("{{ alert.title }}")
    assert doc_to_template(SERVER_TITLE) == "{{ alert.title }}"


def test_html_escaped_json_is_tolerated() -> None:
    escaped = html.escape(SERVER_TITLE, quote=True)
    assert is_doc(escaped)
    assert canonical_doc(escaped) == canonical_doc(SERVER_TITLE)


def test_canonical_doc_sorts_keys_and_drops_labels() -> None:
    assert canonical_doc(SERVER_TITLE) == (
        '{"content":[{"content":[{"attrs":{"missing":false,"name":"alert.title"},"type":"varSpec"}],'
        '"type":"paragraph"}],"type":"doc"}'
    )
    assert canonical_doc("not json") == "not json"


def test_documents_a_template_cannot_express_stay_raw() -> None:
    two_paragraphs = json.dumps({"type": "doc", "content": [{"type": "paragraph"}, {"type": "paragraph"}]})
    marked = json.dumps(
        {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": []}]}]}
    )
    split_text = json.dumps(
        {
            "type": "doc",
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
            ],
        }
    )
    braces = json.dumps(
        {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "{{x}}"}]}]}
    )
    for doc in (two_paragraphs, marked, split_text, braces, "[]", "plain"):
        assert doc_to_template(doc) is None


def test_empty_template() -> None:
    assert doc_to_template(template_to_doc("")) == ""


def test_map_variables_renames_only_variables() -> None:
    doc = template_to_doc("alert.title {{ alert.title }}")
    mapped = map_variables(doc, lambda name: name.upper())
    assert doc_to_template(mapped) == "alert.title {{ ALERT.TITLE }}"


_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="{}"), max_size=10)
_NAMES = st.from_regex(r"[a-z][a-z0-9_.]{0,15}", fullmatch=True)


@given(st.lists(st.one_of(_TEXT, _NAMES.map(lambda n: "{{ " + n + " }}")), max_size=5).map("".join))
def test_template_round_trip(template: str) -> None:
    doc = template_to_doc(template)
    back = doc_to_template(doc)
    assert back is not None
    assert template_to_doc(back) == doc


@given(rich_text(EXAMPLE_CATALOG))
def test_canonical_doc_is_idempotent(doc: str) -> None:
    once = canonical_doc(doc)
    assert canonical_doc(once) == once
    assert canonical_doc(html.escape(doc)) == once


def test_placeholder_like_text_and_empty_variables_stay_raw() -> None:
    unbalanced = json.dumps(
        {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "a{{b"}]}]}
    )
    empty = json.dumps(
        {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "varSpec", "attrs": {"name": " "}}]}]}
    )
    assert doc_to_template(unbalanced) is None
    assert doc_to_template(empty) is None
