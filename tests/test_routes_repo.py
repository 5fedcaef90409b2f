"""The repository's own route files and schema: every file in routes/ validates, and the schema is well-formed,
closed, described, and in step with incident.io's spec."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.files.load import load_channel_map, load_route_file, load_routes
from reconciler.files.validate import validate_docs

REPO = Path(__file__).resolve().parent.parent
ROUTES = REPO / "routes"
SCHEMA_PATH = REPO / "schema" / "alert-route.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
ROUTE_FILES = sorted(p for p in ROUTES.rglob("*.y*ml") if p.name != "channels.yaml")
MODELINE = "# yaml-language-server: $schema=../schema/alert-route.schema.json"
KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$comment", "title", "description", "type", "properties",
    "additionalProperties", "unevaluatedProperties", "required", "items", "enum", "const", "minLength", "maxLength",
    "pattern", "minimum", "maximum", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    "anyOf", "oneOf", "allOf", "not", "if", "then", "else", "format", "default", "examples",
}  # fmt: skip


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def test_six_routes_are_shipped() -> None:
    names = [load_route_file(p).data["name"] for p in ROUTE_FILES]
    assert sorted(names) == [
        "Database Alerts",
        "Informational",
        "Production Alerts",
        "Production Warnings",
        "Staging Notifications",
        "Unrouted Alerts",
    ]


@pytest.mark.parametrize("path", ROUTE_FILES, ids=lambda p: p.name)
def test_route_file_is_valid(path: Path) -> None:
    doc = load_route_file(path)
    assert validate_docs([doc], SCHEMA, channels=load_channel_map(ROUTES)) == []
    assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE
    assert path.stem == slug(doc.data["name"])


def test_all_routes_together() -> None:
    docs = load_routes([ROUTES])
    assert validate_docs(docs, SCHEMA, channels=load_channel_map(ROUTES)) == []


def test_channel_map() -> None:
    assert load_channel_map(ROUTES) == {"#alerts": "C07ALERTS01", "#alerts-staging": "C07STAGING1"}


def test_production_warnings_matches_warning_only() -> None:
    doc = load_route_file(ROUTES / "production-warnings.yaml")
    assert doc.data["alert_sources"] == [
        {
            "alert_source": "Alertmanager (Production)",
            "conditions": [{"subject": "alert.attributes.severity", "operation": "one_of", "values": ["warning"]}],
        }
    ]


def _schemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema, with a pointer-ish name."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key in ("properties", "$defs"):
        for name, child in node.get(key, {}).items():
            yield from _schemas(child, f"{where}/{key}/{name}")
    for key in ("items", "not", "if", "then", "else", "additionalProperties"):
        yield from _schemas(node.get(key), f"{where}/{key}")
    for key in ("anyOf", "oneOf", "allOf"):
        for index, child in enumerate(node.get(key, [])):
            yield from _schemas(child, f"{where}/{key}/{index}")


def test_schema_uses_only_known_keywords() -> None:
    # A misspelt keyword (maxLenght) is silently ignored by validators, so catch it here.
    unknown = {f"{where}: {key}" for where, node in _schemas(SCHEMA) for key in node if key not in KEYWORDS}
    assert unknown == set()


def test_every_property_has_a_description() -> None:
    missing = [
        f"{where}/{name}"
        for where, node in _schemas(SCHEMA)
        for name, child in node.get("properties", {}).items()
        if not child.get("description")
    ]
    assert missing == []


def test_every_object_is_closed() -> None:
    open_objects = [
        where
        for where, node in _schemas(SCHEMA)
        if "properties" in node and node.get("additionalProperties") is not False
        and node.get("unevaluatedProperties") is not False
    ]  # fmt: skip
    assert open_objects == []


def _spec_enum(spec: dict[str, Any], schema: str, prop: str) -> list[str]:
    values: list[str] = spec["components"]["schemas"][schema]["properties"][prop]["enum"]
    return values


def test_enums_match_the_spec(openapi_spec: dict[str, Any]) -> None:
    template = SCHEMA["properties"]["incident_template"]["properties"]
    assert template["severity"]["properties"]["merge_strategy"]["enum"] == _spec_enum(
        openapi_spec, "AlertRouteSeverityBindingPayloadV2", "merge_strategy"
    )
    assert template["custom_fields"]["items"]["properties"]["merge_strategy"]["enum"] == _spec_enum(
        openapi_spec, "AlertRouteCustomFieldBindingPayloadV2", "merge_strategy"
    )
    assert template["incident_mode"]["then"]["enum"] == _spec_enum(openapi_spec, "IncidentsCreatePayloadV2", "mode")
    target = SCHEMA["$defs"]["channel_target"]["properties"]
    assert target["channel_visibility"]["enum"] == _spec_enum(
        openapi_spec, "AlertRouteChannelTargetPayloadV3", "channel_visibility"
    )
    operation = SCHEMA["$defs"]["expression"]["properties"]["operations"]["items"]["properties"]
    assert operation["operation_type"]["enum"] == _spec_enum(
        openapi_spec, "ExpressionOperationPayloadV2", "operation_type"
    )


def test_schema_covers_every_field_of_the_create_payload(openapi_spec: dict[str, Any]) -> None:
    """Every API field is writable: by the same name, or by the name without `_id`/`_ids` (rule 1)."""
    api = set(openapi_spec["components"]["schemas"]["AlertRoutesCreatePayloadV2"]["properties"])
    ours = set(SCHEMA["properties"])
    server_fields = {"created_at", "updated_at"}
    renamed = {"owning_team_ids": "owning_teams"}
    assert {renamed.get(name, name) for name in api - server_fields} <= ours


def test_pre_commit_validates_routes() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["reconciler-validate"]["entry"].startswith("reconciler validate")
    assert {"ruff", "ruff-format"} <= set(hooks)


def test_documented_key_order_is_the_dumpers() -> None:
    from reconciler.files.safe_yaml import KEY_ORDER

    doc = (REPO / "docs" / "route-format.md").read_text(encoding="utf-8")
    listed = re.search(r"\n`(id, name, .*?)`\n", doc, re.DOTALL)
    assert listed is not None
    assert [key.strip() for key in listed.group(1).split(",")] == list(KEY_ORDER)
