"""The config file: reconciler.toml (or [tool.reconciler] in pyproject.toml) sets what would need flags on every
call; flags and the environment override it; `reconciler config` shows each setting and where it came from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

REPO = Path(__file__).resolve().parent.parent
KNOWN = (
    "routes, schema, api_url, api_version, max_updates, max_deletes, protected_from, limits_from, replay, replay_limit"
)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("INCIDENT_IO_API_URL", "INCIDENT_IO_API_VERSION", "INCIDENT_IO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_without_a_file_every_setting_is_the_default(work: Path) -> None:
    assert _run("config") == (
        0,
        "Config file: none (reconciler.toml or [tool.reconciler] in pyproject.toml)\n"
        "routes          routes  (default)\n"
        "channels        routes/channels.yaml  (default)\n"
        "schema          (none)  (default)\n"
        "api_url         https://api.incident.io  (default)\n"
        "api_version     auto  (default)\n"
        "max_updates     30  (default)\n"
        "max_deletes     30  (default)\n"
        "protected_from  (none)  (default)\n"
        "limits_from     (none)  (default)\n"
        "replay          (none)  (default)\n"
        "replay_limit    5000  (default)\n",
        "",
    )


def test_the_file_and_the_environment_say_where_each_setting_came_from(work: Path) -> None:
    (work / "reconciler.toml").write_text(
        'routes = "alerting/routes"\napi_url = "https://eu.example"\nmax_deletes = 5\n', encoding="utf-8"
    )
    code, out, _ = _run("config", env={"INCIDENT_IO_API_VERSION": "v2"})
    assert code == 0
    assert out.splitlines()[:6] == [
        "Config file: reconciler.toml",
        "routes          alerting/routes  (reconciler.toml)",
        "channels        alerting/routes/channels.yaml  (routes, reconciler.toml)",
        "schema          (none)  (default)",
        "api_url         https://eu.example  (reconciler.toml)",
        "api_version     v2  (environment INCIDENT_IO_API_VERSION)",
    ]
    assert "max_deletes     5  (reconciler.toml)" in out


def test_pyproject_tool_reconciler_is_read_when_there_is_no_reconciler_toml(work: Path) -> None:
    (work / "pyproject.toml").write_text("[tool.reconciler]\nmax_updates = 10\n", encoding="utf-8")
    code, out, _ = _run("config")
    assert code == 0
    assert out.splitlines()[0] == "Config file: pyproject.toml [tool.reconciler]"
    assert "max_updates     10  (pyproject.toml [tool.reconciler])" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bogus = 1\n", f"reconciler.toml: unknown setting 'bogus' (known: {KNOWN})"),
        ("max_deletes = 200\n", "reconciler.toml: max_deletes: expected a percentage, 0 to 100, got 200"),
        ('api_version = "v4"\n', "reconciler.toml: api_version: expected one of auto, v3, v2, got 'v4'"),
        ('routes = "x"\nroutes = "y"\n', "reconciler.toml: Cannot overwrite a value (at line 2, column 13)"),
        ('replay = "7x"\n', "reconciler.toml: replay: expected a duration such as 7d, 24h, 90m or 2w, got '7x'"),
        ("replay = 7\n", "reconciler.toml: replay: expected a duration such as 7d, 24h, 90m or 2w, got 7"),
        ("replay_limit = 0\n", "reconciler.toml: replay_limit: expected a whole number of alerts, 1 or more, got 0"),
        (
            'channels = "x.yaml"\n',
            "reconciler.toml: channels: the channel map is always channels.yaml in the routes folder; set routes",
        ),
    ],
)
def test_a_bad_file_is_one_located_error(work: Path, text: str, message: str) -> None:
    (work / "reconciler.toml").write_text(text, encoding="utf-8")
    assert _run("plan", "--emulator") == (1, "", f"Error: {message}\n")


def test_plan_uses_the_file_and_a_flag_overrides_it(work: Path) -> None:
    shutil.copytree(REPO / "routes", work / "alerting")
    (work / "reconciler.toml").write_text('routes = "alerting"\n', encoding="utf-8")
    code, out, _ = _run("plan", "--emulator")
    assert code == 0
    assert out.startswith("~ update Production Warnings  (alerting/production-warnings.yaml; live version 4)\n")
    shutil.copytree(REPO / "routes", work / "routes")
    code, out, _ = _run("plan", "--emulator", "--routes", "routes")
    assert out.startswith("~ update Production Warnings  (routes/production-warnings.yaml; live version 4)\n")


def test_plan_replays_the_window_the_file_sets_and_a_flag_overrides_its_limit(work: Path) -> None:
    shutil.copytree(REPO / "routes", work / "routes")
    (work / "reconciler.toml").write_text('replay = "7d"\nreplay_limit = 10\n', encoding="utf-8")
    code, out, _ = _run("plan", "--emulator")
    assert code == 0
    assert "\nImpact: " in out and " of 10 alerts of the last 7d " in out
    assert "only the newest 10 alerts of the period were replayed (--replay-limit 10)" in out
    code, out, _ = _run("plan", "--emulator", "--replay-limit", "20")
    assert code == 0
    assert " of 20 alerts of the last 7d " in out and "(--replay-limit 20)" in out
    code, out, _ = _run("plan", "--emulator", "--replay", "24h", "--replay-limit", "20")
    assert code == 0 and " alerts of the last 24h " in out


def test_the_readme_example_runs_as_written(work: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("$ cat reconciler.toml\n") :]
    block = block[: block.index("```")]
    _cat, rest = block.split("\n", 1)
    content, expected = rest.split("$ reconciler config\n", 1)
    (work / "reconciler.toml").write_text(content, encoding="utf-8")
    assert _run("config") == (0, expected, "")
