"""A local emulator of the incident.io API surface reconciler uses (alert routes and the lookups behind them).

Use `create_app()` in-process (httpx.ASGITransport) or serve it on loopback with `serve_in_thread(app)` /
`reconciler emulator`. `app.state.emulator` is the running `Emulator` (state, write log, request log, faults).
"""

from __future__ import annotations

from reconciler.emulator.app import DroppedConnection, create_app
from reconciler.emulator.control import seed_routes
from reconciler.emulator.runtime import Emulator
from reconciler.emulator.scopes import ALL_SCOPES, EXAMPLE_KEYS, READ_SCOPES
from reconciler.emulator.serve import serve_in_thread
from reconciler.emulator.settings import EmulatorSettings, FaultProfile, load_faults
from reconciler.emulator.state import EmulatorState, load_state

__all__ = [
    "ALL_SCOPES",
    "EXAMPLE_KEYS",
    "READ_SCOPES",
    "DroppedConnection",
    "Emulator",
    "EmulatorSettings",
    "EmulatorState",
    "FaultProfile",
    "create_app",
    "load_faults",
    "load_state",
    "seed_routes",
    "serve_in_thread",
]
