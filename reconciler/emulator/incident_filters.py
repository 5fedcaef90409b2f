"""The filters of `GET /v2/incidents`, as the spec documents them (deepObject query parameters), applied.

    status[one_of|not_in]=<status id>            status_category[one_of|not_in]=triage|live|learning|...
    severity[one_of|not_in|gte|lte]=<severity id> (gte/lte compare ranks with the named severity's)
    incident_type[one_of|not_in]=<type id>       mode[one_of]=standard|retrospective|test|tutorial
    created_at / updated_at[gte|lte|date_range]=2024-05-01 | 2024-05-01T10:00:00Z | 2024-12-02~2024-12-08
    custom_field[<field id>][one_of|not_in]=<option id, or the text/link/number itself> ; [is_blank|is_set]=true|false
    incident_role[<role id>][one_of]=<user id> ; [is_blank|is_set]=true|false
    filter_mode=all|any (how the filters combine; mode always applies)
    sort_by=created_at_newest_first|created_at_oldest_first

Dates: a bare date is that day's midnight UTC, as the spec's text reads ("created_at[lte]=2021-01-02" finds those
created "before or on 2021-01-02T00:00:00Z"); in a date_range the second date covers its whole day. The spec's
example text for incident roles says `is_set=true` finds incidents where the role is unset; the emulator takes
`is_set` at its word (true: assigned) and documents `is_blank` as the other way to ask. An unknown operator, a
custom field or role the organisation does not have, or a value that is not a date is a 422 naming the parameter;
parameters that are not filters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.emulator.errors import WireError
from reconciler.emulator.incident_fields import parse_time
from reconciler.emulator.state import EmulatorState

Obj = dict[str, Any]
Test = Callable[[Obj], bool]
MODES = ("standard", "retrospective", "test", "tutorial")
DEFAULT_MODES = ("standard", "retrospective")
SORTS = ("created_at_newest_first", "created_at_oldest_first")
_KEY = re.compile(r"^(?P<name>[a-z_]+)\[(?P<first>[^\]]+)\](?:\[(?P<second>[^\]]+)\])?$")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PICK: dict[str, Callable[[Obj], Any]] = {
    "status": lambda i: i["incident_status"]["id"],
    "status_category": lambda i: i["incident_status"]["category"],
    "severity": lambda i: (i.get("severity") or {}).get("id"),
    "incident_type": lambda i: (i.get("incident_type") or {}).get("id"),
}
_OPERATORS = {
    "status": ("one_of", "not_in"),
    "status_category": ("one_of", "not_in"),
    "severity": ("one_of", "not_in", "gte", "lte"),
    "incident_type": ("one_of", "not_in"),
    "created_at": ("gte", "lte", "date_range"),
    "updated_at": ("gte", "lte", "date_range"),
    "custom_field": ("one_of", "not_in", "is_blank", "is_set"),
    "incident_role": ("one_of", "is_blank", "is_set"),
}


def _invalid(key: str, message: str) -> WireError:
    return WireError.one(422, "invalid_value", message, key)


def _bound(key: str, text: str, *, end_of_day: bool = False) -> datetime:
    if _DATE.fullmatch(text):
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return day + timedelta(days=1) - timedelta(microseconds=1) if end_of_day else day
    parsed = parse_time(text)
    if parsed is None:
        raise _invalid(key, f"{key} takes a date (2024-05-01) or an RFC 3339 date-time, got {text!r}")
    return parsed


def _time_test(key: str, name: str, op: str, values: list[str]) -> Test:
    if op == "date_range":
        ranges = []
        for value in values:
            low, sep, high = value.partition("~")
            if not sep:
                raise _invalid(key, f"{key} takes two dates joined by ~, got {value!r}")
            ranges.append((_bound(key, low), _bound(key, high, end_of_day=True)))
        return lambda i: all(low <= _time(i, name) <= high for low, high in ranges)
    bounds = [_bound(key, v) for v in values]
    if op == "gte":
        return lambda i: all(_time(i, name) >= b for b in bounds)
    return lambda i: all(_time(i, name) <= b for b in bounds)


def _time(incident: Obj, name: str) -> datetime:
    parsed = parse_time(incident[name])
    assert parsed is not None  # the emulator writes these
    return parsed


def _flag(key: str, values: list[str]) -> bool:
    if any(v not in ("true", "false") for v in values) or not values:
        raise _invalid(key, f"{key} takes true or false")
    return values[-1] == "true"


def _field_values(incident: Obj, field_id: str) -> set[str]:
    for entry in incident.get("custom_field_entries", []):
        if entry["custom_field"]["id"] == field_id:
            out = set()
            for value in entry["values"]:
                option = value.get("value_option")
                out.add(option["id"] if option else next(iter(value.values())))
            return out
    return set()


def _assignee(incident: Obj, role_id: str) -> str | None:
    for entry in incident.get("incident_role_assignments", []):
        if entry["role"]["id"] == role_id and entry.get("assignee"):
            return str(entry["assignee"]["id"])
    return None


def _nested_test(state: EmulatorState, key: str, name: str, ident: str, op: str, values: list[str]) -> Test:
    wanted = set(values)
    if name == "custom_field":
        if ident not in state.custom_fields:
            raise _invalid(key, f"custom field {ident} not found in scope")
        have: Callable[[Obj], set[str]] = lambda i: _field_values(i, ident)  # noqa: E731
    else:
        if ident not in state.incident_roles:
            raise _invalid(key, f"incident role {ident} not found in scope")
        have = lambda i: {a} if (a := _assignee(i, ident)) else set()  # noqa: E731
    if op == "one_of":
        return lambda i: bool(have(i) & wanted)
    if op == "not_in":
        return lambda i: not have(i) & wanted
    blank = _flag(key, values) == (op == "is_blank")
    return lambda i: (not have(i)) == blank


def _test(state: EmulatorState, key: str, values: list[str]) -> Test | None:
    """One query parameter as a test on an incident; None when it is not a filter."""
    match = _KEY.match(key)
    if match is None or match["name"] not in _OPERATORS:  # mode[one_of] is applied apart, on every list
        return None
    name, nested = match["name"], match["name"] in ("custom_field", "incident_role")
    op = match["second"] if nested else match["first"]
    if op not in _OPERATORS[name] or (match["second"] is not None) != nested:
        raise _invalid(key, f"unsupported filter {key} (operators: {', '.join(_OPERATORS[name])})")
    if nested:
        return _nested_test(state, key, name, match["first"], op, values)
    if name in ("created_at", "updated_at"):
        return _time_test(key, name, op, values)
    pick, wanted = _PICK[name], set(values)
    if op == "one_of":
        return lambda i: pick(i) in wanted
    if op == "not_in":
        return lambda i: pick(i) not in wanted
    ranks = []  # severity[gte|lte]: compare ranks with the named severity's
    for value in values:
        if value not in state.severities:
            raise _invalid(key, "referenced resource not found in scope")
        ranks.append(int(state.severities[value]["rank"]))
    sign = 1 if op == "gte" else -1
    return lambda i: i.get("severity") is not None and all(sign * (int(i["severity"]["rank"]) - r) >= 0 for r in ranks)


def select(state: EmulatorState, params: Any, incidents: list[Obj]) -> list[Obj]:
    """The incidents (given oldest first) the query selects, in the order it asks for."""
    tests = [t for k in dict.fromkeys(params) if (t := _test(state, k, params.getlist(k))) is not None]
    modes = set(params.getlist("mode[one_of]")) or set(DEFAULT_MODES)
    if not modes <= set(MODES):
        raise _invalid("mode[one_of]", f"mode[one_of] takes {', '.join(MODES)}")
    mode = params.get("filter_mode", "all")
    if mode not in ("all", "any"):
        raise _invalid("filter_mode", "filter_mode must be all or any")
    sort = params.get("sort_by", SORTS[0])
    if sort not in SORTS:
        raise _invalid("sort_by", f"sort_by must be {' or '.join(SORTS)}")
    combine = any if mode == "any" else all
    ordered = incidents if sort == "created_at_oldest_first" else incidents[::-1]
    return [i for i in ordered if i["mode"] in modes and (not tests or combine(t(i) for t in tests))]
