"""reconciler.files.validate (with the loader in front): one table of invalid route files, each with its exact located
messages, and the proof that no input raises anything but InputError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import InputError, Problem
from reconciler.files.load import RouteDoc, collect_routes, load_channel_map, load_route_bytes
from reconciler.files.validate import validate_docs

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "schema" / "alert-route.schema.json").read_text(encoding="utf-8"))
TOP_FIELDS = (
    "id, name, enabled, is_private, protect, owning_teams, alert_sources, conditions, condition_groups, expressions, "
    "escalation_config, channel_config, grouping, incident_config, incident_template, message_template"
)
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
CHANNELS = 'slack:\n  "#alerts": C07ALERTS01\n'

# (id, files under routes/ (str or bytes), expected problems, exactly as printed)
CASES: list[tuple[str, dict[str, str | bytes], list[str]]] = [
    (
        "unknown-field-typo",
        {"a.yaml": "name: A\nenabeld: true\n"},
        ["routes/a.yaml:2:1: $.enabeld: unknown field 'enabeld' (did you mean 'enabled'?)"],
    ),
    (
        "unknown-field",
        {"a.yaml": "name: A\ncolour: red\n"},
        [f"routes/a.yaml:2:1: $.colour: unknown field 'colour'; known fields: {TOP_FIELDS}"],
    ),
    (
        "unknown-nested-field",
        {"a.yaml": "name: A\nalert_sources:\n  - source: Axiom\n"},
        [
            "routes/a.yaml:3:5: $.alert_sources[0]: missing required field 'alert_source'",
            "routes/a.yaml:3:5: $.alert_sources[0].source: unknown field 'source' (did you mean 'alert_source'?)",
        ],
    ),
    ("missing-name", {"a.yaml": "enabled: true\n"}, ["routes/a.yaml:1:1: $: missing required field 'name'"]),
    ("name-number", {"a.yaml": "name: 5\n"}, ["routes/a.yaml:1:7: $.name: 5 is not a string: put it in quotes"]),
    ("name-boolean", {"a.yaml": "name: true\n"}, ["routes/a.yaml:1:7: $.name: true is not a string: put it in quotes"]),
    ("name-null", {"a.yaml": "name:\nenabled: true\n"}, ["routes/a.yaml:1:6: $.name: expected a string, got null"]),
    ("name-blank", {"a.yaml": "name: '  '\n"}, ["routes/a.yaml:1:7: $.name: must not be blank"]),
    (
        "yaml11-boolean-yes",
        {"a.yaml": "name: A\nenabled: yes\n"},
        ["routes/a.yaml:2:10: $.enabled: 'yes' is not a boolean: write true or false"],
    ),
    (
        "yaml11-boolean-on",
        {"a.yaml": "name: A\nis_private: on\n"},
        ["routes/a.yaml:2:13: $.is_private: 'on' is not a boolean: write true or false"],
    ),
    (
        "yaml11-boolean-no-in-template",
        {"a.yaml": "name: A\nincident_template:\n  start_in_triage: no\nincident_config: {enabled: true}\n"},
        ["routes/a.yaml:3:20: $.incident_template.start_in_triage: 'no' is not a boolean: write true or false"],
    ),
    (
        "number-for-boolean",
        {"a.yaml": "name: A\nprotect: 1\n"},
        ["routes/a.yaml:2:10: $.protect: expected a boolean, got 1"],
    ),
    (
        "sexagesimal-for-integer",
        {"a.yaml": "name: A\nincident_config:\n  grouping_window_seconds: 30:00\n"},
        [
            "routes/a.yaml:3:28: $.incident_config.grouping_window_seconds: '30:00' is not an integer: "
            "write a whole number like 1800"
        ],
    ),
    (
        "date-for-integer",
        {"a.yaml": "name: A\nincident_config:\n  defer_time_seconds: 2024-01-01\n"},
        [
            "routes/a.yaml:3:23: $.incident_config.defer_time_seconds: '2024-01-01' is not an integer: "
            "write a whole number like 1800"
        ],
    ),
    (
        "float-for-integer",
        {"a.yaml": "name: A\nincident_config:\n  defer_time_seconds: 60.0\n"},
        [
            "routes/a.yaml:3:23: $.incident_config.defer_time_seconds: 60.0 is not an integer: "
            "write a whole number like 1800"
        ],
    ),
    (
        "negative-integer",
        {"a.yaml": "name: A\nincident_config:\n  grouping_window_seconds: -1\n"},
        ["routes/a.yaml:3:28: $.incident_config.grouping_window_seconds: -1 is less than the minimum of 0"],
    ),
    (
        "bad-enum-visibility",
        {"a.yaml": "name: A\nchannel_config:\n  - slack_targets: {channels: [C1], channel_visibility: loud}\n"},
        [
            "routes/a.yaml:3:57: $.channel_config[0].slack_targets.channel_visibility: 'loud' is not one of: "
            "public, private, dm, group_chat, assistant"
        ],
    ),
    (
        "bad-enum-merge-strategy",
        {
            "a.yaml": "name: A\nincident_template:\n  severity: {value: Critical, merge_strategy: maximum}\n"
            "incident_config: {enabled: true}\n"
        },
        ["routes/a.yaml:3:47: $.incident_template.severity.merge_strategy: 'maximum' is not one of: first-wins, max"],
    ),
    (
        "bad-enum-incident-mode",
        {"a.yaml": "name: A\nincident_template:\n  incident_mode: drill\nincident_config: {enabled: true}\n"},
        [
            "routes/a.yaml:3:18: $.incident_template.incident_mode: 'drill' is not one of: "
            "standard, retrospective, test, tutorial"
        ],
    ),
    (
        "missing-merge-strategy",
        {"a.yaml": "name: A\nincident_template:\n  severity: {value: Critical}\nincident_config: {enabled: true}\n"},
        ["routes/a.yaml:3:13: $.incident_template.severity: missing required field 'merge_strategy'"],
    ),
    (
        "conditions-and-condition-groups",
        {"a.yaml": "name: A\nconditions: []\ncondition_groups: []\n"},
        ["routes/a.yaml:3:1: $: 'conditions' and 'condition_groups' cannot be used together: use one"],
    ),
    (
        "value-and-values",
        {"a.yaml": "name: A\nconditions:\n  - {subject: alert.title, operation: is, value: a, values: [b]}\n"},
        ["routes/a.yaml:3:53: $.conditions[0]: 'value' and 'values' cannot be used together: use one"],
    ),
    (
        "condition-missing-operation",
        {"a.yaml": "name: A\nconditions:\n  - subject: alert.title\n"},
        ["routes/a.yaml:3:5: $.conditions[0]: missing required field 'operation'"],
    ),
    (
        "values-not-a-list",
        {"a.yaml": "name: A\nconditions:\n  - {subject: s, operation: one_of, values: critical}\n"},
        ["routes/a.yaml:3:45: $.conditions[0].values: expected a list, got 'critical'"],
    ),
    (
        "binding-number",
        {"a.yaml": "name: A\nmessage_template: 5\n"},
        ["routes/a.yaml:2:19: $.message_template: expected a string, a list or a mapping, got 5"],
    ),
    (
        "literal-and-reference",
        {"a.yaml": "name: A\nmessage_template: {literal: a, reference: b}\n"},
        [
            "routes/a.yaml:2:19: $.message_template: set exactly one of 'literal', 'reference', 'value' or "
            "'array_value', not 'literal' and 'reference' together"
        ],
    ),
    (
        "channel-config-without-targets",
        {"a.yaml": "name: A\nchannel_config:\n  - {}\n"},
        ["routes/a.yaml:3:5: $.channel_config[0]: set at least one of 'slack_targets' or 'ms_teams_targets'"],
    ),
    (
        "channels-and-binding",
        {"a.yaml": "name: A\nchannel_config:\n  - ms_teams_targets: {channels: [x], binding: {value: {literal: y}}}\n"},
        [
            "routes/a.yaml:3:23: $.channel_config[0].ms_teams_targets: "
            "'channels' and 'binding' cannot be used together: use one"
        ],
    ),
    (
        "empty-escalation-target",
        {"a.yaml": "name: A\nescalation_config:\n  escalation_targets: [{}]\n"},
        [
            "routes/a.yaml:3:24: $.escalation_config.escalation_targets[0]: set at least one of 'escalation_paths' or "
            "'users'"
        ],
    ),
    (
        "custom-field-without-value",
        {
            "a.yaml": "name: A\nincident_template:\n  custom_fields:\n"
            "    - {custom_field: Service, merge_strategy: append}\n"
            "incident_config: {enabled: true}\n"
        },
        ["routes/a.yaml:4:7: $.incident_template.custom_fields[0]: set one of 'value' or 'binding'"],
    ),
    (
        "bad-id",
        {"a.yaml": "id: route-1\nname: A\n"},
        ["routes/a.yaml:1:5: $.id: 'route-1' is not an incident.io id (26 characters: digits and capital letters)"],
    ),
    (
        "duplicate-owning-teams",
        {"a.yaml": "name: A\nowning_teams: [Platform, Platform]\n"},
        ["routes/a.yaml:2:15: $.owning_teams: has duplicate items"],
    ),
    (
        "empty-channels",
        {"a.yaml": "name: A\nchannel_config:\n  - slack_targets: {channels: []}\n"},
        ["routes/a.yaml:3:31: $.channel_config[0].slack_targets.channels: must not be empty"],
    ),
    (
        "unclosed-variable",
        {"a.yaml": "name: A\nincident_template:\n  name: '{{ alert.title'\nincident_config: {enabled: true}\n"},
        ["routes/a.yaml:3:9: $.incident_template.name: unclosed_variable: '{{' at character 1 is never closed"],
    ),
    (
        "empty-variable-name",
        {"a.yaml": "name: A\nincident_template:\n  summary: 'x {{ }}'\nincident_config: {enabled: true}\n"},
        [
            "routes/a.yaml:3:12: $.incident_template.summary: empty_variable_name: "
            "the variable at character 3 has no name"
        ],
    ),
    (
        "one-problem-per-template-field",
        {
            "a.yaml": "name: A\nincident_template:\n  name: '{{ a | upcase }} {{'\n  summary: '{{ a | truncate }}'\n"
            "incident_config: {enabled: true}\n"
        },
        [
            "routes/a.yaml:3:9: $.incident_template.name: unknown_filter: 'upcase' at character 8 is not a filter "
            "(filters: truncate: N, omit_if_unset)",
            "routes/a.yaml:4:12: $.incident_template.summary: invalid_filter_argument: truncate at character 8 takes "
            "a whole number of at least 1 (truncate: 100), got nothing",
        ],
    ),
    (
        "alert-source-twice",
        {"a.yaml": "name: A\nalert_sources:\n  - alert_source: Axiom\n  - alert_source: Axiom\n"},
        [
            "routes/a.yaml:4:19: $.alert_sources[1].alert_source: alert source 'Axiom' is listed twice "
            "(also at $.alert_sources[0])"
        ],
    ),
    (
        "unknown-slack-channel",
        {"a.yaml": "name: A\nchannel_config:\n  - slack_targets: {channels: ['#oops']}\n", "channels.yaml": CHANNELS},
        [
            "routes/a.yaml:3:32: $.channel_config[0].slack_targets.channels[0]: Slack channel '#oops' is not in "
            "channels.yaml (known: #alerts)"
        ],
    ),
    (
        "duplicate-key",
        {"a.yaml": "name: A\nenabled: true\nname: B\n"},
        ["routes/a.yaml:3:1: $.name: duplicate key 'name' (first defined at line 1)"],
    ),
    (
        "duplicate-nested-key",
        {"a.yaml": "name: A\nincident_config:\n  enabled: true\n  enabled: false\n"},
        ["routes/a.yaml:4:3: $.incident_config.enabled: duplicate key 'enabled' (first defined at line 3)"],
    ),
    ("anchor", {"a.yaml": "name: &n A\n"}, ["routes/a.yaml:1:7: $.name: anchors and aliases are not allowed (&n)"]),
    ("alias-bomb", {"a.yaml": BOMB}, ["routes/a.yaml:1:4: $.a: anchors and aliases are not allowed (&a)"]),
    (
        "deep-flow-nesting-10000",
        {"a.yaml": "name: " + "[" * 10_000 + "]" * 10_000 + "\n"},
        ["routes/a.yaml:1:1006: $: nested deeper than 64 levels"],
    ),
    (
        "deep-block-nesting-10000",
        {"a.yaml": "- " * 10_000 + "x\n"},
        ["routes/a.yaml:1:129: $: nested deeper than 64 levels"],
    ),
    (
        "python-tag",
        {"a.yaml": "name: !!python/object:os.system x\n"},
        [
            "routes/a.yaml:1:7: $.name: tag '!!python/object:os.system' is not allowed: only !!str, !!int, !!float, "
            "!!bool and !!null are"
        ],
    ),
    (
        "include-tag",
        {"a.yaml": "name: A\nincident_template: !include /proc/self/environ\n"},
        [
            "routes/a.yaml:2:20: $.incident_template: tag '!include' is not allowed: only !!str, !!int, !!float, "
            "!!bool and !!null are"
        ],
    ),
    (
        "set-tag",
        {"a.yaml": "name: A\nowning_teams: !!set {a: null}\n"},
        ["routes/a.yaml:2:15: $.owning_teams: tag '!!set' is not allowed: use plain mappings and lists"],
    ),
    (
        "bad-int-tag",
        {"a.yaml": "name: A\nincident_config: {defer_time_seconds: !!int ten}\n"},
        ["routes/a.yaml:2:39: $.incident_config.defer_time_seconds: 'ten' is not a valid !!int"],
    ),
    (
        "not-a-mapping",
        {"a.yaml": "- name: A\n"},
        ["routes/a.yaml:1:1: $: expected a mapping of route fields, got a list"],
    ),
    (
        "scalar-document",
        {"a.yaml": "Production Alerts\n"},
        ["routes/a.yaml:1:1: $: expected a mapping of route fields, got a string"],
    ),
    ("empty-file", {"a.yaml": ""}, ["routes/a.yaml: $: file is empty: expected a mapping of route fields"]),
    (
        "comments-only",
        {"a.yaml": "# nothing here\n"},
        ["routes/a.yaml: $: file is empty: expected a mapping of route fields"],
    ),
    (
        "invalid-utf8",
        {"a.yaml": b"name: caf\xe9\n"},
        ["routes/a.yaml:1:10: $: not valid UTF-8: byte 0xe9 cannot be decoded"],
    ),
    (
        "control-character",
        {"a.yaml": "name: a\x07b\n"},
        ["routes/a.yaml:1:8: $: invalid character U+0007: control characters are not allowed"],
    ),
    (
        "two-documents",
        {"a.yaml": "name: A\n---\nname: B\n"},
        ["routes/a.yaml:2:1: $: more than one YAML document: a route file holds exactly one"],
    ),
    (
        "syntax-error",
        {"a.yaml": "name: A\nalert_sources: [Axiom\n"},
        [
            "routes/a.yaml:3:1: $: invalid YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 2, column 16)"
        ],
    ),
    (
        "complex-key",
        {"a.yaml": "? [name]\n: A\n"},
        ["routes/a.yaml:1:3: $: a mapping key must be a plain string, not a list or mapping"],
    ),
    ("too-large", {"a.yaml": "name: A\n" + "# padding\n" * 30_000}, ["routes/a.yaml: $: file is larger than 256 KiB"]),
    (
        "duplicate-name-across-files",
        {"a.yaml": "name: Same\n", "b.yaml": "enabled: true\nname: Same\n"},
        ["routes/b.yaml:2:7: $.name: route name 'Same' is also declared in routes/a.yaml:1:7"],
    ),
    (
        "duplicate-id-across-files",
        {
            "a.yaml": "id: 01JQ3ZK8W9PRD4LERTS0000001\nname: A\n",
            "sub/b.yaml": "name: B\nid: 01JQ3ZK8W9PRD4LERTS0000001\n",
        },
        ["routes/sub/b.yaml:2:5: $.id: route id '01JQ3ZK8W9PRD4LERTS0000001' is also declared in routes/a.yaml:1:5"],
    ),
    (
        "message-template-grammar",
        {"a.yaml": 'name: A\nmessage_template:\n  template: "{{ alert.title"\n'},
        ["routes/a.yaml:3:13: $.message_template.template: unclosed_variable: '{{' at character 1 is never closed"],
    ),
    (
        "problems-in-several-files",
        {"a.yaml": "name: A\nenabled: nope\n", "b.yaml": "[\n"},
        [
            "routes/a.yaml:2:10: $.enabled: 'nope' is not a boolean: write true or false",
            "routes/b.yaml:2:1: $: invalid YAML: did not find expected node content "
            "(while parsing a flow node at line 2, column 1)",
        ],
    ),
]


def problems_for(files: dict[str, str | bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        path = tmp_path / "routes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    docs, problems, _count = collect_routes([Path("routes")])
    channels = load_channel_map(Path("routes")) if "channels.yaml" in files else None
    return [str(p) for p in sorted([*problems, *validate_docs(docs, SCHEMA, channels=channels)])]


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("files", "expected"),
    [pytest.param(c[1], c[2], id=c[0]) for c in CASES],
)
def test_invalid_file(
    files: dict[str, str | bytes], expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert problems_for(files, tmp_path, monkeypatch) == expected


@pytest.mark.parametrize("files", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_only_input_error_escapes(files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            doc = load_route_bytes(data, name)
        except InputError as exc:
            assert exc.problems
            continue
        assert all(isinstance(p, Problem) for p in validate_docs([doc], SCHEMA))


@pytest.mark.parametrize(
    "text",
    [
        "name: 2024-01-01\n",  # a date where a string is meant stays the string
        "name: '12:30'\nenabled: true\n",
        "name: yes\n",
        "name: 0x1F\nowning_teams: [on, off, 010]\n",
        "name: A\nmessage_template: {reference: alert.title}\n",
        "name: A\nincident_template:\n  name: {autogenerated: true}\n"
        "  incident_mode: {binding: {value: {literal: x}}}\n"
        "incident_config: {enabled: true}\n",
        "name: A\nmessage_template: {template: '{{ alert.title }} fired'}\n",
        "name: A\nexpressions:\n  - label: L\n    reference: r1\n    root_reference: alert.attributes.service\n"
        "    operations: [{operation_type: navigate, navigate: {reference: x}}]\n",
    ],
)
def test_valid_documents(text: str) -> None:
    doc = load_route_bytes(text.encode("utf-8"), "routes/a.yaml")
    assert validate_docs([doc], SCHEMA) == []
    assert isinstance(doc.data["name"], str)


def test_problems_are_sorted_and_unique() -> None:
    doc = RouteDoc("b.yaml", {"name": 5, "enabled": "yes"}, {("name",): (2, 1), ("enabled",): (1, 1)})
    other = RouteDoc("a.yaml", {"colour": 1})
    problems = validate_docs([doc, other], SCHEMA)
    assert problems == sorted(problems)
    assert [p.location.file for p in problems] == ["a.yaml", "a.yaml", "b.yaml", "b.yaml"]
