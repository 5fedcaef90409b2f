"""`reconciler emulator`: serve the incident.io API emulator on loopback until Ctrl-C."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import click

from reconciler.cli.common import handle_errors
from reconciler.errors import ConfigError


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it loopback).")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Organisation to serve (JSON or YAML state file); default: the built-in example organisation.",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Seeded fault profile to inject (JSON or YAML): latency, 5xx, dropped connections, 429s, hangs.",
)
@click.option(
    "--not-migrated",
    is_flag=True,
    help="Serve an organisation not yet moved to the v3 alert-route API: /v3/alert_routes answers 403 "
    "api_not_yet_available (v2 keeps working).",
)
@handle_errors
def emulator(host: str, port: int, state_file: Path | None, faults_file: Path | None, not_migrated: bool) -> int:
    """Serve an emulator of the incident.io API (alert routes v2 and v3, lookups, incidents) for trying reconciler
    and for tests.

    It prints the URL it listens on and the example API keys with their scopes, then serves until Ctrl-C.
    State lives in memory for the life of the process. Test-only endpoints live under /_emulator/.
    """
    # Imported here so that other commands never import the server stack.
    from reconciler.emulator import EmulatorSettings, create_app, load_faults, load_state
    from reconciler.emulator.serve import bind_socket, serve_forever

    try:
        state = load_state(state_file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot load the state file {state_file}: {exc}") from exc
    settings = EmulatorSettings(not_migrated=not_migrated)
    if faults_file is not None:
        try:
            settings = dataclasses.replace(settings, faults=load_faults(faults_file))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the fault profile {faults_file}: {exc}") from exc
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    bound_host, bound_port = sock.getsockname()[:2]
    url = f"http://{bound_host}:{bound_port}"
    click.echo(f"incident.io emulator listening on {url}")
    click.echo("API keys (published example values, not secrets):")
    width = max((len(k) for k in state.keys), default=0)
    for key in state.keys.values():
        click.echo(f"  {key.key:<{width}}  {', '.join(sorted(key.scopes)) or '(no scopes)'}")
    if faults_file is not None:
        click.echo(f"Fault profile: {faults_file}")
    if not_migrated or not state.organisation.v3_migrated:
        click.echo("Organisation not yet migrated to v3: /v3/alert_routes answers 403 api_not_yet_available.")
    click.echo(f"Try: curl -H 'Authorization: Bearer example-admin' {url}/v2/alert_routes")
    click.echo(f"Write log: {url}/_emulator/writes   Press Ctrl-C to stop.")
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down gracefully, then re-raises the signal
        serve_forever(create_app(state, settings=settings), sock)
    click.echo("Emulator stopped.")
    return 0


COMMANDS: list[click.Command] = [emulator]
