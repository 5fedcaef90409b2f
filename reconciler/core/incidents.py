"""Incident actions as data: names to ids, idempotency keys, create/edit payloads and list filters.

Pure: values in, values out. The HTTP calls live in `reconciler.api.incidents`, the printing in
`reconciler.cli.incidents`. Names are resolved like route names: an exact id wins, then the exact name, then a
case-insensitive name; an unknown name is reported with the closest existing ones, every unknown at once.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reconciler.errors import ConfigError

Obj = dict[str, Any]

VISIBILITIES = ("public", "private")
MODES = ("standard", "retrospective", "test", "tutorial")
# The API's status categories; the dashboard shows `live` as "Active" and `learning` as "Post-incident".
STATUS_CATEGORIES = ("triage", "live", "learning", "paused", "closed", "declined", "canceled", "merged")
CATEGORY_ALIASES = {"active": "live", "post-incident": "learning"}
KEY_PREFIX = "reconciler-"
DRIFT_KEY_PREFIX = "reconciler-drift-"
_REFERENCE = re.compile(r"^(?:inc-)?(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class NameProblem:
    """An option whose name matched nothing: `--severity: unknown severity 'Crit'; closest: Critical`."""

    option: str
    kind: str
    name: str
    closest: tuple[str, ...]
    known: tuple[str, ...]

    def __str__(self) -> str:
        if self.closest:
            hint = f"closest: {', '.join(self.closest)}"
        elif self.known:
            hint = f"known: {', '.join(self.known)}"
        else:
            hint = f"no {self.kind} exists"
        return f"{self.option}: unknown {self.kind} {self.name!r}; {hint}"


def find_id(kind: str, option: str, name: str, items: Sequence[Mapping[str, Any]]) -> str | NameProblem:
    """The id of the item called `name` (or with id `name`), else a problem naming the closest names."""
    for item in items:
        if item.get("id") == name:
            return str(item["id"])
    for item in items:
        if item.get("name") == name:
            return str(item["id"])
    folded = [item for item in items if str(item.get("name", "")).casefold() == name.casefold()]
    if len(folded) == 1:
        return str(folded[0]["id"])
    names = [str(item.get("name", "")) for item in items]
    by_fold = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(name.casefold(), list(by_fold), n=3, cutoff=0.5)
    # A prefix ("Crit" for "Critical") is the commonest slip and scores low on ratio alone.
    prefixed = [n for n in by_fold if n.startswith(name.casefold()) and n not in close]
    closest = tuple(by_fold[n] for n in [*close, *prefixed][:3])
    return NameProblem(option, kind, name, closest, tuple(sorted(names)))


def resolve_names(
    lookups: Mapping[str, Sequence[Mapping[str, Any]]],
    wanted: Sequence[tuple[str, str, str | None]],
) -> dict[str, str]:
    """Resolve `(kind, option, name)` triples against `lookups[kind]`; every unknown name raises at once.

    Returns option → id for the names given (None names are skipped). Kinds: severity, status, type.
    """
    resolved: dict[str, str] = {}
    problems: list[NameProblem] = []
    for kind, option, name in wanted:
        if name is None:
            continue
        found = find_id(kind, option, name, lookups.get(kind, ()))
        if isinstance(found, NameProblem):
            problems.append(found)
        else:
            resolved[option] = found
    if problems:
        raise ConfigError("\n".join(str(p) for p in problems))
    return resolved


def stable_hash(data: Mapping[str, Any]) -> str:
    """A hex digest of `data` that does not depend on key order (canonical JSON, sha256)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_idempotency_key(payload: Mapping[str, Any]) -> str:
    """The key a create gets when none is given: the same inputs always give the same key (a retried step
    never opens a second incident), any different input a different one."""
    inputs = {k: v for k, v in payload.items() if k != "idempotency_key"}
    return KEY_PREFIX + stable_hash(inputs)[:40]


def drift_idempotency_key(fingerprint: str) -> str:
    """One incident per distinct drift: the key depends on the drift's fingerprint only."""
    return DRIFT_KEY_PREFIX + hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:40]


def create_payload(
    *,
    visibility: str,
    mode: str = "standard",
    name: str | None = None,
    summary: str | None = None,
    severity_id: str | None = None,
    status_id: str | None = None,
    type_id: str | None = None,
    idempotency_key: str | None = None,
) -> Obj:
    """An `IncidentsCreatePayloadV2` body; omitted values stay out, the key defaults to a hash of the rest."""
    if visibility not in VISIBILITIES:
        raise ConfigError(f"--visibility: must be one of {', '.join(VISIBILITIES)}, got {visibility!r}")
    if mode not in MODES:
        raise ConfigError(f"--mode: must be one of {', '.join(MODES)}, got {mode!r}")
    optional = {
        "name": name,
        "summary": summary,
        "severity_id": severity_id,
        "incident_status_id": status_id,
        "incident_type_id": type_id,
    }
    payload: Obj = {"visibility": visibility, "mode": mode}
    payload.update({k: v for k, v in optional.items() if v is not None})
    payload["idempotency_key"] = idempotency_key or default_idempotency_key(payload)
    return dict(sorted(payload.items()))


def edit_payload(
    *,
    name: str | None = None,
    summary: str | None = None,
    severity_id: str | None = None,
    status_id: str | None = None,
    notify: bool = False,
) -> Obj:
    """An `IncidentsEditPayloadV2` body carrying only the fields given (the API leaves the others alone)."""
    fields = {"name": name, "summary": summary, "severity_id": severity_id, "incident_status_id": status_id}
    incident = {k: v for k, v in fields.items() if v is not None}
    if not incident:
        raise ConfigError("nothing to update: give at least one of --name, --summary, --severity, --status")
    return {"incident": incident, "notify_incident_channel": notify}


def incident_path_id(text: str) -> str:
    """The `{id}` for `/v2/incidents/{id}`: a full id as is, `INC-123` or `123` as the number 123."""
    text = text.strip()
    match = _REFERENCE.match(text)
    if match:
        return str(int(match.group(1)))
    if not re.fullmatch(r"[A-Za-z0-9]+", text):
        raise ConfigError(f"not an incident id or reference: {text!r} (use the full id, INC-123 or 123)")
    return text


def status_category(text: str) -> str:
    """An API status category from what the user typed (the dashboard's "active" and "post-incident" too)."""
    value = CATEGORY_ALIASES.get(text.lower(), text.lower())
    if value not in STATUS_CATEGORIES:
        raise ConfigError(f"--status-category: unknown category {text!r}; known: {', '.join(STATUS_CATEGORIES)}")
    return value


def list_params(
    *,
    status_categories: Sequence[str] = (),
    modes: Sequence[str] = (),
    sort_by: str | None = None,
) -> dict[str, list[str] | str]:
    """Query parameters of `GET /v2/incidents` in the API's deepObject form (`status_category[one_of]=live`)."""
    params: dict[str, list[str] | str] = {}
    if status_categories:
        params["status_category[one_of]"] = [status_category(c) for c in status_categories]
    if modes:
        params["mode[one_of]"] = list(modes)
    if sort_by:
        params["sort_by"] = sort_by
    return params


def summary_row(incident: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """Reference, status (category), severity, name and creation time: one line of `incidents list`."""
    status = incident.get("incident_status") or {}
    severity = incident.get("severity") or {}
    return (
        str(incident.get("reference", "")),
        f"{status.get('name', '?')} ({status.get('category', '?')})",
        str(severity.get("name", "-")),
        str(incident.get("name", "")),
        str(incident.get("created_at", ""))[:19].replace("T", " "),
    )


CLOCK_SKEW = timedelta(seconds=60)  # how far incident.io's clock and ours may disagree


def existed_before(incident: Mapping[str, Any], *, name: str, sent_at: datetime) -> bool:
    """Whether `create` answered with an incident opened before this request (its idempotency key was used before).

    The API answers 200 either way, so it is told from the incident: another name than the one asked for (the key was
    reused with other inputs), or a creation time well before the request was sent (by more than CLOCK_SKEW, so a
    clock that runs ahead of incident.io's never makes a new incident look old).
    """
    if incident.get("name") != name:
        return True
    try:
        created = datetime.fromisoformat(str(incident.get("created_at", "")))
    except ValueError:
        return False
    if created.tzinfo is None:
        return False
    return created < sent_at - CLOCK_SKEW
