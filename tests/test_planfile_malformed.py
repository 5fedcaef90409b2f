"""Malformed plan files: each refused before anything else happens, with one exact line and never a traceback.

Every case is a whole file as bytes. Where a case needs a valid seal over nonsense, `reseal` recomputes it (and the
review fingerprint) as a forger would; the reader must still refuse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import ConfigError, ReconcilerError, UnsafePlan
from reconciler.planfile import MAX_PLAN_BYTES, load_plan, read_plan_file
from reconciler.planfile.decode import MAX_BRACKETS
from tests.test_planfile import document, reseal, text

Case = tuple[str, Callable[[], bytes], type[ReconcilerError], str]
CHANGED = "01JQ3ZROUTECHANGED0000001"


def raw(data: bytes | str) -> Callable[[], bytes]:
    return lambda: data if isinstance(data, bytes) else data.encode("utf-8")


def edited(edit: Callable[[dict[str, Any]], Any], *, seal: bool = False, review: bool = True) -> Callable[[], bytes]:
    """The sample plan file with `edit` applied; resealed (a valid checksum over the edit) when `seal`."""

    def build() -> bytes:
        doc = document()
        edit(doc)
        if seal:
            reseal(doc, review=review)
        return text(doc).encode("utf-8")

    return build


def sealed(edit: Callable[[dict[str, Any]], Any], *, review: bool = True) -> Callable[[], bytes]:
    return edited(edit, seal=True, review=review)


def setter(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def remover(*path: str | int) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return edit


def _swap_first_and_last(doc: dict[str, Any]) -> None:
    doc["changes"][0], doc["changes"][-1] = doc["changes"][-1], doc["changes"][0]


def _two_creates(doc: dict[str, Any]) -> None:
    twin = json.loads(json.dumps(doc["changes"][0]))
    twin["name"] = twin["desired"]["name"] = " new ROUTE"
    doc["changes"].insert(1, twin)
    doc["counts"]["create"] = 2
    doc["summary"] = "2 to create, 1 to update, 2 to delete"


def _lone_surrogate() -> bytes:
    doc = document()
    doc["changes"][0]["name"] = "\ud800"
    return json.dumps(doc, ensure_ascii=True).encode("ascii")  # JSON can spell it; UTF-8 cannot hold it


def _nested(depth: int) -> Callable[[], bytes]:
    return raw('{"format_version": 3, "x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}")


V = "is not one this reconciler reads (it reads 3); run reconciler plan again"
EXTRA = "a plan file has no such field"
AGAIN = "; run reconciler plan again"
DEEP = "plan.json: nested more than 64 levels deep: not a plan file"
CASES: list[Case] = [
    # --- not a JSON document this reader takes --------------------------------------------------------------------
    ("too-big", lambda: b"{" + b" " * MAX_PLAN_BYTES, ConfigError, "plan.json: larger than 64 MiB: not a plan file"),
    (
        "too-many-brackets",
        lambda: b"[" * (MAX_BRACKETS + 1),
        ConfigError,
        "plan.json: more than 4,194,304 '[' and '{': not a plan file",
    ),
    ("empty", raw(b""), ConfigError, "plan.json: the file is empty: not a plan file"),
    ("blank", raw(b" \n\t"), ConfigError, "plan.json: the file is empty: not a plan file"),
    (
        "not-utf8",
        raw(b'{"format_version": 3, "name": "\xff"}'),
        ConfigError,
        "plan.json: not UTF-8 text (byte 0xff at offset 31): not a plan file",
    ),
    (
        "utf16",
        raw('{"format_version": 3}'.encode("utf-16")),
        ConfigError,
        "plan.json: not UTF-8 text (byte 0xff at offset 0): not a plan file",
    ),
    (
        "byte-order-mark",
        lambda: b"\xef\xbb\xbf" + text(document()).encode("utf-8"),
        ConfigError,
        "plan.json:1:1: not JSON: Unexpected UTF-8 BOM (decode using utf-8-sig)",
    ),
    ("not-json", raw("not json"), ConfigError, "plan.json:1:1: not JSON: Expecting value"),
    ("truncated", raw('{"format_version": 3, "changes": ['), ConfigError, "plan.json:1:35: not JSON: Expecting value"),
    ("trailing-data", raw('{"format_version": 3} {}'), ConfigError, "plan.json:1:23: not JSON: Extra data"),
    ("a-list", raw("[]"), ConfigError, "plan.json: not a plan file: expected a JSON object, got a list"),
    ("a-string", raw('"plan"'), ConfigError, "plan.json: not a plan file: expected a JSON object, got 'plan'"),
    ("null", raw("null"), ConfigError, "plan.json: not a plan file: expected a JSON object, got null"),
    ("a-number", raw("2"), ConfigError, "plan.json: not a plan file: expected a JSON object, got 2"),
    (
        "deep-lists",
        raw("[" * 100_000 + "]" * 100_000),
        ConfigError,
        DEEP,
    ),
    ("deep-objects", raw('{"a":' * 1000 + "1" + "}" * 1000), ConfigError, DEEP),
    ("deep-unclosed", raw("[" * 100_000), ConfigError, DEEP),
    ("depth-65", _nested(65), ConfigError, DEEP),
    (
        "duplicate-key",
        raw('{"format_version": 3, "format_version": 3}'),
        ConfigError,
        'plan.json: the key "format_version" appears twice in one object: not a plan file',
    ),
    ("nan", raw('{"in_sync": NaN}'), ConfigError, "plan.json: NaN is not a JSON number: not a plan file"),
    (
        "infinity",
        raw('{"in_sync": -Infinity}'),
        ConfigError,
        "plan.json: -Infinity is not a JSON number: not a plan file",
    ),
    ("1e999", raw('{"in_sync": 1e999}'), ConfigError, "plan.json: the number 1e999 is out of range: not a plan file"),
    (
        "5000-digits",
        raw('{"in_sync": ' + "9" * 5000 + "}"),
        ConfigError,
        "plan.json: the number 999999999999999999999999… (5000 characters) has more than 64 digits: not a plan file",
    ),
    (
        "lone-surrogate",
        _lone_surrogate,
        ConfigError,
        "plan.json: a string holds a lone UTF-16 surrogate (\\ud800-\\udfff): not text",
    ),
    # --- format_version -------------------------------------------------------------------------------------------
    ("no-format-version", raw("{}"), ConfigError, "plan.json: not a plan file: no format_version"),
    (
        "format-version-true",
        edited(setter("format_version", value=True)),
        ConfigError,
        f"plan.json: format_version true {V}",
    ),
    ("format-version-1", edited(setter("format_version", value=1)), ConfigError, f"plan.json: format_version 1 {V}"),
    ("format-version-2", edited(setter("format_version", value=2)), ConfigError, f"plan.json: format_version 2 {V}"),
    ("format-version-4", edited(setter("format_version", value=4)), ConfigError, f"plan.json: format_version 4 {V}"),
    (
        "format-version-str",
        edited(setter("format_version", value="3")),
        ConfigError,
        f"plan.json: format_version '3' {V}",
    ),
    (
        "format-version-3.0",
        edited(setter("format_version", value=3.0)),
        ConfigError,
        f"plan.json: format_version 3.0 {V}",
    ),
    # --- the schema: missing and extra keys, wrong types ----------------------------------------------------------
    (
        "missing-created-at",
        edited(remover("created_at")),
        ConfigError,
        "plan.json: $: missing required field 'created_at'",
    ),
    (
        "missing-change-key",
        edited(remover("changes", 1, "live_version")),
        ConfigError,
        "plan.json: $.changes[1]: missing required field 'live_version'",
    ),
    (
        "extra-top-level-key",
        edited(setter("extra", value=1)),
        ConfigError,
        f"plan.json: $.extra: unknown field 'extra': {EXTRA}",
    ),
    (
        "extra-change-key",
        edited(setter("changes", 0, "note", value="x")),
        ConfigError,
        f"plan.json: $.changes[0].note: unknown field 'note': {EXTRA}",
    ),
    (
        "extra-route-key",
        edited(setter("changes", 0, "desired", "colour", value="red")),
        ConfigError,
        f"plan.json: $.changes[0].desired.colour: unknown field 'colour': {EXTRA}",
    ),
    (
        "extra-field-key",
        edited(setter("changes", 1, "fields", 0, "why", value="x")),
        ConfigError,
        f"plan.json: $.changes[1].fields[0].why: unknown field 'why': {EXTRA}",
    ),
    (
        "in-sync-string",
        edited(setter("in_sync", value="3")),
        ConfigError,
        "plan.json: $.in_sync: expected an integer ≥ 0, got '3'",
    ),
    (
        "live-version-float",
        edited(setter("changes", 1, "live_version", value=4.0)),
        ConfigError,
        "plan.json: $.changes[1].live_version: expected an integer ≥ 1 or null, got 4.0",
    ),
    (
        "live-version-zero",
        edited(setter("changes", 1, "live_version", value=0)),
        ConfigError,
        "plan.json: $.changes[1].live_version: expected an integer ≥ 1, got 0",
    ),
    (
        "live-version-true",
        edited(setter("changes", 1, "live_version", value=True)),
        ConfigError,
        "plan.json: $.changes[1].live_version: expected an integer ≥ 1 or null, got true",
    ),
    (
        "unknown-action",
        edited(setter("changes", 0, "action", value="rename")),
        ConfigError,
        "plan.json: $.changes[0].action: 'rename' is not one of: create, update, delete",
    ),
    (
        "action-with-bidi-and-newline",
        edited(setter("changes", 0, "action", value="cre\u202eate\n")),
        ConfigError,
        "plan.json: $.changes[0].action: 'cre\\u202eate\\n' is not one of: create, update, delete",
    ),
    (
        "update-desired-a-list",
        sealed(setter("changes", 1, "desired", value=list(range(1000)))),
        ConfigError,
        "plan.json: $.changes[1].desired: expected an object, got a list",
    ),
    (
        "desired-a-string",
        sealed(setter("changes", 0, "desired", value="New Route")),
        ConfigError,
        "plan.json: $.changes[0].desired: expected an object, got 'New Route'",
    ),
    (
        "checksum-short",
        edited(setter("checksum", value="abc")),
        ConfigError,
        "plan.json: $.checksum: expected 64 lowercase hex digits (a SHA-256), got 'abc'",
    ),
    (
        "checksum-uppercase",
        edited(setter("checksum", value="A" * 64)),
        ConfigError,
        f"plan.json: $.checksum: expected 64 lowercase hex digits (a SHA-256), got '{'A' * 60}…'",
    ),
    (
        "api-url-blank",
        sealed(setter("api_url", value="")),
        ConfigError,
        "plan.json: $.api_url: expected the API as scheme://host[:port], got ''",
    ),
    (
        "api-url-with-path",
        sealed(setter("api_url", value="https://api.incident.io/v2")),
        ConfigError,
        "plan.json: $.api_url: expected the API as scheme://host[:port], got 'https://api.incident.io/v2'",
    ),
    (
        "created-at-word",
        sealed(setter("created_at", value="yesterday")),
        ConfigError,
        "plan.json: $.created_at: expected a UTC time like 2026-01-01T00:00:00Z, got 'yesterday'",
    ),
    (
        "share-over-one",
        sealed(setter("limits", "max_update_share", value=1.5)),
        ConfigError,
        "plan.json: $.limits.max_update_share: expected a number from 0 to 1, got 1.5",
    ),
    (
        "warnings-not-a-list",
        sealed(setter("warnings", value="none")),
        ConfigError,
        "plan.json: $.warnings: expected a list, got 'none'",
    ),
    (
        "snapshot-version-zero",
        sealed(setter("snapshot", CHANGED, value=0)),
        ConfigError,
        f'plan.json: $.snapshot["{CHANGED}"]: expected an integer ≥ 1, got 0',
    ),
    (
        "snapshot-blank-id",
        sealed(setter("snapshot", "", value=1)),
        ConfigError,
        "plan.json: $.snapshot: '' is not a route id",
    ),
    # --- a valid seal over nonsense -------------------------------------------------------------------------------
    (
        "delete-without-version",
        sealed(setter("changes", 2, "live_version", value=None)),
        ConfigError,
        "plan.json: $.changes[2].live_version: expected an integer ≥ 1, got null",
    ),
    (
        "update-without-route-id",
        sealed(setter("changes", 1, "route_id", value=None)),
        ConfigError,
        "plan.json: $.changes[1].route_id: expected a string, got null",
    ),
    (
        "create-with-version",
        sealed(setter("changes", 0, "live_version", value=3)),
        ConfigError,
        "plan.json: $.changes[0].live_version: must be null for a create, got 3",
    ),
    (
        "create-with-route-id",
        sealed(setter("changes", 0, "route_id", value=CHANGED)),
        ConfigError,
        f"plan.json: $.changes[0].route_id: must be null for a create, got '{CHANGED}'",
    ),
    (
        "update-without-fields",
        sealed(setter("changes", 1, "fields", value=[])),
        ConfigError,
        "plan.json: $.changes[1].fields: must not be empty for an update",
    ),
    (
        "desired-not-a-route",
        sealed(setter("changes", 0, "desired", value={"name": "New Route"})),
        ConfigError,
        "plan.json: $.changes[0].desired: missing required field 'enabled'",
    ),
    # --- a valid seal over a route the reader cannot rebuild (the schema checks a route's top level only) ----------
    (
        "route-field-of-another-type",
        sealed(setter("changes", 0, "desired", "grouping", "enabled", value="yes")),
        ConfigError,
        "plan.json: $.changes[0].desired: not a route: expected bool, got 'yes'",
    ),
    (
        "route-nested-unknown-field",
        sealed(setter("changes", 1, "live", "escalation", "colour", value="red")),
        ConfigError,
        "plan.json: $.changes[1].live: not a route: unknown field 'colour' in Escalation",
    ),
    (
        "route-nested-part-missing",
        sealed(setter("changes", 0, "desired", "sources", value=[{"groups": []}])),
        ConfigError,
        "plan.json: $.changes[0].desired: not a route: missing field 'alert_source_id' in Source",
    ),
    (
        "route-expression-without-label",
        sealed(setter("changes", 2, "live", "expressions", value=[{"reference": "a", "root_reference": "b"}])),
        ConfigError,
        "plan.json: $.changes[2].live: not a route: missing field 'label' in Expression",
    ),
    (
        "route-list-where-a-word-goes",
        sealed(setter("changes", 0, "desired", "grouping", "window_type", value=list(range(1000)))),
        ConfigError,
        "plan.json: $.changes[0].desired: not a route: expected str, got a list",
    ),
    (
        "route-group-not-a-list",
        sealed(setter("changes", 1, "desired", "groups", value=[{"conditions": []}])),
        ConfigError,
        "plan.json: $.changes[1].desired.groups[0]: expected a list, got an object",
    ),
    (
        "route-nested-groups-not-a-list",
        sealed(setter("changes", 1, "desired", "sources", value=[{"alert_source_id": "x", "groups": {"a": 1}}])),
        ConfigError,
        "plan.json: $.changes[1].desired: not a route: expected a list, got an object",
    ),
    (
        "route-int-as-float",
        sealed(setter("changes", 0, "desired", "grouping", "window_seconds", value=60.0)),
        ConfigError,
        "plan.json: $.changes[0].desired: not a route: expected int, got 60.0",
    ),
    (
        "api-url-uppercase",
        sealed(setter("api_url", value="https://API.incident.io")),
        UnsafePlan,
        f"plan.json: $.api_url: 'https://API.incident.io' is not an API URL as scheme://host[:port]{AGAIN}",
    ),
    (
        "api-url-bad-port",
        sealed(setter("api_url", value="https://api.incident.io:99999")),
        UnsafePlan,
        f"plan.json: $.api_url: 'https://api.incident.io:99999' is not an API URL as scheme://host[:port]{AGAIN}",
    ),
    (
        "created-at-month-13",
        sealed(setter("created_at", value="2026-13-45T00:00:00Z")),
        UnsafePlan,
        f"plan.json: $.created_at: '2026-13-45T00:00:00Z' is not a real time{AGAIN}",
    ),
    (
        "counts",
        sealed(setter("counts", "create", value=2)),
        UnsafePlan,
        f"plan.json: $.counts.create: says 2, but the plan has 1 create{AGAIN}",
    ),
    (
        "summary",
        sealed(setter("summary", value="0 to create, 0 to update, 0 to delete")),
        UnsafePlan,
        "plan.json: $.summary: says '0 to create, 0 to update, 0 to delete', "
        f"but the changes make '1 to create, 1 to update, 2 to delete'{AGAIN}",
    ),
    (
        "refused-false",
        sealed(setter("refused", value=False)),
        UnsafePlan,
        f"plan.json: $.refused: says false, but the plan has refusals{AGAIN}",
    ),
    (
        "review",
        sealed(setter("review", value="0" * 64), review=False),
        UnsafePlan,
        f"plan.json: $.review: is not the review fingerprint of the changes{AGAIN}",
    ),
    (
        "review-of-other-changes",
        sealed(setter("changes", 1, "live_version", value=5), review=False),
        UnsafePlan,
        f"plan.json: $.review: is not the review fingerprint of the changes{AGAIN}",
    ),
    (
        "out-of-apply-order",
        sealed(_swap_first_and_last),
        UnsafePlan,
        f"plan.json: $.changes[1]: an update after a delete: changes must be in apply order{AGAIN}",
    ),
    (
        "one-route-changed-twice",
        sealed(setter("changes", 2, "route_id", value=CHANGED)),
        UnsafePlan,
        f"plan.json: $.changes[2].route_id: '{CHANGED}' is also changed by $.changes[1]{AGAIN}",
    ),
    (
        "twin-creates",
        sealed(_two_creates),
        UnsafePlan,
        f"plan.json: $.changes[1].name: ' new ROUTE' is also created by $.changes[0]{AGAIN}",
    ),
    (
        "route-of-another-change",
        sealed(setter("changes", 1, "desired", "name", value="Other Route")),
        UnsafePlan,
        f"plan.json: $.changes[1].desired.name: 'Other Route' is not the change's name 'Changed Route'{AGAIN}",
    ),
    (
        "touched-route-not-in-snapshot",
        sealed(remover("snapshot", CHANGED)),
        UnsafePlan,
        f"plan.json: $.changes[1].route_id: '{CHANGED}' is not in the snapshot of the routes the plan read{AGAIN}",
    ),
    (
        "snapshot-disagrees",
        sealed(setter("snapshot", CHANGED, value=5)),
        UnsafePlan,
        f"plan.json: $.changes[1].live_version: 4, but the snapshot has version 5{AGAIN}",
    ),
    (
        "unmanaged-and-changed",
        sealed(setter("unmanaged", 0, "route_id", value=CHANGED)),
        UnsafePlan,
        f"plan.json: $.unmanaged[0].route_id: '{CHANGED}' is unmanaged and also changed{AGAIN}",
    ),
    (
        "warning-not-a-problem-line",
        sealed(setter("warnings", value=["just some text"])),
        UnsafePlan,
        f"plan.json: $.warnings[0]: 'just some text' is not a warning line (file: $.path: message){AGAIN}",
    ),
    (
        "unmanaged-version",
        sealed(setter("unmanaged", 0, "version", value=9)),
        UnsafePlan,
        f"plan.json: $.unmanaged[0].version: 9, but the snapshot has 3{AGAIN}",
    ),
]


def _modified(stored: str, actual: str) -> str:
    return (
        f"plan.json: the plan was modified after it was written (its checksum is {stored[:12]}…, its content's "
        f"{actual[:12]}…); run reconciler plan again"
    )


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
    assert len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(("build", "error", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_a_malformed_plan_file_is_refused_with_one_exact_line(
    build: Callable[[], bytes], error: type[ReconcilerError], message: str
) -> None:
    data = build()
    with pytest.raises(ReconcilerError) as caught:
        load_plan(data, source="plan.json")
    assert (type(caught.value), str(caught.value)) == (error, message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "edit",
    [
        setter("changes", 0, "desired_doc", "name", value="Harmless looking route"),
        setter("changes", 1, "source", value="routes/elsewhere.yaml"),
        setter("changes", 3, "protected", value=False),
        setter("changes", 3, "refused", value=""),
        setter("refusals", value=[]),
        setter("api_url", value="http://127.0.0.1:8080"),
        setter("created_at", value="2030-01-01T00:00:00Z"),
        setter("in_sync", value=0),
        setter("live_count", value=1),
        setter("warnings", value=[]),
        remover("changes", 3),
    ],
)
def test_a_modified_plan_is_refused_naming_both_digests(edit: Callable[[dict[str, Any]], None]) -> None:
    doc = document()
    edit(doc)
    with pytest.raises(UnsafePlan) as caught:
        load_plan(text(doc))
    from reconciler.planfile import plan_checksum

    assert str(caught.value) == _modified(doc["checksum"], plan_checksum(doc))


def test_the_depth_limit_is_exactly_sixty_four_levels() -> None:
    # 64 levels pass the decoder (and fail later, as a file without the plan's keys); 65 do not.
    with pytest.raises(ConfigError, match=r"\$\.x: unknown field 'x'"):
        load_plan(_nested(64)())
    with pytest.raises(ConfigError, match="nested more than 64 levels deep"):
        load_plan(_nested(65)())


def test_text_with_invalid_characters_is_not_utf8() -> None:
    undecodable = b'{"a": "\xff"}'.decode("utf-8", "surrogateescape")
    with pytest.raises(ConfigError) as caught:
        load_plan(undecodable)
    assert str(caught.value) == "plan.json: not UTF-8 text (at character 7): not a plan file"


def test_reading_from_disk_reads_no_more_than_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(text(document()).encode("utf-8"))
    assert read_plan_file(path).plan.summary == "1 to create, 1 to update, 2 to delete"
    read: list[int] = []
    real_open = Path.open

    def spying_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        stream = real_open(self, *args, **kwargs)
        real_read = stream.read

        def read_at_most(size: int = -1) -> bytes:
            read.append(size)
            return real_read(size)

        stream.read = read_at_most
        return stream

    big = tmp_path / "big.json"
    with big.open("wb") as out:
        out.truncate(MAX_PLAN_BYTES + 1000)  # sparse: a file past the cap without writing it
    monkeypatch.setattr(Path, "open", spying_open)
    with pytest.raises(ConfigError, match="larger than 64 MiB"):
        read_plan_file(big)
    assert read == [MAX_PLAN_BYTES + 1]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.json", "cannot read the plan file: No such file or directory"),
        (lambda p: p, "cannot read the plan file: Is a directory"),
    ],
)
def test_an_unreadable_plan_file_is_one_line(tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        read_plan_file(path, source="plan.json")
    assert str(caught.value) == f"plan.json: {message}"


def test_the_file_name_is_shown_on_one_line_too() -> None:
    with pytest.raises(ConfigError) as caught:
        load_plan(b"", source="we\nird\u202e.json")
    assert str(caught.value) == "we\\nird\\u202e.json: the file is empty: not a plan file"
