"""A local emulator of the incident.io API surface reconciler uses: alert routes through v2 and v3, the lookups
behind them, incidents.

Use `create_app()` in-process (httpx.ASGITransport) or serve it on loopback with `serve_in_thread(app)` /
`reconciler emulator`. `app.state.emulator` is the running `Emulator` (state, write log, request log, faults).

Where things are:
- app.py, runtime.py: the Starlette app and the pipeline every API request goes through (auth, rate limit, scopes,
  faults); errors.py: the error envelope it answers with; body.py: request-size and depth limits.
- routes_api.py: /v2 and /v3 alert routes over one store. route_model.py: the stored form and the two payloads'
  mapping onto it; views.py and labels.py: the two response forms; payload_shapes.py, shapes.py, validation.py: what
  a write must satisfy.
- lookups_api.py, paging.py: the lookups and the one list rule; incidents.py (+ incident_store, incident_fields,
  incident_filters): incidents.
- state.py: the organisation and its state file; settings.py, faults.py, ratelimit.py, scopes.py: behaviour knobs;
  control.py: the /_emulator test endpoints; serve.py: uvicorn on loopback.
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
