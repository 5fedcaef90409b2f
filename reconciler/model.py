"""The values that flow through the pipeline: a catalog of names, changes, and the plan.

Pure: no I/O. Vocabulary: *desired* comes from git, *live* from incident.io; a *change* turns one into the other;
a *plan* is the ordered list of changes that *apply* carries out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from reconciler.errors import Problem
from reconciler.route import Route

JSON = Any  # a value made of dict, list, str, int, float, bool and None


def name_key(name: str) -> str:
    """A route name as people read it: NFKC-normalised, trimmed, case-insensitive.

    Two routes whose names have the same key page the same people twice, so files may not share one, and apply
    treats a live route with the same key as the route it is about to create.
    """
    return unicodedata.normalize("NFKC", name).strip().casefold()


@dataclass(frozen=True)
class Targets:
    """Which routes a run is limited to (`--target`, like Terraform's `-target`), and what that left unread.

    `patterns` are globs matched against route names as people read them (`name_key`); `names` are exact names
    (never globs: a route file's name may hold `[` or `*`) and `ids` route ids, chosen directly by other sources of
    targets, like the routes a git change touches (`changed_from`). `unread` counts the live routes the run listed
    but did not read because no target selects them.
    """

    patterns: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    unread: int = 0
    names: tuple[str, ...] = ()
    changed_from: ChangedFrom | None = None

    def matches(self, name: str, route_id: str | None = None) -> bool:
        """Whether a route with this name (or id) is targeted; a pattern equal to the name always matches it."""
        if route_id is not None and route_id in self.ids:
            return True
        key = name_key(name)
        if any(key == name_key(exact) for exact in self.names):
            return True
        return any(key == name_key(pattern) or fnmatchcase(key, name_key(pattern)) for pattern in self.patterns)


@dataclass(frozen=True)
class ChangedFrom:
    """Where `--changed-from REF` targets came from: the ref as given, the commit it named, the route files changed."""

    ref: str
    commit: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    """Something a route refers to by id, with the name people write (email for users)."""

    id: str
    name: str
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"type": "String"} for attributes


@dataclass(frozen=True)
class Catalog:
    """Everything names resolve against: the lookups read from the API plus the channel map from git."""

    alert_sources: tuple[Entity, ...] = ()
    alert_attributes: tuple[Entity, ...] = ()
    escalation_paths: tuple[Entity, ...] = ()
    severities: tuple[Entity, ...] = ()
    incident_types: tuple[Entity, ...] = ()
    custom_fields: tuple[Entity, ...] = ()
    users: tuple[Entity, ...] = ()
    teams: tuple[Entity, ...] = ()
    slack_channels: Mapping[str, str] = field(default_factory=dict)  # "#alerts" -> "C07ALERTS01"
    teams_channels: Mapping[str, str] = field(default_factory=dict)  # "Platform/alerts" -> "19:…@thread.tacv2"


class Action(StrEnum):
    """What a change does; the value order is the apply order (creates, updates, then deletes)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def order(self) -> int:
        return {"create": 0, "update": 1, "delete": 2}[self.value]


@dataclass(frozen=True)
class FieldChange:
    """One field that differs, in the file format with names: `path` like `escalation_config.escalation_targets`."""

    path: str
    old: JSON  # None when the field is absent on the live side
    new: JSON  # None when the field is absent on the desired side


@dataclass(frozen=True)
class Change:
    """One route to create, update or delete.

    `desired`/`live` are the route model (ids); `desired_doc`/`live_doc` are the same routes in the file format
    (names), for people. `live_version` is the version the change was computed against: apply writes
    `live_version + 1` and nothing else.
    """

    action: Action
    name: str
    route_id: str | None = None
    live_version: int | None = None
    source: str | None = None  # the route file, for creates and updates
    desired: Route | None = None
    live: Route | None = None
    desired_doc: JSON = None
    live_doc: JSON = None
    fields: tuple[FieldChange, ...] = ()
    protected: bool = False
    refused: str = ""  # why the plan may not carry out this change (a protected delete); "" when it may

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (self.action.order, self.name, self.route_id or "")


@dataclass(frozen=True)
class LiveRoute:
    """A route as incident.io holds it: its id and version, the model, and the API version it was read through."""

    route_id: str
    version: int | None
    route: Route
    api_version: str = "v3"

    @property
    def name(self) -> str:
        return self.route.name


@dataclass(frozen=True)
class LiveRouteSummary:
    """A live route mentioned but not changed by a plan (unmanaged: no file declares it)."""

    route_id: str
    name: str
    version: int | None = None


@dataclass(frozen=True)
class SafetyLimits:
    """octoDNS-style limits: from `min_routes` live routes on, a plan may update or delete at most these shares."""

    min_routes: int = 10
    max_update_share: float = 0.30
    max_delete_share: float = 0.30


@dataclass(frozen=True)
class Plan:
    """The ordered changes, plus what a reviewer needs around them.

    `snapshot` is the live state the plan was computed against: route id → version for every route read. A plan
    with `refusals` (plan-wide: over the safety limits) or a change with `refused` set is shown in full but never
    applied.
    """

    changes: tuple[Change, ...] = ()
    unmanaged: tuple[LiveRouteSummary, ...] = ()  # live routes with no file, kept (no --prune)
    in_sync: int = 0  # managed routes that need no change
    live_count: int = 0  # live routes read
    warnings: tuple[Problem, ...] = ()
    snapshot: Mapping[str, int | None] = field(default_factory=dict)
    refusals: tuple[str, ...] = ()
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    api_version: str = "v3"  # the alert-route API live was read through, and the plan is written through
    targets: Targets | None = None  # the routes this plan was limited to (None: every route)

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    @property
    def summary(self) -> str:
        """`2 to create, 1 to update, 0 to delete`."""
        return (
            f"{self.count(Action.CREATE)} to create, {self.count(Action.UPDATE)} to update, "
            f"{self.count(Action.DELETE)} to delete"
        )

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def refused(self) -> bool:
        """Whether apply must refuse this plan: over a safety limit, or a change it may not make."""
        return bool(self.refusals) or any(change.refused for change in self.changes)

    @property
    def all_refusals(self) -> tuple[str, ...]:
        """Every reason the plan is refused: plan-wide ones first, then each refused change's."""
        return self.refusals + tuple(change.refused for change in self.changes if change.refused)
