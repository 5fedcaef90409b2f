"""Shared by the CLI tests of check, incidents and api: an emulator served on loopback with test keys, and a runner
that points the CLI at it with a given key (or none) and instant retries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner, Result

import reconciler.api.core
from reconciler.api import RetryPolicy
from reconciler.cli import main
from reconciler.emulator import EmulatorSettings, EmulatorState, FaultProfile, serve_in_thread
from reconciler.emulator.app import create_app
from reconciler.emulator.incidents import IncidentStore
from reconciler.emulator.state import example_state_data

ADMIN = "test-admin"
REQUEST_ID = re.compile(r" \(request id [0-9a-f-]+\)")


def key_for_missing(scope: str) -> str:
    """The test key that has every scope but `scope`."""
    return f"test-without-{scope}"


def org(missing_scopes: list[str]) -> EmulatorState:
    """The example organisation with an admin key, a read-only key and one key per scope it lacks."""
    data = example_state_data()
    keys: list[dict[str, Any]] = [
        {"key": ADMIN, "name": "Test admin", "scopes": ["*"]},
        {"key": "test-readonly", "name": "Test read-only", "scopes": ["*.view"]},
    ]
    keys += [{"key": key_for_missing(s), "name": f"Without {s}", "scopes": ["*", f"-{s}"]} for s in missing_scopes]
    data["api_keys"] = keys
    return EmulatorState.from_dict(data)


@dataclass
class Served:
    """A running emulator: its base URL and its runtime (state, logs, faults)."""

    url: str
    app: Any

    @property
    def emu(self) -> Any:
        return self.app.state.emulator

    def fresh(self) -> None:
        """Forget incidents, notifications, faults and logs: each test starts from the same organisation."""
        setattr(self.emu.state, "_incident_store", IncidentStore())  # noqa: B010
        self.emu.set_faults(FaultProfile())
        self.emu.write_log.clear()
        self.emu.request_log.clear()

    def incidents(self) -> IncidentStore:
        store: IncidentStore = self.emu.state._incident_store
        return store


@contextmanager
def served(missing_scopes: list[str]) -> Iterator[Served]:
    app = create_app(org(missing_scopes), settings=EmulatorSettings(rate_limit_enabled=False))
    with serve_in_thread(app) as url:
        yield Served(url, app)


async def _no_sleep(_: float) -> None:
    return None


def instant_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's default retry policy, minus the sleeping (same attempts, same matrix)."""
    monkeypatch.setattr(reconciler.api.core, "RetryPolicy", lambda: RetryPolicy(sleep=_no_sleep))


def server_fixtures(missing_scopes: list[str]) -> tuple[Any, Any]:
    """The two fixtures a CLI test module needs: `module_server`, one emulator served for the whole module (with a
    key lacking each of `missing_scopes`), and `server`, that emulator made fresh for each test, retries instant.

    Use as `module_server, server = server_fixtures([...])` at the top of the test module.
    """

    @pytest.fixture(scope="module", name="module_server")
    def module_server() -> Iterator[Served]:
        with served(missing_scopes) as server:
            yield server

    @pytest.fixture(name="server")
    def server(module_server: Served, monkeypatch: pytest.MonkeyPatch) -> Served:
        module_server.fresh()
        instant_retries(monkeypatch)
        return module_server

    return module_server, server


def invoke(server: Served, args: list[str], key: str | None = ADMIN) -> Result:
    """Run the CLI against `server` with `key` in INCIDENT_IO_API_KEY (None: no key at all)."""
    env = {"INCIDENT_IO_API_URL": server.url, "INCIDENT_IO_API_KEY": key}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def stable(text: str) -> str:
    """Error text without the per-request id the emulator makes up."""
    return REQUEST_ID.sub("", text)
