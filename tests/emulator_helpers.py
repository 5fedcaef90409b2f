"""Shared by the emulator tests: headers, the spec's schemas as validators, response → payload stripping, route
payloads (v2 and v3) for the example organisation, and clients of an in-process emulator."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from reconciler.emulator import EmulatorSettings, EmulatorState, create_app, load_state
from reconciler.emulator.control import minimal_payload, minimal_payload_v3
from reconciler.emulator.route_model import payload_of
from reconciler.emulator.runtime import Emulator

ADMIN = {"Authorization": "Bearer example-admin"}
READONLY = {"Authorization": "Bearer example-readonly"}
NO_SEVERITIES = {"Authorization": "Bearer example-no-severities"}
SPEC_URI = "urn:incident-io-openapi"

# The spec declares no schema for error responses (no 4xx/5xx entries at all, no error component), so error bodies
# are checked against the envelope its info section and INCIDENT_IO_API.md §6 describe.
ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["type", "status", "request_id", "errors"],
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "source": {"type": "object", "required": ["field"], "properties": {"field": {"type": "string"}}},
                },
            },
        },
        "rate_limit": {
            "type": "object",
            "required": ["name", "limit", "remaining", "retry_after"],
            "properties": {
                "name": {"type": "string"},
                "limit": {"type": "integer"},
                "remaining": {"type": "integer"},
                "retry_after": {"type": "string"},
            },
        },
    },
}


class SpecSchemas:
    """Validators for the official spec's request and response schemas (refs resolved through a Registry)."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource(spec, specification=DRAFT202012))
        self._cache: dict[str, jsonschema.Draft202012Validator] = {}

    def _validator(self, pointer: str) -> jsonschema.Draft202012Validator:
        if pointer not in self._cache:
            self._cache[pointer] = jsonschema.Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"},
                registry=self.registry,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
        return self._cache[pointer]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        op: dict[str, Any] = self.spec["paths"][path][method.lower()]
        return op

    def response_errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Schema errors of a response body; error statuses the spec leaves undeclared use the envelope."""
        responses = self.operation(method, path)["responses"]
        declared = responses.get(str(status))
        if declared is None:
            assert status >= 400, f"{method} {path}: success status {status} is not declared by the spec"
            validator = jsonschema.Draft202012Validator(ERROR_ENVELOPE)
            return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        content = declared.get("content", {}).get("application/json")
        if content is None:
            return [] if body is None else [f"{status} declares no body but one was sent"]
        pointer = content["schema"]["$ref"].removeprefix("#")
        return [f"{list(e.absolute_path)}: {e.message}" for e in self._validator(pointer).iter_errors(body)]

    def request_errors(self, method: str, path: str, body: Any) -> list[str]:
        ref = self.operation(method, path)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        validator = self._validator(ref.removeprefix("#"))
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def to_payload(route: dict[str, Any], *, version: int | None = None) -> dict[str, Any]:
    """A live AlertRouteV2 or AlertRouteV3 as the matching create/update payload (labels, returns, echoes removed)."""
    body = payload_of(route)
    if version is not None:
        body["version"] = version
    return body


def route_payload(name: str, **changes: Any) -> dict[str, Any]:
    """The emulator's own minimal v2 create payload for the example organisation, with top-level fields replaced."""
    return {**minimal_payload(_example_emulator(), name), **changes}


def route_payload_v3(name: str, **changes: Any) -> dict[str, Any]:
    """The same minimal route as a v3 create payload, with top-level fields replaced."""
    return {**minimal_payload_v3(_example_emulator(), name), **changes}


SOURCE_1 = "01JQ3ZSRC00000000000000001"
SEVERITY_ATTRIBUTE = "alert.attributes.01JQ3ZATTRSEV0000000000001"
ENG_ONCALL = "01JQ3ZESCPATH0000000000001"
USER_ALEX = "01JQ3ZUSR00000000000000001"
TEAM_PLATFORM, TEAM_DATABASE = "01JQ3ZTEAM0000000000000001", "01JQ3ZTEAM0000000000000002"
SEV_CRITICAL = "01JQ3ZSEV00000000000000001"
ONE_OF_TITLE = {
    "subject": "alert.title",
    "operation": "one_of",
    "param_bindings": [{"array_value": [{"literal": "db"}, {"literal": "disk"}]}],
}
TEMPLATE: dict[str, Any] = {
    "name": {"binding": {"value": {"reference": "alert.title"}}},
    "summary": {"autogenerated": True},
    "severity": {"merge_strategy": "max", "binding": {"value": {"literal": SEV_CRITICAL}}},
    "incident_type": {"binding": {"value": {"literal": "01JQ3ZINCTYPE0000000000002"}}},
    "membership_teams": {"binding": {"array_value": [{"literal": TEAM_DATABASE}]}},
    "start_in_triage": {"binding": {"value": {"literal": "true"}}},
    "custom_fields": [
        {
            "custom_field_id": "01JQ3ZCFIELD00000000000001",
            "merge_strategy": "append",
            "binding": {"array_value": [{"reference": "alert.description"}]},
        }
    ],
}
EXPRESSION: dict[str, Any] = {
    "label": "Severity upper",
    "reference": "sevup",
    "root_reference": SEVERITY_ATTRIBUTE,
    "operations": [
        {"operation_type": "parse", "parse": {"source": "$.x", "returns": {"array": False, "type": "String"}}},
        {"operation_type": "navigate", "navigate": {"reference": "name"}},
        {"operation_type": "count"},
        {"operation_type": "cast", "cast": {"returns": {"array": False, "type": "Number"}}},
        {
            "operation_type": "branches",
            "branches": {
                "returns": {"array": False, "type": "String"},
                "branches": [
                    {"condition_groups": [{"conditions": [ONE_OF_TITLE]}], "result": {"value": {"literal": "db"}}}
                ],
            },
        },
    ],
    "else_branch": {"result": {"value": {"literal": "none"}}},
}
ESCALATION_TARGETS = [
    {"users": {"array_value": [{"literal": USER_ALEX}]}},
    {"escalation_paths": {"value": {"literal": ENG_ONCALL}}},
]


def full_v2_payload(name: str = "Everything") -> dict[str, Any]:
    """A v2 create payload using every v2 setting (workspace included)."""
    return route_payload(
        name,
        owning_team_ids=[TEAM_PLATFORM],
        condition_groups=[{"conditions": [ONE_OF_TITLE]}],
        expressions=[EXPRESSION],
        channel_config=[
            {
                "condition_groups": [{"conditions": [ONE_OF_TITLE]}],
                "slack_targets": {"binding": {"value": {"literal": "C07ALERTS01"}}, "channel_visibility": "public"},
                "ms_teams_targets": {
                    "binding": {"value": {"literal": "19:abc@thread"}},
                    "channel_visibility": "private",
                },
            }
        ],
        escalation_config={"auto_cancel_escalations": True, "escalation_targets": ESCALATION_TARGETS},
        incident_config={
            "enabled": True,
            "auto_decline_enabled": True,
            "auto_relate_grouped_alerts": False,
            "condition_groups": [{"conditions": [ONE_OF_TITLE]}],
            "defer_time_seconds": 60,
            "grouping_keys": [{"reference": "alert.title"}],
            "grouping_window_seconds": 600,
        },
        incident_template={**TEMPLATE, "workspace": {"binding": {"value": {"literal": "T0123456"}}}},
        message_template={"value": {"literal": "hello"}},
    )


def full_v3_payload(name: str = "Everything v3") -> dict[str, Any]:
    """A v3 create payload using every v3 setting, the v3-only ones included (fixed window, group summaries...)."""
    return route_payload_v3(
        name,
        owning_team_ids=[TEAM_PLATFORM, TEAM_DATABASE],
        condition_groups=[{"conditions": [ONE_OF_TITLE]}],
        expressions=[EXPRESSION],
        grouping_config={
            "default": {
                "enabled": True,
                "grouping_keys": [{"reference": "alert.title"}, {"reference": SEVERITY_ATTRIBUTE}],
                "window_seconds": 7200,
                "window_type": "fixed",
            }
        },
        message_config={
            "destinations": [
                {
                    "condition_groups": [{"conditions": [ONE_OF_TITLE]}],
                    "slack_targets": {
                        "binding": {"array_value": [{"literal": "C07ALERTS01"}]},
                        "channel_visibility": "public",
                        "group_alerts_summary": True,
                    },
                    "ms_teams_targets": {
                        "binding": {"value": {"literal": "19:abc@thread"}},
                        "channel_visibility": "group_chat",
                        "group_alerts_summary": False,
                    },
                }
            ],
            "template": {"value": {"literal": "01JQ3ZMSGTEMPLATE00000001"}},
        },
        escalation_config={
            "auto_cancel_escalations": True,
            "escalation_targets": ESCALATION_TARGETS,
            "when_alert_joins_group": {"mode": "on_each_new_alert", "grace_period_seconds": 300},
        },
        incident_config={
            "enabled": True,
            "auto_decline_enabled": True,
            "condition_groups": [{"conditions": [ONE_OF_TITLE]}],
            "template": TEMPLATE,
        },
    )


@functools.cache
def _example_emulator() -> Emulator:
    return Emulator(load_state(), EmulatorSettings())


@asynccontextmanager
async def in_process(
    state: EmulatorState | None = None, settings: EmulatorSettings | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """An httpx client wired to a fresh in-process emulator, and the app."""
    app = create_app(state if state is not None else load_state(), settings=settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator.test") as client:
        yield client, app


class SyncClient:
    """A synchronous client for the in-process app (starlette's TestClient warns about its httpx use)."""

    def __init__(self, app: Any, base_url: str = "http://emulator.test") -> None:
        self.app = app
        self.base_url = base_url
        self.headers: dict[str, str] = {}

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base_url, headers=headers) as c:
                return await c.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)
