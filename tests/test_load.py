"""reconciler.files.load / reconciler.files.safe_yaml: hostile YAML never escapes as anything but InputError, and
canonical route documents survive load → dump → load unchanged."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reconciler.errors import ConfigError, InputError, Location
from reconciler.files.load import (
    RouteDoc,
    dump_route,
    load_channel_map,
    load_channels,
    load_route_bytes,
    load_route_file,
    load_routes,
    load_schema,
)
from reconciler.files.plaintext import first_unfit
from reconciler.files.validate import validate_docs

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "schema" / "alert-route.schema.json").read_text(encoding="utf-8"))


def load(text: str | bytes) -> dict[str, Any]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_route_bytes(data, "r.yaml").data


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("yes", "yes"),
        ("No", "No"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("12:30", "12:30"),
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
        ("010", "010"),
        ("0o17", "0o17"),
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("+5", "+5"),
        (".inf", ".inf"),
        ("true", True),
        ("False", False),
        ("null", None),
        ("~", None),
        ("", None),
        ("0", 0),
        ("-42", -42),
        ("1.5", 1.5),
        ("1e5", 1e5),
        ("'true'", "true"),
        ('"12"', "12"),
        ("!!str 12", "12"),
        ("!!int 12", 12),
        ("!!float 1", 1.0),
        ("!!bool false", False),
        ("! yes", "yes"),
    ],
)
def test_scalars_follow_the_json_schema_of_yaml_1_2(written: str, value: Any) -> None:
    loaded = load(f"v: {written}\n")["v"]
    assert loaded == value
    assert type(loaded) is type(value)


def test_keys_are_always_strings() -> None:
    assert load("on: 1\n1: 2\ntrue: 3\n") == {"on": 1, "1": 2, "true": 3}


def test_positions_of_every_node_and_key() -> None:
    doc = load_route_bytes(b"name: x\nalert_sources:\n  - alert_source: A\n    conditions: []\n", "routes/x.yaml")
    assert doc.positions[()] == (1, 1)
    assert doc.positions[("name",)] == (1, 7)
    assert doc.positions[("alert_sources", 0)] == (3, 5)
    assert doc.positions[("alert_sources", 0, "conditions")] == (4, 17)
    assert doc.key_positions[("alert_sources", 0, "conditions")] == (4, 5)
    # longest known prefix for paths below the last recorded node
    assert doc.location(("alert_sources", 0, "conditions", 3, "subject")) == Location("routes/x.yaml", 4, 17)
    assert doc.key_location(("alert_sources", 0, "alert_source")) == Location("routes/x.yaml", 3, 5)
    assert doc.key_location(("nowhere",)) == Location("routes/x.yaml", 1, 1)


def test_bom_is_accepted() -> None:
    assert load(b"\xef\xbb\xbfname: x\n") == {"name": "x"}


def test_load_route_file_reads_and_names_files(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("name: A\n", encoding="utf-8")
    assert load_route_file(path, display="routes/a.yaml") == RouteDoc(
        "routes/a.yaml", {"name": "A"}, {(): (1, 1), ("name",): (1, 7)}, {("name",): (1, 1)}
    )
    with pytest.raises(InputError) as caught:
        load_route_file(tmp_path / "missing.yaml", display="routes/missing.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "routes/missing.yaml: $: cannot read file: No such file or directory"
    ]


def test_load_routes_walks_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes" / "team").mkdir(parents=True)
    (tmp_path / "routes" / ".hidden").mkdir()
    (tmp_path / "routes" / "a.yaml").write_text("name: A\n")
    (tmp_path / "routes" / "team" / "b.yml").write_text("name: B\n")
    (tmp_path / "routes" / "team" / "channels.yaml").write_text("name: C\n")  # only the root's channel map is skipped
    (tmp_path / "routes" / "channels.yaml").write_text("slack: {}\n")
    (tmp_path / "routes" / ".hidden" / "x.yaml").write_text("- not a route\n")
    (tmp_path / "routes" / ".dot.yaml").write_text("- not a route\n")
    (tmp_path / "routes" / "notes.txt").write_text("- not a route\n")
    docs = load_routes([Path("routes")])
    assert [doc.path for doc in docs] == ["routes/a.yaml", "routes/team/b.yml", "routes/team/channels.yaml"]


def test_load_routes_reports_every_file_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.yaml").write_text("name: A\nid: 01JQ3ZK8W9PRD4LERTS0000001\n")
    (tmp_path / "r" / "b.yaml").write_text("name: A\nid: 01JQ3ZK8W9PRD4LERTS0000001\n")
    (tmp_path / "r" / "c.yaml").write_text("- x\n")
    with pytest.raises(InputError) as caught:
        load_routes([Path("r"), Path("nope")])
    assert [str(p) for p in caught.value.problems] == [
        "nope: no such file or directory",
        "r/b.yaml:1:7: $.name: route name 'A' is also declared in r/a.yaml:1:7",
        "r/b.yaml:2:5: $.id: route id '01JQ3ZK8W9PRD4LERTS0000001' is also declared in r/a.yaml:2:5",
        "r/c.yaml:1:1: $: expected a mapping of route fields, got a list",
    ]


def test_load_routes_with_nothing_to_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as caught:
        load_routes([Path("empty")])
    assert [str(p) for p in caught.value.problems] == ["empty: $: no route files found"]


def test_channel_map(tmp_path: Path) -> None:
    assert load_channel_map(tmp_path) == {}
    (tmp_path / "channels.yaml").write_text('slack:\n  "#alerts": C07ALERTS01\n')
    assert load_channel_map(tmp_path) == {"#alerts": "C07ALERTS01"}
    (tmp_path / "channels.yaml").write_text('slack:\n  alerts: C07ALERTS01\n  "#ok": 12\nmsteams: {}\n')
    with pytest.raises(InputError) as caught:
        load_channel_map(tmp_path)
    shown = (tmp_path / "channels.yaml").as_posix()
    assert [str(p) for p in caught.value.problems] == [
        f"{shown}:2:3: $.slack.alerts: 'alerts' is not a Slack channel name like '#alerts'",
        f"{shown}:3:10: $.slack[\"#ok\"]: 12 is not a Slack channel id like 'C07ALERTS01'",
        f"{shown}:4:1: $.msteams: unknown field 'msteams'",
    ]
    (tmp_path / "channels.yaml").write_text("slack: [a]\n")
    with pytest.raises(InputError, match=r"\$\.slack: expected a mapping of '#name': channel id"):
        load_channel_map(tmp_path)


def test_teams_channels_are_named_in_the_channel_map_too(tmp_path: Path) -> None:
    teams = "teams:\n  Platform/alerts: '19:abc@thread.tacv2'\n"
    (tmp_path / "channels.yaml").write_text('slack:\n  "#alerts": C07ALERTS01\n' + teams)
    assert load_channels(tmp_path) == ({"#alerts": "C07ALERTS01"}, {"Platform/alerts": "19:abc@thread.tacv2"})
    assert load_channel_map(tmp_path) == {"#alerts": "C07ALERTS01"}
    (tmp_path / "channels.yaml").write_text("teams:\n  Platform/alerts: not an id\n")
    with pytest.raises(InputError) as caught:
        load_channels(tmp_path)
    shown = (tmp_path / "channels.yaml").as_posix()
    assert [str(p) for p in caught.value.problems] == [
        f"{shown}:2:20: $.teams[\"Platform/alerts\"]: 'not an id' is not a Microsoft Teams channel id like "
        "'19:abc…@thread.tacv2'"
    ]
    (tmp_path / "channels.yaml").write_text("teams: [a]\n")
    with pytest.raises(InputError, match=r"\$\.teams: expected a mapping of name: Teams channel id"):
        load_channels(tmp_path)


def test_schema_location_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    packaged = load_schema()  # the copy inside the package
    assert packaged == SCHEMA
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "alert-route.schema.json").write_text('{"type": "object"}')
    assert load_schema() == SCHEMA  # one source, whatever the working directory holds
    assert load_schema(Path("schema/alert-route.schema.json")) == {"type": "object"}  # unless --schema says so
    (tmp_path / "other.json").write_text('{"type": "nonsense"}')
    with pytest.raises(ConfigError, match=r"other.json is not a valid JSON Schema: 'nonsense' is not valid"):
        load_schema(Path("other.json"))
    with pytest.raises(ConfigError, match=r"cannot read the schema missing\.json"):
        load_schema(Path("missing.json"))


def test_the_repository_schema_is_the_packaged_one_and_valid() -> None:
    packaged = REPO / "reconciler" / "schema" / "alert-route.schema.json"
    linked = REPO / "schema" / "alert-route.schema.json"
    assert linked.is_symlink() and linked.resolve() == packaged.resolve()
    Draft202012Validator.check_schema(json.loads(packaged.read_text()))  # load_schema() trusts the shipped one


def test_dump_is_canonical() -> None:
    data = {
        "incident_template": {"severity": {"merge_strategy": "max", "value": "Critical"}, "name": "{{ alert.title }}"},
        "enabled": False,
        "name": "yes",
        "alert_sources": [
            {"conditions": [{"values": ["010", "12:30"], "operation": "one_of", "subject": "s"}], "alert_source": "A"}
        ],
    }
    assert dump_route(data) == (
        "# yaml-language-server: $schema=../schema/alert-route.schema.json\n"
        "name: 'yes'\n"
        "enabled: false\n"
        "alert_sources:\n"
        "- alert_source: A\n"
        "  conditions:\n"
        "  - subject: s\n"
        "    operation: one_of\n"
        "    values:\n"
        "    - '010'\n"
        "    - '12:30'\n"
        "incident_template:\n"
        "  name: '{{ alert.title }}'\n"
        "  severity:\n"
        "    value: Critical\n"
        "    merge_strategy: max\n"
    )


def test_shipped_routes_are_in_canonical_key_order() -> None:
    for path in sorted((REPO / "routes").glob("*.yaml")):
        if path.name == "channels.yaml":
            continue
        doc = load_route_file(path)
        assert load(dump_route(doc.data)) == doc.data


# --- properties -----------------------------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
_name = _text.filter(lambda s: s.strip() != "")
_route_name = _name.filter(lambda s: first_unfit(s) is None)  # other fields keep control characters: they round-trip
_binding_item = st.one_of(_text, st.builds(lambda r: {"reference": r}, _text))
_condition = st.fixed_dictionaries(
    {"subject": _name, "operation": _name},
    optional={"values": st.lists(_binding_item, max_size=3)},
)
_conditions = st.lists(_condition, min_size=1, max_size=3)
_alert_source = st.fixed_dictionaries({"alert_source": _name}, optional={"conditions": _conditions})
_route = st.fixed_dictionaries(
    {"name": _route_name},
    optional={
        "id": st.from_regex(r"\A[0-9A-Z]{26}\Z"),
        "enabled": st.booleans(),
        "is_private": st.booleans(),
        "protect": st.booleans(),
        "owning_teams": st.lists(_name, max_size=3, unique=True),
        "alert_sources": st.lists(_alert_source, max_size=3, unique_by=lambda source: source["alert_source"]),
        "condition_groups": st.lists(st.fixed_dictionaries({"conditions": _conditions}), max_size=2),
        "escalation_config": st.fixed_dictionaries(
            {"auto_cancel_escalations": st.booleans()},
            optional={"escalation_targets": st.lists(st.fixed_dictionaries({"users": st.lists(_name, max_size=2)}))},
        ),
        "channel_config": st.lists(
            st.fixed_dictionaries(
                {"slack_targets": st.fixed_dictionaries({"channels": st.lists(_name, min_size=1, max_size=2)})},
                optional={"conditions": _conditions},
            ),
            max_size=2,
        ),
        "incident_config": st.fixed_dictionaries(
            {"enabled": st.booleans()},
            optional={
                "grouping_keys": st.lists(_name, unique=True, max_size=2),
                "grouping_window_seconds": st.one_of(st.just(0), st.integers(60, 172_800)),
                "defer_time_seconds": st.integers(0, 2**31 - 1),
            },
        ),
        "incident_template": st.fixed_dictionaries(
            {},
            optional={
                "severity": st.fixed_dictionaries(
                    {"merge_strategy": st.sampled_from(["first-wins", "max"])}, optional={"value": _name}
                ),
                "incident_mode": st.sampled_from(["standard", "retrospective", "test", "tutorial"]),
                "start_in_triage": st.booleans(),
                "workspace": _name,
            },
        ),
    },
).map(lambda route: _follow_the_rules(route))


def _follow_the_rules(route: dict[str, Any]) -> dict[str, Any]:
    """The v3 rules validate enforces (files/rules.py): grouping settings only with a window, templates only with
    incidents on."""
    config = route.get("incident_config")
    if isinstance(config, dict) and not config.get("grouping_window_seconds"):
        config.pop("grouping_keys", None)
        config.pop("defer_time_seconds", None)
    if "incident_template" in route:
        route["incident_config"] = {**(config or {}), "enabled": True}
    return route


@pytest.mark.untraced
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_route)
def test_canonical_documents_round_trip(route: dict[str, Any]) -> None:
    assert validate_docs([RouteDoc("r.yaml", route)], SCHEMA) == []
    text = dump_route(route)
    assert text.startswith("# yaml-language-server: $schema=")
    loaded = load(text)
    assert loaded == route
    assert dump_route(loaded) == text


_yamlish = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            ":",
            ": ",
            " ",
            "  ",
            "\n",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&x ",
            "*x",
            "!!str ",
            "!t ",
            "'",
            '"',
            "#",
            "? ",
            "|",
            ">",
            "yes",
            "1",
            "\t",
            "---\n",
            "...\n",
            "%YAML 1.2\n",
            "\\",
            "é",
            "\x00",
            "\ufeff",
            "name",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=300), _yamlish.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_any_bytes_load_or_raise_input_error(data: bytes) -> None:
    try:
        doc = load_route_bytes(data, "fuzz.yaml")
    except InputError as exc:
        assert exc.problems
        assert all(p.location.file == "fuzz.yaml" for p in exc.problems)
    else:
        assert isinstance(doc.data, dict)
        validate_docs([doc], SCHEMA)  # never raises either


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_raises_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        load_route_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.yaml")


def test_size_cap_reads_no_further(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024)
    with pytest.raises(InputError) as caught:
        load_route_file(path, display="big.yaml")
    assert [str(p) for p in caught.value.problems] == ["big.yaml: $: file is larger than 256 KiB"]
    assert os.path.getsize(path) == 10 * 1024 * 1024
