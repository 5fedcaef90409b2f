"""Malformed plan files through the CLI: `reconciler apply bad.json` against the emulator served on loopback exits 1
with one `Error:` line on stderr, nothing on stdout, no traceback, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.emulator import create_app, serve_in_thread
from reconciler.errors import ReconcilerError
from tests.test_planfile_malformed import CASES

# Each kind of refusal once: encoding, JSON, depth, duplicates, numbers, format_version, schema, seal, and a seal over
# nonsense.
PICKED = [
    "not-utf8",
    "utf16",
    "byte-order-mark",
    "lone-surrogate",
    "not-json",
    "a-list",
    "deep-lists",
    "duplicate-key",
    "1e999",
    "5000-digits",
    "format-version-1",
    "format-version-true",
    "extra-top-level-key",
    "missing-created-at",
    "delete-without-version",
    "create-with-version",
    "desired-not-a-route",
    "route-field-of-another-type",
    "api-url-blank",
    "counts",
    "twin-creates",
    "action-with-bidi-and-newline",
]
BY_NAME = {name: case for name, *case in CASES}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, str]]:
    app = create_app()
    with serve_in_thread(app) as url:
        yield app, url


def test_every_picked_case_exists() -> None:
    assert set(PICKED) <= set(BY_NAME)


@pytest.mark.parametrize("name", PICKED)
def test_apply_of_a_malformed_plan_is_one_line_and_no_write(
    name: str, served: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url = served
    build: Callable[[], bytes]
    build, error, message = BY_NAME[name]
    assert issubclass(error, ReconcilerError)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCIDENT_IO_API_KEY", "example-admin")
    Path("bad.json").write_bytes(build())
    before = len(app.state.emulator.write_log)
    result = CliRunner().invoke(main, ["apply", "bad.json", "--api-url", url], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: " + message.replace("plan.json", "bad.json", 1) + "\n"
    assert len(app.state.emulator.write_log) == before
