"""Every emulator endpoint, through success and error cases, checked against the official OpenAPI spec.

Each request/response pair is validated: the JSON response body against the response schema the spec declares for
that operation and status (error statuses, which the spec never declares, against the documented error envelope),
and every request body the emulator accepts against the operation's request payload schema.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from reconciler.emulator import EmulatorSettings
from tests.emulator_helpers import ADMIN, NO_SEVERITIES, READONLY, SpecSchemas, in_process, route_payload, to_payload

ROUTE_1 = "01JQ3ZROUTE000000000000001"


class Recorder:
    """Sends requests, validates each pair against the spec, and counts distinct pairs."""

    def __init__(self, client: Any, schemas: SpecSchemas):
        self.client, self.schemas = client, schemas
        self.pairs: set[tuple[str, str, int, str, str]] = set()
        self.mismatches: list[str] = []

    async def call(
        self,
        method: str,
        template: str,
        path: str,
        expect: int,
        *,
        headers: dict[str, str] | None = ADMIN,
        body: Any = None,
        raw: bytes | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        content = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        response = await self.client.request(method, path, headers=headers or {}, content=content, params=params)
        assert response.status_code == expect, f"{method} {path} {params}: {response.status_code} {response.text}"
        data = response.json() if response.content else None
        problems = self.schemas.response_errors(method, template, response.status_code, data)
        if 200 <= response.status_code < 300 and body is not None:
            problems += [f"request: {p}" for p in self.schemas.request_errors(method, template, body)]
        self.mismatches += [f"{method} {path} → {response.status_code}: {p}" for p in problems]
        self.pairs.add(
            (method, str(response.request.url), response.status_code, (content or b"").decode(), response.text)
        )
        return data


@pytest.fixture
def schemas(openapi_spec: dict[str, Any]) -> SpecSchemas:
    return SpecSchemas(openapi_spec)


async def _routes(rec: Recorder) -> None:
    lst, one = "/v2/alert_routes", "/v2/alert_routes/{id}"
    first = await rec.call("GET", lst, lst, 200)
    assert [r["name"] for r in first["alert_routes"]][:2] == ["Production Alerts", "Production Warnings"]
    assert first["pagination_meta"] == {"page_size": 25}
    for size in (1, 2, 5, 50):
        await rec.call("GET", lst, lst, 200, params={"page_size": size})
    full = await rec.call("GET", lst, lst, 200, params={"page_size": 6})
    assert full["pagination_meta"]["after"] == full["alert_routes"][-1]["id"]  # a full last page still has a cursor
    empty = await rec.call("GET", lst, lst, 200, params={"page_size": 6, "after": full["pagination_meta"]["after"]})
    assert empty["alert_routes"] == [] and "after" not in empty["pagination_meta"]
    await rec.call("GET", lst, lst, 200, params={"page_size": 2, "after": ROUTE_1})
    for bad in ("0", "51", "abc", "-1", "2.5"):
        data = await rec.call("GET", lst, lst, 422, params={"page_size": bad})
        assert data["errors"][0]["source"] == {"field": "page_size"}
    await rec.call("GET", lst, lst, 401, headers=None)
    await rec.call("GET", lst, lst, 401, headers={"Authorization": "Bearer not-a-key"})
    await rec.call("GET", lst, lst, 200, headers=READONLY)
    for n in range(1, 7):
        await rec.call("GET", one, f"{lst}/01JQ3ZROUTE0000000000000{n:02d}", 200)
    await rec.call("GET", one, f"{lst}/01NOSUCHROUTE", 404)
    await rec.call("GET", one, f"{lst}/{ROUTE_1}", 401, headers=None)


def _full_payload() -> dict[str, Any]:
    cond = {
        "subject": "alert.title",
        "operation": "one_of",
        "param_bindings": [{"array_value": [{"literal": "db"}, {"literal": "disk"}]}],
    }
    return route_payload(
        "Everything",
        owning_team_ids=["01JQ3ZTEAM0000000000000001"],
        condition_groups=[{"conditions": [cond]}],
        expressions=[
            {
                "label": "Severity upper",
                "reference": "sevup",
                "root_reference": "alert.attributes.01JQ3ZATTRSEV0000000000001",
                "operations": [
                    {
                        "operation_type": "parse",
                        "parse": {"source": "$.x", "returns": {"array": False, "type": "String"}},
                    },
                    {"operation_type": "navigate", "navigate": {"reference": "name"}},
                    {"operation_type": "count"},
                    {"operation_type": "cast", "cast": {"returns": {"array": False, "type": "Number"}}},
                ],
                "else_branch": {"result": {"value": {"literal": "none"}}},
            }
        ],
        channel_config=[
            {
                "condition_groups": [{"conditions": [cond]}],
                "slack_targets": {"binding": {"value": {"literal": "C07ALERTS01"}}, "channel_visibility": "public"},
                "ms_teams_targets": {
                    "binding": {"value": {"literal": "19:abc@thread"}},
                    "channel_visibility": "public",
                },
            }
        ],
        escalation_config={
            "auto_cancel_escalations": True,
            "escalation_targets": [
                {"users": {"array_value": [{"literal": "01JQ3ZUSR00000000000000001"}]}},
                {"escalation_paths": {"value": {"literal": "01JQ3ZESCPATH0000000000001"}}},
            ],
        },
        incident_config={
            "enabled": True,
            "auto_decline_enabled": True,
            "auto_relate_grouped_alerts": True,
            "condition_groups": [],
            "defer_time_seconds": 60,
            "grouping_keys": [{"reference": "alert.title"}],
            "grouping_window_seconds": 600,
        },
        incident_template={
            "name": {"binding": {"value": {"reference": "alert.title"}}},
            "summary": {"autogenerated": True},
            "severity": {"merge_strategy": "max", "binding": {"value": {"literal": "01JQ3ZSEV00000000000000001"}}},
            "incident_type": {"binding": {"value": {"literal": "01JQ3ZINCTYPE0000000000002"}}},
            "membership_teams": {"binding": {"array_value": [{"literal": "01JQ3ZTEAM0000000000000002"}]}},
            "start_in_triage": {"binding": {"value": {"literal": "true"}}},
            "custom_fields": [
                {
                    "custom_field_id": "01JQ3ZCFIELD00000000000001",
                    "merge_strategy": "append",
                    "binding": {"array_value": [{"reference": "alert.description"}]},
                }
            ],
        },
        message_template={"value": {"literal": "hello"}},
    )


async def _writes(rec: Recorder) -> None:
    lst, one = "/v2/alert_routes", "/v2/alert_routes/{id}"
    minimal = (await rec.call("POST", lst, lst, 201, body=route_payload("Minimal")))["alert_route"]
    assert minimal["version"] == 1 and minimal["incident_config"]["auto_relate_grouped_alerts"] is False
    assert minimal["incident_template"]["name"] == {"autogenerated": True}
    full = (await rec.call("POST", lst, lst, 201, body=_full_payload()))["alert_route"]
    assert full["condition_groups"][0]["conditions"][0]["operation"]["value"] == "contains_one_of"
    assert full["escalation_config"]["escalation_targets"][1]["users"]["value"]["label"] == "Engineering On-Call"
    assert full["channel_config"][0]["slack_targets"]["binding"]["value"]["label"] == "#alerts"
    assert full["incident_template"]["severity"]["binding"]["value"]["label"] == "Critical"
    assert full["incident_template"]["name"]["autogenerated"] is False
    versioned = route_payload("Old client", version=0)  # older payloads carried a version on create: accepted, ignored
    assert (await rec.call("POST", lst, lst, 201, body=versioned))["alert_route"]["version"] == 1

    rejects: list[tuple[dict[str, Any], str, str]] = [
        ({k: v for k, v in route_payload("x").items() if k != "name"}, "is_required", "name"),
        (route_payload("x", enabled="yes"), "invalid_value", "enabled"),
        (
            route_payload("x", alert_sources=[{"alert_source_id": "01NOPE", "condition_groups": []}]),
            "invalid_value",
            "alert_sources[0].alert_source_id",
        ),
        (
            route_payload("x", alert_sources=[{"condition_groups": []}]),
            "is_required",
            "alert_sources[0].alert_source_id",
        ),
        (
            route_payload(
                "x",
                condition_groups=[
                    {
                        "conditions": [
                            {"subject": "alert.attributes.01NOPE", "operation": "is_set", "param_bindings": []}
                        ]
                    }
                ],
            ),
            "invalid_value",
            "condition_groups[0].conditions[0].subject",
        ),
        (
            route_payload(
                "x",
                escalation_config={
                    "auto_cancel_escalations": False,
                    "escalation_targets": [{"escalation_paths": {"value": {"literal": "01NOPE"}}}],
                },
            ),
            "invalid_value",
            "escalation_config.escalation_targets[0].escalation_paths.value.literal",
        ),
        (
            route_payload(
                "x",
                escalation_config={
                    "auto_cancel_escalations": False,
                    "escalation_targets": [{"users": {"array_value": [{"literal": "01NOPE"}]}}],
                },
            ),
            "invalid_value",
            "escalation_config.escalation_targets[0].users.array_value[0].literal",
        ),
        (
            route_payload(
                "x",
                incident_template={
                    "name": {"autogenerated": True},
                    "severity": {"merge_strategy": "max", "binding": {"value": {"literal": "01NOPE"}}},
                },
            ),
            "invalid_value",
            "incident_template.severity.binding.value.literal",
        ),
        (
            route_payload(
                "x",
                incident_template={
                    "name": {"autogenerated": True},
                    "incident_type": {"binding": {"value": {"literal": "01NOPE"}}},
                },
            ),
            "invalid_value",
            "incident_template.incident_type.binding.value.literal",
        ),
        (
            route_payload(
                "x",
                incident_template={
                    "name": {"autogenerated": True},
                    "custom_fields": [
                        {
                            "custom_field_id": "01NOPE",
                            "merge_strategy": "append",
                            "binding": {"value": {"literal": "a"}},
                        }
                    ],
                },
            ),
            "invalid_value",
            "incident_template.custom_fields[0].custom_field_id",
        ),
        (route_payload("x", owning_team_ids=["01NOPE"]), "invalid_value", "owning_team_ids[0]"),
        (route_payload("x", incident_template={}), "is_required", "incident_template.name"),
    ]
    for body, code, field in rejects:
        data = await rec.call("POST", lst, lst, 422, body=body)
        assert {"code": code, "field": field} in [
            {"code": e["code"], "field": e["source"]["field"]} for e in data["errors"]
        ]
    data = await rec.call("POST", lst, lst, 422, body={})
    assert len(data["errors"]) == 10  # every missing required field at once
    await rec.call("POST", lst, lst, 422, raw=b"{not json")
    await rec.call("POST", lst, lst, 403, headers=READONLY, body=route_payload("Nope"))
    await rec.call("POST", lst, lst, 401, headers=None, body=route_payload("Nope"))

    path = f"{lst}/{minimal['id']}"
    updated = await rec.call("PUT", one, path, 200, body=to_payload(minimal, version=2) | {"name": "Minimal v2"})
    assert updated["alert_route"]["version"] == 2 and updated["alert_route"]["name"] == "Minimal v2"
    await rec.call("PUT", one, path, 409, body=to_payload(minimal, version=2))  # stale: live is 2 now
    await rec.call("PUT", one, path, 409, body=to_payload(minimal, version=4))  # skipped
    data = await rec.call("PUT", one, path, 422, body=to_payload(minimal))  # no version
    assert data["errors"][0]["source"] == {"field": "version"}
    await rec.call("PUT", one, f"{lst}/01NOSUCHROUTE", 404, body=to_payload(minimal, version=2))
    await rec.call("PUT", one, path, 403, headers=READONLY, body=to_payload(minimal, version=3))
    full_update = to_payload(full, version=2)
    replaced = (await rec.call("PUT", one, f"{lst}/{full['id']}", 200, body=full_update))["alert_route"]
    # Re-sending the response form (stripped to a payload) reproduces the same route: the rendering is stable.
    assert replaced == full | {"version": 2, "updated_at": replaced["updated_at"]}
    assert await _show(rec, full["id"]) == replaced
    await rec.call("DELETE", one, path, 403, headers=READONLY)
    assert await rec.call("DELETE", one, path, 204) is None
    await rec.call("DELETE", one, path, 404)
    await rec.call("GET", one, path, 404)


async def _show(rec: Recorder, route_id: str) -> dict[str, Any]:
    response = await rec.client.get(f"/v2/alert_routes/{route_id}", headers=ADMIN)
    route: dict[str, Any] = response.json()["alert_route"]
    return route


async def _lookups(rec: Recorder) -> None:
    plain = {
        "/v2/alert_sources": ("alert_sources", 9),
        "/v2/alert_attributes": ("alert_attributes", 2),
        "/v1/severities": ("severities", 3),
        "/v1/incident_statuses": ("incident_statuses", 10),
        "/v1/incident_types": ("incident_types", 2),
        "/v2/custom_fields": ("custom_fields", 2),
    }
    for path, (key, count) in plain.items():
        assert len((await rec.call("GET", path, path, 200))[key]) == count
    for path in ("/v2/escalation_paths", "/v2/users", "/v3/teams"):
        await rec.call("GET", path, path, 200)
        page = await rec.call("GET", path, path, 200, params={"page_size": 1})
        await rec.call("GET", path, path, 200, params={"page_size": 1, "after": page["pagination_meta"]["after"]})
        await rec.call("GET", path, path, 401, headers=None)
    await rec.call("GET", "/v2/escalation_paths", "/v2/escalation_paths", 422, params={"page_size": 26})
    await rec.call("GET", "/v3/teams", "/v3/teams", 422, params={"page_size": 251})
    found = await rec.call("GET", "/v2/users", "/v2/users", 200, params={"email": "oncall@example.com"})
    assert [u["name"] for u in found["users"]] == ["Alex Oncall"]
    none = await rec.call("GET", "/v2/users", "/v2/users", 200, params={"email": "nobody@example.com"})
    assert none["users"] == []
    await rec.call("GET", "/v1/severities", "/v1/severities", 403, headers=NO_SEVERITIES)
    await rec.call("GET", "/v1/incident_types", "/v1/incident_types", 200, headers=NO_SEVERITIES)
    await rec.call("GET", "/v1/severities", "/v1/severities", 200, headers=READONLY)
    admin = await rec.call("GET", "/v1/identity", "/v1/identity", 200)
    assert admin["identity"]["name"] == "Example admin key"
    await rec.call("GET", "/v1/identity", "/v1/identity", 200, headers=READONLY)
    await rec.call("GET", "/v1/identity", "/v1/identity", 401, headers={"Authorization": "Basic eDp5"})


def test_every_endpoint_conforms_to_the_spec(schemas: SpecSchemas) -> None:
    asyncio.run(_conformance(schemas))


async def _conformance(schemas: SpecSchemas) -> None:
    async with in_process() as (client, _app):
        rec = Recorder(client, schemas)
        await _routes(rec)
        await _writes(rec)
        await _lookups(rec)
    # Rate limiting needs an emptied bucket: a second emulator whose keys start with no tokens.
    async with in_process(settings=EmulatorSettings(rate_limit_initial_tokens=0)) as (client, _app):
        limited = Recorder(client, schemas)
        data = await limited.call("GET", "/v2/alert_routes", "/v2/alert_routes", 429)
        assert data["rate_limit"]["name"] == "Example admin key"
        await limited.call("GET", "/v1/severities", "/v1/severities", 429, headers=READONLY)
    assert rec.mismatches + limited.mismatches == []
    pairs = len(rec.pairs) + len(limited.pairs)
    assert pairs >= 60, f"only {pairs} distinct request/response pairs"
    print(f"{pairs} distinct request/response pairs, all conforming")
