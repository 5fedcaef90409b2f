"""The emulator's in-memory organisation: API keys, lookups, alert routes, and how to load it from a state file.

State file (JSON or YAML; the example organisation in `example_org.json` is one). Every list is optional; lookup
items need `id` and `name` (plus the fields in brackets), anything else the spec requires is filled with defaults:

    api_keys:           [{key, name, scopes: [scope | "*" | "*.view" | "-scope", ...]}]
    alert_sources:      [{id, name, source_type}]
    alert_attributes:   [{id, name, type (String, Link, TemplatedText, CatalogEntry["..."], ...), array?}]
    escalation_paths:   [{id, name}]
    severities:         [{id, name, rank}]
    incident_statuses:  [{id, name, category}]
    incident_types:     [{id, name, is_default?}]
    custom_fields:      [{id, name, field_type}]
    users:              [{id, name, email}]
    teams:              [{id, name}]
    incident_roles:     [{id, name, role_type (lead, reporter, custom)}]
    incident_timestamps: [{id, name, rank}]
    custom_field_options: [{id, custom_field_id, value}]
    slack_channels:     [{id, name: "#alerts"}]   (only to label channel ids in routes)
    routes:             [AlertRouteV2 or AlertRouteV3 objects in the server's response form, with id and version]
    organisation:       {v3_migrated: true, severity_required: false}

`organisation.v3_migrated: false` is an organisation incident.io has not moved to the v3 alert-route API yet: every
/v3/alert_routes call answers 403 `api_not_yet_available`. `severity_required: true` refuses an incident created
without a severity (the spec's own 422 example).
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from reconciler.emulator.route_model import stored_from_response
from reconciler.emulator.scopes import ApiKey, expand_scopes

Obj = dict[str, Any]
EPOCH = "2025-01-01T00:00:00Z"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user_defaults(item: Obj) -> Obj:
    return {
        "base_role": {"id": "01JQ3ZROLERESPONDER000001", "name": "Responder", "slug": "responder"},
        "custom_roles": [],
        "is_active": True,
        "role": "responder",
        "seats": {"on_call": "full_access", "response": "full_access"},
    }


def _source_defaults(item: Obj) -> Obj:
    return {
        "template": {
            "attributes": [],
            "description": {"label": "Alert → Description", "reference": "payload.description"},
            "expressions": [],
            "is_private": False,
            "title": {"label": "Alert → Title", "reference": "payload.title"},
        }
    }


_DEFAULTS: dict[str, Any] = {
    "alert_sources": _source_defaults,
    "alert_attributes": lambda i: {"array": False, "required": False},
    "escalation_paths": lambda i: {"path": [], "team_ids": []},
    "severities": lambda i: {"description": i["name"], "created_at": EPOCH, "updated_at": EPOCH},
    "incident_statuses": lambda i: {"description": i["name"], "rank": 0, "created_at": EPOCH, "updated_at": EPOCH},
    "incident_types": lambda i: {
        "description": i["name"],
        "is_default": False,
        "private_incidents_only": False,
        "create_in_triage": "optional",
        "created_at": EPOCH,
        "updated_at": EPOCH,
    },
    "custom_fields": lambda i: {"description": i["name"], "created_at": EPOCH, "updated_at": EPOCH},
    "users": _user_defaults,
    "teams": lambda i: {"members": [], "catalog_entry": {"id": "CE" + i["id"], "name": i["name"]}},
    "incident_roles": lambda i: {
        "description": i["name"],
        "instructions": "",
        "role_type": "custom",
        "shortform": i["name"].lower().replace(" ", "-"),
        "created_at": EPOCH,
        "updated_at": EPOCH,
    },
    "incident_timestamps": lambda i: {"rank": 0},
    "custom_field_options": lambda i: {"sort_key": 0},
}
LOOKUP_KINDS: tuple[str, ...] = tuple(_DEFAULTS)


def _index(kind: str, items: list[Obj]) -> dict[str, Obj]:
    out: dict[str, Obj] = {}
    label = "value" if kind == "custom_field_options" else "name"
    for raw in items:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get(label), str):
            raise ValueError(f"state: every {kind} item needs a string id and {label}, got {raw!r}")
        out[raw["id"]] = {**_DEFAULTS[kind](raw), **raw}
    return dict(sorted(out.items()))  # list endpoints page through ids in order


Renderer = Callable[[Obj], Obj]


@dataclass
class RouteRecord:
    """A live route in the stored form (route_model.py), and its serialised `{"alert_route": ...}` bodies per API
    version, rendered on first read and reused after (a route's lookups do not change while it lives)."""

    route: Obj
    bodies: dict[str, bytes] = field(default_factory=dict)

    def body(self, api_version: str, render: Renderer) -> bytes:
        body = self.bodies.get(api_version)
        if body is None:
            body = json.dumps({"alert_route": render(self.route)}, separators=(",", ":")).encode()
            self.bodies[api_version] = body
        return body


class RouteStore:
    """Routes by id with an ordered id index: O(1) lookup, O(log n + page) pagination."""

    def __init__(self) -> None:
        self._records: dict[str, RouteRecord] = {}
        self._order: list[str] = []
        self._counter = 0

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, route_id: object) -> bool:
        return route_id in self._records

    def get(self, route_id: str) -> RouteRecord | None:
        return self._records.get(route_id)

    def put(self, route: Obj) -> RouteRecord:
        """Store (or replace) a route in the stored form; its rendered bodies start afresh."""
        record = RouteRecord(route)
        if route["id"] not in self._records:
            bisect.insort(self._order, route["id"])
        self._records[route["id"]] = record
        return record

    def delete(self, route_id: str) -> None:
        del self._records[route_id]
        del self._order[bisect.bisect_left(self._order, route_id)]

    def new_id(self) -> str:
        """A fresh ULID-like id (26 characters); deterministic so runs are reproducible."""
        while True:
            self._counter += 1
            candidate = f"01KRTE{self._counter:020d}"
            if candidate not in self._records:
                return candidate

    def page(self, after: str | None, size: int) -> list[RouteRecord]:
        """Up to `size` routes after the position `after` in id order (see paging.py: any id is a position)."""
        start = bisect.bisect_right(self._order, after) if after else 0
        return [self._records[i] for i in self._order[start : start + size]]

    def routes(self) -> list[Obj]:
        """Every route in the stored form (id, name, version... at the top level), in id order."""
        return [self._records[i].route for i in self._order]


@dataclass
class Organisation:
    """Organisation-wide settings the API's behaviour depends on (state file `organisation`)."""

    v3_migrated: bool = True
    severity_required: bool = False

    @classmethod
    def from_dict(cls, data: Obj) -> Organisation:
        """From the state file's `organisation` mapping; unknown keys or non-boolean values raise ValueError."""
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(
                f"state: unknown organisation setting(s): {', '.join(unknown)} (known: {', '.join(known)})"
            )
        for name, value in data.items():
            if not isinstance(value, bool):
                raise ValueError(f"state: organisation.{name} must be true or false, got {value!r}")
        return cls(**data)


@dataclass
class EmulatorState:
    """Everything the emulated organisation holds. Lookups map id → full API object, in id order."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    alert_sources: dict[str, Obj] = field(default_factory=dict)
    alert_attributes: dict[str, Obj] = field(default_factory=dict)
    escalation_paths: dict[str, Obj] = field(default_factory=dict)
    severities: dict[str, Obj] = field(default_factory=dict)
    incident_statuses: dict[str, Obj] = field(default_factory=dict)
    incident_types: dict[str, Obj] = field(default_factory=dict)
    custom_fields: dict[str, Obj] = field(default_factory=dict)
    users: dict[str, Obj] = field(default_factory=dict)
    teams: dict[str, Obj] = field(default_factory=dict)
    incident_roles: dict[str, Obj] = field(default_factory=dict)
    incident_timestamps: dict[str, Obj] = field(default_factory=dict)
    custom_field_options: dict[str, Obj] = field(default_factory=dict)
    slack_channels: dict[str, str] = field(default_factory=dict)  # channel id → "#name"
    routes: RouteStore = field(default_factory=RouteStore)
    organisation: Organisation = field(default_factory=Organisation)

    @classmethod
    def from_dict(cls, data: Obj) -> EmulatorState:
        """Build from the state-file structure (see the module docstring); the input is not modified."""
        data = copy.deepcopy(data)
        state = cls()
        for raw in data.get("api_keys", []):
            key = ApiKey(key=raw["key"], name=raw.get("name", raw["key"]), scopes=expand_scopes(raw.get("scopes", [])))
            state.keys[key.key] = key
        for kind in LOOKUP_KINDS:
            setattr(state, kind, _index(kind, data.get(kind, [])))
        for channel in data.get("slack_channels", []):
            state.slack_channels[channel["id"]] = channel["name"]
        for route in data.get("routes", []):
            if not isinstance(route, dict) or not isinstance(route.get("id"), str):
                raise ValueError(f"state: every route needs a string id, got {route!r}")
            state.routes.put(stored_from_response(route))
        organisation = data.get("organisation", {})
        if not isinstance(organisation, dict):
            raise ValueError("state: organisation must be a mapping")
        state.organisation = Organisation.from_dict(organisation)
        return state


def _read_structured(path: Path) -> Obj:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a state file must be a mapping")
    return data


def example_state_data() -> Obj:
    """The example organisation's state-file data (shipped as `example_org.json`)."""
    text = resources.files("reconciler.emulator").joinpath("example_org.json").read_text(encoding="utf-8")
    data: Obj = json.loads(text)
    return data


def load_state(path: Path | None = None) -> EmulatorState:
    """Load a state file (JSON or YAML); without a path, the example organisation."""
    return EmulatorState.from_dict(_read_structured(path) if path is not None else example_state_data())
