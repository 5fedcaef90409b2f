"""`reconciler graph`: the shipped routes' map (golden), names that cannot break out of a label, dot and json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.render.graph import render_dot, render_mermaid
from reconciler.route import Binding, Condition, Destination, Route, Source, Target, Value

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["graph", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_shipped_routes_map_golden(workdir: Path) -> None:
    assert run() == (0, (REPO / "tests" / "golden" / "graph.mmd").read_text(), "")


def test_json(workdir: Path) -> None:
    code, out, _err = run("--format", "json")
    data = json.loads(out)
    assert code == 0 and len(data["sources"]) == 9
    production = next(r for r in data["routes"] if r["name"] == "Production Alerts")
    assert production["sources"][0] == {"source": "Alertmanager (Production)", "when": "severity one_of [critical]"}
    assert (production["escalation_paths"], production["channels"]) == (["Engineering On-Call"], ["#alerts"])


def test_invalid_route_files_exit_1_located(workdir: Path) -> None:
    (workdir / "routes" / "informational.yaml").write_text("name: Informational\nenabled: yes\n")
    code, out, err = run()
    assert (code, out) == (1, "")
    assert "routes/informational.yaml:2:10: $.enabled: 'yes' is not a boolean: write true or false" in err


HOSTILE = Route(
    name='Evil"] --> x[<script>',
    sources=(
        Source(
            'src "1"',
            (
                (Condition("alert.title", "contains", (Binding(value=Value(literal='a"b')),)),),
                (Condition("alert.attributes.x", "is_set"),),
            ),
        ),
    ),
    groups=((Condition("alert.attributes.env", "is", (Binding(value=Value(literal="prod")),)),),),
    destinations=(Destination(slack=Target(Binding(array=(Value(literal="#a\\b"),)))),),
)


def test_names_cannot_break_out_of_mermaid_labels() -> None:
    assert render_mermaid([HOSTILE]) == (
        "flowchart LR\n"
        '  s0["src #quot;1#quot;"]\n'
        '  r1["Evil#quot;] --#gt; x[#lt;script#gt;<br/>when env is [prod]"]\n'
        '  c2[/"#35;a\\b"/]\n'
        '  s0 -->|"(title contains [a#quot;b]) or (x is_set)"| r1\n'
        "  r1 -.-> c2\n"
    )


def test_names_cannot_break_out_of_dot_strings() -> None:
    dot = render_dot([HOSTILE])
    assert '"route:Evil\\"] --> x[<script>" [label="Evil\\"] --> x[<script>\\nwhen env is [prod]"];' in dot
    assert '"channel:#a\\\\b" [label="#a\\\\b", shape=note];' in dot
