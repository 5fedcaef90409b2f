"""incident.io's templated text: `{{ alert.title | truncate: 80 }}` ⇄ the rich-text documents the API stores.

`grammar` parses and emits templates (filters, newlines, literal braces, error kinds); `documents` reads every
document shape the API returns and compares them canonically.
"""

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
