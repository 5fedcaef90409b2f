"""S7: the API key never appears in output, logs, plan files, exported or backed-up files, or error messages.

A canary key is registered in the emulator and used for plan, apply, export, backup and restore, with and without
injected faults; forced failures come from a server that echoes the request (headers included) in its error
bodies, and from a key the emulator rejects.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reconciler.cli import main
from reconciler.emulator import ALL_SCOPES, FaultProfile, create_app, load_state, serve_in_thread
from reconciler.emulator.scopes import ApiKey
from tests.e2e_helpers import REPO, run_cli

CANARY = f"inc_canary_{secrets.token_hex(12)}"
FORMS = (
    CANARY,
    base64.b64encode(CANARY.encode()).decode(),
    quote(CANARY, safe=""),
    base64.b64encode(f"Bearer {CANARY}".encode()).decode(),
)


def assert_clean(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"the API key leaked into {where}"


@pytest.fixture
def emulator_url() -> Iterator[tuple[Any, str]]:
    state = load_state()
    state.keys[CANARY] = ApiKey(key=CANARY, name="canary", scopes=frozenset(ALL_SCOPES))
    app = create_app(state)
    with serve_in_thread(app) as url:
        yield app, url


async def echo(request: Request) -> JSONResponse:
    """A hostile or broken server: its error bodies repeat the request, headers included."""
    echoed = f"{request.method} {request.url} headers={dict(request.headers)}"
    status = 401 if request.url.path.endswith("alert_sources") else 500
    return JSONResponse(
        {"type": "error", "status": status, "request_id": echoed, "errors": [{"code": echoed, "message": echoed}]},
        status_code=status,
    )


@pytest.fixture
def echo_url() -> Iterator[str]:
    app = Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE"])])
    with serve_in_thread(app) as url:
        yield url


def test_no_command_shows_the_key(
    emulator_url: tuple[Any, str],
    echo_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app, url = emulator_url
    import shutil

    shutil.copytree(REPO / "routes", tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCIDENT_IO_API_KEY", CANARY)
    runner = CliRunner()
    outputs: list[str] = []

    def cli(*args: str, api: str = url) -> int:
        result = runner.invoke(main, [*args, "--api-url", api])
        outputs.append(result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            outputs.append(repr(result.exception) + str(result.exception))
        return result.exit_code

    assert cli("plan", "--out", "plan.json", "--format", "json") == 0
    assert cli("plan", "--format", "markdown") == 0
    assert cli("export", "--out", "exported") == 0
    assert cli("backup", "bk") == 0
    app.state.emulator.set_faults(FaultProfile(error_before_commit=1.0))
    assert cli("apply", "plan.json") == 1  # every write fails: the reasons are printed
    app.state.emulator.set_faults(FaultProfile(seed=1, error_after_commit=0.5, extra_429=0.2))
    assert cli("apply", "plan.json") == 0
    app.state.emulator.set_faults(FaultProfile())
    assert cli("restore", "bk", "--yes") == 0
    assert cli("plan", api=echo_url) == 1  # 401 and 500 bodies echoing the Authorization header
    assert cli("apply", api=echo_url) == 1
    monkeypatch.setenv("INCIDENT_IO_API_KEY", CANARY + "x")  # a key the emulator rejects
    assert cli("apply", "plan.json") == 1

    for text in outputs:
        assert_clean(text, "command output")
    assert_clean(caplog.text, "logs")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert_clean(path.read_text(encoding="utf-8", errors="replace"), str(path))


@pytest.mark.slow
def test_a_subprocess_against_an_echoing_server(echo_url: str, tmp_path: Path) -> None:
    """Everything the process writes (tracebacks included, if any) is free of the key."""
    import shutil

    shutil.copytree(REPO / "routes", tmp_path / "routes")
    done = run_cli(tmp_path, echo_url, "plan", "--out", "plan.json", key=CANARY)
    assert done.returncode == 1
    assert "Error: " in done.stderr and "Traceback" not in done.stderr
    assert_clean(done.stdout + done.stderr, "subprocess output")


# A key pasted with a stray character: refused before any request, in one line that never quotes the key.
TAIL = secrets.token_hex(8)
UNUSABLE = [
    ("\n", "it contains a line break"),
    ("\r", "it contains a line break"),
    ("\x1b", "it contains a control character"),
    ("\t", "it contains a control character"),
    ("\x7f", "it contains a control character"),
    ("é", "it contains a non-ASCII character"),
    ("\u00a0", "it contains a non-ASCII character"),
    ("\u2028", "it contains a non-ASCII character"),
    (" ", "it contains a space"),
]


def assert_no_part_of(key: str, text: str, where: str) -> None:
    for form in (*FORMS, TAIL, key, quote(key, safe=""), base64.b64encode(key.encode()).decode()):
        assert form not in text, f"the API key leaked into {where}"


@pytest.mark.slow
@pytest.mark.parametrize(("stray", "reason"), UNUSABLE)
def test_an_unusable_key_is_refused_up_front(
    stray: str, reason: str, emulator_url: tuple[Any, str], tmp_path: Path
) -> None:
    """As a subprocess: no httpx error quoting the header, no UnicodeEncodeError, no request at all."""
    app, url = emulator_url
    import shutil

    shutil.copytree(REPO / "routes", tmp_path / "routes")
    key = f"{CANARY}{stray}{TAIL}"
    done = run_cli(tmp_path, url, "plan", key=key)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"Error: INCIDENT_IO_API_KEY is not a usable API key: {reason}\n"
    assert_no_part_of(key, done.stdout + done.stderr, "the output of plan")
    assert app.state.emulator.request_log == []


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["apply"],
        ["drift"],
        ["export", "--out", "exported"],
        ["backup", "bk"],
        ["check"],
        ["api", "GET", "/v2/alert_routes"],
        ["incidents", "list"],
        ["plan", "--emulator"],
    ],
)
def test_every_api_command_refuses_a_key_with_a_line_break(
    args: list[str], emulator_url: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url = emulator_url
    import shutil

    shutil.copytree(REPO / "routes", tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    key = f"{CANARY}\n{TAIL}"
    result = CliRunner().invoke(main, [*args, "--api-url", url], env={"INCIDENT_IO_API_KEY": key})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: INCIDENT_IO_API_KEY is not a usable API key: it contains a line break\n"
    assert app.state.emulator.request_log == []


def test_the_client_refuses_an_unusable_key_itself() -> None:
    """Defence in depth: a caller that skips the CLI's check still gets a ConfigError, not a leak or a crash."""
    from reconciler.api import IncidentIO
    from reconciler.api.github import GitHub, GitHubError
    from reconciler.errors import ConfigError

    for stray, reason in UNUSABLE:
        key = f"{CANARY}{stray}{TAIL}"
        with pytest.raises(ConfigError) as refused:
            IncidentIO("https://api.incident.io", key)
        assert str(refused.value) == f"the API key is not usable: {reason}"
        with pytest.raises(GitHubError) as refused_token:
            GitHub(key)
        assert str(refused_token.value) == f"GITHUB_TOKEN is not a usable token: {reason}"


def test_a_github_token_with_a_line_break_is_refused_by_the_cli(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "notice.md").write_text("hello\n", encoding="utf-8")
    token = f"ghs_{CANARY}\n{TAIL}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_IO_", "GITHUB_"))}
    # A loopback port nobody listens on: if the token were sent, the request would fail here, never leave the host.
    env |= {"GITHUB_TOKEN": token, "GITHUB_API_URL": "http://127.0.0.1:9", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "comment", "--body-file", "notice.md", "--repo", "o/n", "--pr", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "Error: GITHUB_TOKEN is not a usable token: it contains a line break\n"
    assert_no_part_of(token, done.stderr, "the output of comment")


def test_no_object_holding_a_key_shows_it_in_its_repr() -> None:
    from reconciler.api import IncidentIO
    from reconciler.api.github import GitHub
    from reconciler.cli.common import ApiSettings

    holders = [
        ApiSettings(api_url="https://api.incident.io", api_key=CANARY, emulator=False),
        IncidentIO("https://api.incident.io", CANARY),
        GitHub(CANARY),
        ApiKey(key=CANARY, name="canary", scopes=frozenset(ALL_SCOPES)),
    ]
    for holder in holders:
        assert_clean(repr(holder), f"repr({type(holder).__name__})")
        assert_clean(str(holder), f"str({type(holder).__name__})")
    assert repr(holders[0]) == "ApiSettings(api_url='https://api.incident.io', emulator=False, api_version='v2')"
    assert repr(holders[1]) == "IncidentIO(base_url='https://api.incident.io', read_only=False)"
    assert repr(holders[2]) == "GitHub(base_url='https://api.github.com')"
