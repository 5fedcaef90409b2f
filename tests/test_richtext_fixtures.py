"""incident.io's shared grammar fixtures (../shared/peer/terraform-provider-incident/richtext), every case.

What each file asserts is defined by the fixtures' README: templates.json, `ToDocument(template) == document` and
`FromDocument(document) == (canonical ?? template, true)`; documents.json, `FromDocument(document) ==
(template, expressible)`; invalid.json, `ToDocument(template)` fails with the `error` slug. Here ToDocument is
`template_to_doc`, FromDocument is `doc_to_template` (None for "not expressible"), and an invalid template is also
one located `validate` problem naming the slug.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.files.load import load_route_bytes, load_schema
from reconciler.files.validate import validate_docs
from reconciler.templates.documents import TemplateError, canonical_template, doc_to_template, template_to_doc
from tests import conftest
from tests.conftest import load_peer_fixture, peer_case, peer_cases

RICHTEXT = "terraform-provider-incident/richtext/"
TEMPLATES, DOCUMENTS, INVALID = (RICHTEXT + name for name in ("templates.json", "documents.json", "invalid.json"))


@pytest.mark.parametrize(("name", "count"), [(TEMPLATES, 22), (DOCUMENTS, 34), (INVALID, 14)])
def test_every_case_is_here(name: str, count: int) -> None:
    cases = load_peer_fixture(name)
    assert len(cases) == count
    assert len({case["name"] for case in cases}) == count  # each case is its own test id


@pytest.mark.parametrize("case", peer_cases(TEMPLATES))
def test_template_to_document_and_back(case: dict[str, Any] | None) -> None:
    case = peer_case(case, TEMPLATES)
    assert json.loads(template_to_doc(case["template"])) == case["document"]
    expected = case.get("canonical", case["template"])
    assert doc_to_template(json.dumps(case["document"])) == expected
    assert canonical_template(case["template"]) == expected


@pytest.mark.parametrize("case", peer_cases(DOCUMENTS))
def test_dashboard_document_to_template(case: dict[str, Any] | None) -> None:
    case = peer_case(case, DOCUMENTS)
    expected = case["template"] if case["expressible"] else None
    assert doc_to_template(json.dumps(case["document"])) == expected


@pytest.mark.parametrize("case", peer_cases(INVALID))
def test_invalid_template_is_refused_with_its_slug(case: dict[str, Any] | None) -> None:
    case = peer_case(case, INVALID)
    with pytest.raises(TemplateError) as raised:
        template_to_doc(case["template"])
    assert raised.value.slug == case["error"]
    assert str(raised.value).startswith(case["error"] + ": ")


@pytest.mark.parametrize("case", peer_cases(INVALID))
def test_invalid_template_is_one_located_validate_problem(case: dict[str, Any] | None) -> None:
    case = peer_case(case, INVALID)
    text = (
        f"name: A\nincident_config: {{enabled: true}}\nincident_template:\n  summary: {json.dumps(case['template'])}\n"
    )
    problems = validate_docs([load_route_bytes(text.encode(), "routes/a.yaml")], load_schema())
    assert [(str(p.location), p.path) for p in problems] == [("routes/a.yaml:4:12", "$.incident_template.summary")]
    assert problems[0].message.startswith(case["error"] + ": ")


def test_absent_fixtures_skip_with_a_reason_or_fail_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "PEER_DIR", tmp_path)
    assert [param.values for param in peer_cases(TEMPLATES)] == [(None,)]
    monkeypatch.delenv("RECONCILER_REQUIRE_SPEC", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"the peer fixture .*templates\.json is not at"):
        peer_case(None, TEMPLATES)
    monkeypatch.setenv("RECONCILER_REQUIRE_SPEC", "1")
    with pytest.raises(pytest.fail.Exception, match="RECONCILER_REQUIRE_SPEC=1 but the peer fixture"):
        peer_case(None, TEMPLATES)
