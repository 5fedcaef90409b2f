"""Shared fixtures: no test reaches beyond loopback, and the official spec and the peer fixtures in ../shared are
found (or skipped) one way."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import uvicorn
from hypothesis import settings

# A suite that never flakes: property tests draw the same examples on every run (derandomized: seeded from each test
# itself), so a red run is the change's doing, not the draw's. A random draw once failed an unrelated commit (a plain
# literal `{"` taken for a rich-text document by tests/strategies.py). `HYPOTHESIS_PROFILE=explore` draws new random
# examples, to hunt for counterexamples on purpose; one found there becomes an explicit test.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parent.parent
SPEC_PATH = REPO.parent / "shared" / "incidentio" / "openapi.json"
PEER_DIR = REPO.parent / "shared" / "peer"

_real_connect = socket.socket.connect


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths are local by definition
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise RuntimeError(f"tests may not reach the network: connect to {address!r} refused")
    _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test: sockets may connect to loopback only (the emulator), never to the real API."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def load_spec() -> dict[str, Any]:
    """The official incident.io OpenAPI spec from ../shared; skip (or fail under CI) when absent."""
    if not SPEC_PATH.is_file():
        _absent(f"the official OpenAPI spec is not at {SPEC_PATH} (it lives in ../shared, never in the repo)")
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def _absent(reason: str) -> NoReturn:
    """Skip a test whose data in ../shared is absent, or fail it when CI requires the data."""
    if os.environ.get("RECONCILER_REQUIRE_SPEC") == "1":
        pytest.fail(f"RECONCILER_REQUIRE_SPEC=1 but {reason}")
    pytest.skip(reason)


def load_peer_fixture(name: str) -> Any:
    """A peer project's fixture file under ../shared/peer (`terraform-provider-incident/richtext/templates.json`);
    skip (or fail under CI) when absent."""
    path = PEER_DIR / name
    if not path.is_file():
        _absent(f"the peer fixture {name} is not at {path} (peer fixtures live in ../shared, never in the repo)")
    return json.loads(path.read_text(encoding="utf-8"))


def peer_cases(name: str) -> list[Any]:
    """One `pytest.param` per case of a peer fixture file (a JSON array of objects with a `name`), for parametrize.

    When the file is absent there is one param, None: pass it to `peer_case`, which skips (or fails under CI).
    """
    if not (PEER_DIR / name).is_file():
        return [pytest.param(None, id="fixture-absent")]
    return [pytest.param(case, id=case["name"]) for case in json.loads((PEER_DIR / name).read_text(encoding="utf-8"))]


def peer_case(case: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """`case` from `peer_cases(name)`; skips (or fails under CI) when the fixture file was absent."""
    if case is None:
        load_peer_fixture(name)
        raise AssertionError(f"{name} appeared after the tests were collected")
    return case


@pytest.fixture(scope="session")
def openapi_spec() -> dict[str, Any]:
    """The official spec, loaded once per session."""
    return load_spec()


def find_tool(name: str) -> str:
    """A command-line tool installed with the test extras (on PATH or beside this Python); skip when absent."""
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


# The suite runs on every core (pytest-xdist, `-n auto --dist loadscope` in pyproject's addopts): each module stays on
# one worker, so module fixtures (a built wheel, a pre-commit environment, a served emulator) are made once. The
# modules that take longest go first, so no worker is left with a long one at the end while the other idles.
LONG_FIRST = [
    "tests/test_precommit.py",
    "tests/test_action.py",
    "tests/test_planfile_properties.py",
    "tests/test_emulator_schemathesis.py",
    "tests/test_packaging.py",
    "tests/test_emulator_incidents.py",
    "tests/test_target.py",
    "tests/test_apply_once.py",
    "tests/test_wire.py",
    "tests/test_plan_split.py",
]


@pytest.fixture(scope="session", autouse=True)
def _served_emulator_not_traced() -> Iterator[None]:
    """The emulator served in a thread (`serve_in_thread`) runs without the coverage tracer.

    It answers the CLI's child processes, which coverage does not measure either; traced, it cost as much CPU as the
    tests themselves. The emulator's code is measured where tests call it in-process (the ASGI transport).
    """
    original = uvicorn.Server.run

    def run(self: uvicorn.Server, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            sys.settrace(None)  # this thread only: coverage installed its tracer when the thread started
        original(self, *args, **kwargs)

    uvicorn.Server.run = run  # type: ignore[method-assign]
    try:
        yield
    finally:
        uvicorn.Server.run = original  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In an xdist worker, stop the coverage that pytest-cov started as if the worker were the controller.

    pytest-cov decides early, from the arguments, whether it runs in xdist's controller; a worker re-reads the same
    addopts (`-n auto`), so it starts a controller's coverage there too, then its worker's coverage on top. Pausing for
    `no_cover` then stops the worker's and hands tracing back to the other one: `untraced` tests ran traced anyway.
    This runs before pytest-cov's own sessionstart starts the worker's coverage.
    """
    if not hasattr(session.config, "workerinput"):
        return
    plugin = session.config.pluginmanager.get_plugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is not None and type(controller).__name__ == "DistMaster":
        controller.cov.stop()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores this process may use. Part of most end-to-end tests is spent waiting on
    a child process or a served emulator; on 2 cores a third worker took the suite from 142-149 s to 133 s."""
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Only while coverage runs: pytest-cov fails a no_cover test under --no-cov (it pauses a controller it lacks).
    measuring = bool(config.getoption("cov_source", None)) and not config.getoption("no_cov", False)
    for item in items:
        # `untraced`: sweeps of generated inputs or of scale, which the tracer slows several times over, over code that
        # other tests cover; .ci/coverage_gate.py fails, naming the lines, the day a branch is covered only by one.
        if measuring and item.get_closest_marker("untraced"):
            item.add_marker(pytest.mark.no_cover)

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: within a module, and among the rest, collection order is kept
