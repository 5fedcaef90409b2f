"""Shared by the emulator tests: headers, the spec's schemas as validators, and response → payload stripping."""

from __future__ import annotations

import copy
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from reconciler.emulator import EmulatorSettings, EmulatorState, create_app, load_state
from reconciler.emulator.control import minimal_payload
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
    """A live `AlertRouteV2` as the matching create/update payload (labels, returns and echoes removed)."""

    def strip(node: Any) -> Any:
        if isinstance(node, list):
            return [strip(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in ("label", "reference_label", "returns"):  # restored below where the payload has them
                continue
            if key == "subject" and isinstance(value, dict):
                out[key] = value["reference"]
            elif key == "operation" and isinstance(value, dict):
                out[key] = value["value"]
            else:
                out[key] = strip(value)
        return out

    body = strip(copy.deepcopy(route))
    for key in ("id", "version", "created_at", "updated_at"):
        body.pop(key, None)
    for expression, original in zip(body.get("expressions", []), route.get("expressions", []), strict=True):
        expression["label"] = original["label"]  # expression labels are part of the payload
        for op, original_op in zip(expression["operations"], original["operations"], strict=True):
            for name in ("parse", "branches"):
                if name in op:
                    op[name]["returns"] = original_op[name]["returns"]
    for target in body["escalation_config"]["escalation_targets"]:
        if "escalation_paths" in target:
            target.pop("users", None)
    if version is not None:
        body["version"] = version
    return body


def route_payload(name: str, **changes: Any) -> dict[str, Any]:
    """The emulator's own minimal create payload for the example organisation, with top-level fields replaced."""
    return {**minimal_payload(_example_emulator(), name), **changes}


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
