"""The plan file's reader: bytes → a `PlanFile`, or one clear line saying why the file is refused.

Pure: no I/O. In order, each step trusting only what the ones before it proved: decode (size, UTF-8, JSON, depth,
numbers, duplicate keys), `format_version`, the JSON Schema, the seal (`checksum`), then the rules that tie fields
together (counts, summary, refusals, the review fingerprint, the snapshot, apply order). Nothing reaches apply
unless all of them hold. `ConfigError`: not a plan file this reconciler can read. `UnsafePlan`: readable, but modified
after it was written or inconsistent with itself.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.errors import ConfigError, Location, Problem, UnsafePlan, json_path
from reconciler.model import (
    Action,
    Change,
    ChangedFrom,
    FieldChange,
    LiveRouteSummary,
    Plan,
    SafetyLimits,
    Targets,
    name_key,
)
from reconciler.planfile.decode import decode_json
from reconciler.planfile.schema import schema_problem, show
from reconciler.planfile.write import FORMAT_VERSION, plan_checksum, review_fingerprint, safe_api_url
from reconciler.route import Route
from reconciler.route_json import from_json

# A warning as `Problem.__str__` writes it: `file[:line:col]: $.path: message`.
_WARNING = re.compile(r"^(?P<where>.*?): (?P<path>\$.*?): (?P<message>.*)$", re.DOTALL)
_LINE_COLUMN = re.compile(r"^(?P<file>.*):(?P<line>[1-9][0-9]{0,8}):(?P<column>0|[1-9][0-9]{0,8})$", re.DOTALL)


@dataclass(frozen=True)
class PlanFile:
    """A plan as read from a file: the plan, its seal, its review fingerprint, and where and when it was made."""

    plan: Plan
    checksum: str
    review: str
    api_url: str
    created_at: str
    impact: dict[str, Any] | None = None  # plan --replay: the impact replay, as `core.impact.impact_to_json` wrote it


def load_plan(data: bytes | str, *, source: str = "plan.json") -> PlanFile:
    """Read a plan file; raise `ConfigError` or `UnsafePlan` (one line, naming `source`) for anything else."""
    try:
        return _load(data, source)
    except (ConfigError, UnsafePlan) as exc:
        raise type(exc)(_line(str(exc))) from None


def _load(data: bytes | str, source: str) -> PlanFile:
    document = decode_json(data, source)
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: not a plan file: expected a JSON object, got {show(document)}")
    _check_format_version(document, source)
    problem = schema_problem(document)
    if problem is not None:
        raise ConfigError(f"{source}: {problem}")
    _check_seal(document, source)
    plan = _plan(document, source)
    problem = _inconsistency(document, plan)
    if problem is not None:
        raise UnsafePlan(f"{source}: {problem}; run reconciler plan again")
    return PlanFile(
        plan=plan,
        checksum=document["checksum"],
        review=document["review"],
        api_url=document["api_url"],
        created_at=document["created_at"],
        impact=document.get("impact"),
    )


def _line(message: str) -> str:
    """`message` on one line: control, bidi and other invisible characters escaped so they cannot hide or reorder."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in message)


def _check_format_version(document: dict[str, Any], source: str) -> None:
    if "format_version" not in document:
        raise ConfigError(f"{source}: not a plan file: no format_version")
    version = document["format_version"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise ConfigError(
            f"{source}: format_version {show(version)} is not one this reconciler reads (it reads {FORMAT_VERSION}); "
            "run reconciler plan again"
        )


def _check_seal(document: dict[str, Any], source: str) -> None:
    try:
        actual = plan_checksum(document)
    except UnicodeEncodeError:
        raise ConfigError(f"{source}: a string holds a lone UTF-16 surrogate (\\ud800-\\udfff): not text") from None
    stored: str = document["checksum"]
    if not hmac.compare_digest(stored, actual):
        raise UnsafePlan(
            f"{source}: the plan was modified after it was written (its checksum is {stored[:12]}…, its content's "
            f"{actual[:12]}…); run reconciler plan again"
        )


def _plan(document: dict[str, Any], source: str) -> Plan:
    """The `Plan` in a document that passed the schema (so every key is there, with its type)."""
    limits = document["limits"]
    targets = document.get("targets")
    return Plan(
        changes=tuple(_change(item, index, source) for index, item in enumerate(document["changes"])),
        unmanaged=tuple(
            LiveRouteSummary(route_id=u["route_id"], name=u["name"], version=u["version"])
            for u in document["unmanaged"]
        ),
        in_sync=document["in_sync"],
        live_count=document["live_count"],
        warnings=tuple(_warning(text, source) for text in document["warnings"]),
        snapshot=dict(document["snapshot"]),
        api_version=document["api_version"],
        refusals=tuple(document["refusals"]),
        limits=SafetyLimits(
            min_routes=limits["min_routes"],
            max_update_share=float(limits["max_update_share"]),
            max_delete_share=float(limits["max_delete_share"]),
        ),
        targets=None if targets is None else _targets(targets),
    )


def _targets(targets: dict[str, Any]) -> Targets:
    source = targets.get("changed_from")
    return Targets(
        patterns=tuple(targets["patterns"]),
        ids=tuple(targets["ids"]),
        unread=targets["unread"],
        names=tuple(targets.get("names", ())),
        changed_from=None
        if source is None
        else ChangedFrom(ref=source["ref"], commit=source["commit"], files=tuple(source["files"])),
    )


def _route(data: Any, where: str, source: str) -> Route | None:
    if data is None:
        return None
    try:
        return from_json(Route, data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"{source}: {where}: not a route: {exc}") from None


def _change(item: dict[str, Any], index: int, source: str) -> Change:
    where = json_path(("changes", index))
    return Change(
        action=Action(item["action"]),
        name=item["name"],
        route_id=item["route_id"],
        live_version=item["live_version"],
        source=item["source"],
        desired=_route(item["desired"], f"{where}.desired", source),
        live=_route(item["live"], f"{where}.live", source),
        desired_doc=item["desired_doc"],
        live_doc=item["live_doc"],
        fields=tuple(FieldChange(path=f["path"], old=f["old"], new=f["new"]) for f in item["fields"]),
        protected=item["protected"],
        refused=item["refused"],
    )


def _warning(text: str, source: str) -> Problem:
    """A warning line back as the `Problem` it was written from (its text unchanged either way)."""
    match = _WARNING.match(text)
    if match is None:
        return Problem(Location(source), "$", text, severity="warning")
    where = match["where"]
    located = _LINE_COLUMN.match(where)
    location = Location(where)
    if located is not None:
        location = Location(located["file"], int(located["line"]), int(located["column"]))
    return Problem(location, match["path"], match["message"], severity="warning")


def _inconsistency(document: dict[str, Any], plan: Plan) -> str | None:
    """The first way the fields of a sealed document contradict each other, as `$.path: message`; None if none."""
    for check in (_envelope_problem, _totals_problem, _changes_problem, _snapshot_problem, _warnings_problem):
        problem = check(document, plan)
        if problem is not None:
            return problem
    return None


def _envelope_problem(document: dict[str, Any], plan: Plan) -> str | None:
    url = document["api_url"]
    try:
        same = safe_api_url(url) == url
    except ValueError:
        same = False
    if not same:
        return f"$.api_url: {show(url)} is not an API URL as scheme://host[:port]"
    try:
        datetime.strptime(document["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return f"$.created_at: {show(document['created_at'])} is not a real time"
    if document["review"] != review_fingerprint(plan):
        return "$.review: is not the review fingerprint of the changes"
    return None


def _totals_problem(document: dict[str, Any], plan: Plan) -> str | None:
    for action in Action:
        said, has = document["counts"][action.value], plan.count(action)
        if said != has:
            return (
                f"$.counts.{action.value}: says {said}, but the plan has {has} {action.value}{'' if has == 1 else 's'}"
            )
    if document["summary"] != plan.summary:
        return f"$.summary: says {show(document['summary'])}, but the changes make {plan.summary!r}"
    if document["refused"] != plan.refused:
        why = "the plan has refusals" if plan.refused else "nothing in the plan is refused"
        return f"$.refused: says {show(document['refused'])}, but {why}"
    return None


def _changes_problem(_document: dict[str, Any], plan: Plan) -> str | None:
    changed: dict[str, int] = {}
    created: dict[str, int] = {}
    for index, change in enumerate(plan.changes):
        where = json_path(("changes", index))
        if index and change.action.order < plan.changes[index - 1].action.order:
            before = plan.changes[index - 1].action.value
            return f"{where}: {_a(change.action.value)} after {_a(before)}: changes must be in apply order"
        route = change.live if change.action is Action.DELETE else change.desired
        side = "live" if change.action is Action.DELETE else "desired"
        if route is not None and route.name != change.name:
            return f"{where}.{side}.name: {show(route.name)} is not the change's name {show(change.name)}"
        if change.route_id is not None:
            if change.route_id in changed:
                other = json_path(("changes", changed[change.route_id]))
                return f"{where}.route_id: {show(change.route_id)} is also changed by {other}"
            changed[change.route_id] = index
        if change.action is Action.CREATE:
            key = name_key(change.name)
            if key in created:
                other = json_path(("changes", created[key]))
                return f"{where}.name: {show(change.name)} is also created by {other}"
            created[key] = index
    return None


def _snapshot_problem(_document: dict[str, Any], plan: Plan) -> str | None:
    touched = {change.route_id for change in plan.changes}
    for index, change in enumerate(plan.changes):
        if change.route_id is None:
            continue
        where = json_path(("changes", index))
        if change.route_id not in plan.snapshot:
            return f"{where}.route_id: {show(change.route_id)} is not in the snapshot of the routes the plan read"
        seen = plan.snapshot[change.route_id]
        if seen != change.live_version:
            return f"{where}.live_version: {change.live_version}, but the snapshot has version {show(seen)}"
    listed: set[str] = set()
    for index, route in enumerate(plan.unmanaged):
        where = json_path(("unmanaged", index))
        if route.route_id in listed:
            return f"{where}.route_id: {show(route.route_id)} is listed twice"
        listed.add(route.route_id)
        if route.route_id in touched:
            return f"{where}.route_id: {show(route.route_id)} is unmanaged and also changed"
        if route.route_id not in plan.snapshot:
            return f"{where}.route_id: {show(route.route_id)} is not in the snapshot of the routes the plan read"
        if plan.snapshot[route.route_id] != route.version:
            return f"{where}.version: {show(route.version)}, but the snapshot has {show(plan.snapshot[route.route_id])}"
    return None


def _warnings_problem(document: dict[str, Any], plan: Plan) -> str | None:
    for index, (written, read) in enumerate(zip(document["warnings"], plan.warnings, strict=True)):
        if str(read) != written:
            return f"$.warnings[{index}]: {show(written)} is not a warning line (file: $.path: message)"
    return None


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"
