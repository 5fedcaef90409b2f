"""An incident's custom field entries, role assignments and timestamp values: checked against the organisation
(ids exist, each value's kind matches its field's type) and stored in the shape IncidentV2 echoes them in.

Payload → echo (IncidentsCreatePayloadV2 / IncidentEditPayloadV2 → IncidentV2):
- custom_field_entries [{custom_field_id, values: [{value_option_id | value_text | value_link | value_numeric |
  value_catalog_entry_id}]}] → [{custom_field: {id, name, description, field_type, options}, values: [{value_option:
  {...}} | {value_text} | {value_link} | {value_numeric}]}]. single_select takes at most one option of its own,
  multi_select any number, text/link/numeric at most one value of their kind (numeric must be a number). An entry
  without values clears the field. The emulator holds no catalog entries, so `value_catalog_entry_id` is refused,
  and so is `value_timestamp` (no field type in the spec's enum takes one).
- incident_role_assignments [{incident_role_id, assignee?: {id | email | slack_user_id}}] → [{role: {...},
  assignee: UserV2}]; without an assignee the role is unassigned (and left out).
- incident_timestamp_values [{incident_timestamp_id, value?}] → [{incident_timestamp: {id, name, rank}, value:
  {value}}]; `value` is an RFC 3339 date-time; without one the timestamp is cleared.

Each list in an edit replaces what the incident holds for the fields, roles or timestamps it names, and leaves the
others alone. Problems are 422s naming the field (`custom_field_entries[0].values[1].value_option_id`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from reconciler.emulator.errors import WireError
from reconciler.emulator.state import EmulatorState

Obj = dict[str, Any]
VALUE_KINDS = (
    "value_option_id",
    "value_text",
    "value_link",
    "value_numeric",
    "value_catalog_entry_id",
    "value_timestamp",
)
KIND_OF_TYPE = {
    "single_select": "value_option_id",
    "multi_select": "value_option_id",
    "text": "value_text",
    "link": "value_link",
    "numeric": "value_numeric",
}
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def invalid(field: str, message: str, code: str = "invalid_value") -> WireError:
    return WireError.one(422, code, message, field)


def _list(body: Obj, name: str, path: str) -> list[Obj]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise invalid(path + name, f"{name} must be an array of objects")
    return value


def _id(item: Obj, name: str, lookup: dict[str, Obj], path: str, what: str) -> Obj:
    value = item.get(name)
    if not isinstance(value, str):
        raise invalid(f"{path}.{name}", f"{name} is required", "is_required")
    found = lookup.get(value)
    if found is None:
        raise invalid(f"{path}.{name}", f"referenced {what} not found in scope")
    return found


def _field_info(state: EmulatorState, field: Obj) -> Obj:
    options = [o for o in state.custom_field_options.values() if o["custom_field_id"] == field["id"]]
    return {
        "id": field["id"],
        "name": field["name"],
        "description": field["description"],
        "field_type": field["field_type"],
        "options": sorted(options, key=lambda o: (o["sort_key"], o["id"])),
    }


def _value(state: EmulatorState, field: Obj, value: Obj, path: str) -> Obj:
    kinds = [k for k in VALUE_KINDS if value.get(k) is not None]
    if len(kinds) != 1:
        raise invalid(path, f"set exactly one of {', '.join(VALUE_KINDS)}")
    kind, raw = kinds[0], value[kinds[0]]
    wanted = KIND_OF_TYPE.get(field["field_type"])
    if kind != wanted:
        message = f"custom field {field['name']!r} is {field['field_type']}: its values are {wanted}"
        raise invalid(f"{path}.{kind}", message)
    if not isinstance(raw, str):
        raise invalid(f"{path}.{kind}", f"{kind} must be a string")
    if kind == "value_option_id":
        option = state.custom_field_options.get(raw)
        if option is None or option["custom_field_id"] != field["id"]:
            raise invalid(f"{path}.{kind}", f"not an option of custom field {field['name']!r}")
        return {"value_option": option}
    if kind == "value_numeric" and not _NUMBER.fullmatch(raw.strip()):
        raise invalid(f"{path}.{kind}", "value_numeric must be a number")
    return {kind: raw}


def custom_field_entries(state: EmulatorState, body: Obj, path: str = "") -> dict[str, Obj | None]:
    """The entries a payload sets, by custom field id (an entry with no values clears its field: None)."""
    out: dict[str, Obj | None] = {}
    for i, entry in enumerate(_list(body, "custom_field_entries", path)):
        where = f"{path}custom_field_entries[{i}]"
        field = _id(entry, "custom_field_id", state.custom_fields, where, "custom field")
        values = entry.get("values")
        if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
            raise invalid(f"{where}.values", "values must be an array of objects", "is_required")
        if len(values) > 1 and field["field_type"] != "multi_select":
            raise invalid(f"{where}.values", f"custom field {field['name']!r} takes one value")
        rendered = [_value(state, field, v, f"{where}.values[{n}]") for n, v in enumerate(values)]
        out[field["id"]] = {"custom_field": _field_info(state, field), "values": rendered} if rendered else None
    return out


def _matches(user: Obj, key: str, wanted: Any) -> bool:
    if key == "email":  # addresses compare without case, as users[email] filters do
        return isinstance(wanted, str) and str(user.get("email", "")).lower() == wanted.lower()
    return bool(user.get(key) == wanted)


def _user(state: EmulatorState, assignee: Any, path: str) -> Obj:
    """The UserV2 an assignee reference names; every key given must name the same one user."""
    keys = [k for k in ("id", "email", "slack_user_id") if isinstance(assignee, dict) and k in assignee]
    if not keys:
        raise invalid(path, "assignee must name a user by id, email or slack_user_id")
    chosen: Obj | None = None
    for key in keys:
        found = next((u for u in state.users.values() if _matches(u, key, assignee[key])), None)
        if found is None:
            raise invalid(f"{path}.{key}", "referenced user not found in scope")
        if chosen is not None and found["id"] != chosen["id"]:
            raise invalid(path, "assignee names two different users")
        chosen = found
    assert chosen is not None
    out = {"id": chosen["id"], "name": chosen["name"], "role": chosen.get("role", "responder")}
    for key in ("email", "slack_user_id"):
        if chosen.get(key):
            out[key] = chosen[key]
    return out


def role_assignments(state: EmulatorState, body: Obj, path: str = "") -> dict[str, Obj | None]:
    """The assignments a payload sets, by role id (no assignee unassigns the role: None)."""
    out: dict[str, Obj | None] = {}
    for i, item in enumerate(_list(body, "incident_role_assignments", path)):
        where = f"{path}incident_role_assignments[{i}]"
        role = _id(item, "incident_role_id", state.incident_roles, where, "incident role")
        embedded = {k: role[k] for k in ("id", "name", "description", "instructions", "role_type", "shortform")}
        embedded |= {"created_at": role["created_at"], "updated_at": role["updated_at"]}
        assignee = item.get("assignee")
        out[role["id"]] = (
            None if assignee is None else {"role": embedded, "assignee": _user(state, assignee, f"{where}.assignee")}
        )
    return out


def timestamp_values(state: EmulatorState, body: Obj, path: str = "") -> dict[str, Obj | None]:
    """The timestamp values a payload sets, by timestamp id (no value clears it: None)."""
    out: dict[str, Obj | None] = {}
    for i, item in enumerate(_list(body, "incident_timestamp_values", path)):
        where = f"{path}incident_timestamp_values[{i}]"
        stamp = _id(item, "incident_timestamp_id", state.incident_timestamps, where, "incident timestamp")
        value = item.get("value")
        if value is None:
            out[stamp["id"]] = None
            continue
        if not isinstance(value, str) or parse_time(value) is None:
            raise invalid(f"{where}.value", "value must be an RFC 3339 date-time")
        info = {"id": stamp["id"], "name": stamp["name"], "rank": stamp["rank"]}
        out[stamp["id"]] = {"incident_timestamp": info, "value": {"value": value}}
    return out


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 date-time (a zone is required), or None."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and "T" in text.upper() else None


def merge(current: list[Obj], changes: dict[str, Obj | None], key: Any) -> list[Obj]:
    """`current` (a list of echoed entries) with the entries in `changes` (by id; None removes) replaced or added."""
    out = [entry for entry in current if key(entry) not in changes]
    out += [entry for entry in changes.values() if entry is not None]
    return out


def entry_field(entry: Obj) -> str:
    return str(entry["custom_field"]["id"])


def assignment_role(entry: Obj) -> str:
    return str(entry["role"]["id"])


def timestamp_id(entry: Obj) -> str:
    return str(entry["incident_timestamp"]["id"])


SECTIONS = (
    ("custom_field_entries", custom_field_entries, entry_field),
    ("incident_role_assignments", role_assignments, assignment_role),
    ("incident_timestamp_values", timestamp_values, timestamp_id),
)


def apply_sections(state: EmulatorState, incident: Obj, body: Obj, path: str = "") -> None:
    """Set the custom field entries, role assignments and timestamp values `body` carries on `incident`."""
    for name, read, key in SECTIONS:
        if body.get(name) is not None:
            incident[name] = merge(incident.get(name, []), read(state, body, path), key)
