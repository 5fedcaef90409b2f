"""`reconciler api METHOD PATH`: any incident.io request through the same client (auth, retries, rate limits,
clear errors), printing the JSON answer. Writes are allowed here: the method is spelled out on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from reconciler.cli.common import ApiSettings, api_settings, handle_errors, open_client, run
from reconciler.cli.options import api_options
from reconciler.errors import ConfigError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def parse_data(data: str | None) -> Any:
    """`--data`: JSON text, or `@file` holding JSON; None when not given."""
    if data is None:
        return None
    source = "--data"
    if data.startswith("@"):
        path = Path(data[1:])
        try:
            data = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--data: cannot read {path}: {exc.strerror or exc}") from None
        source = f"--data {path}"
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ConfigError(f"{source}: not valid JSON: {exc}") from None


def parse_query(pairs: tuple[str, ...]) -> dict[str, list[str]]:
    """`--query k=v` (repeatable; a repeated key sends every value, as `status[one_of]` filters need)."""
    params: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--query: expected KEY=VALUE, got {pair!r}")
        params.setdefault(key, []).append(value)
    return params


@click.command("api")
@click.argument("method", type=click.Choice(METHODS, case_sensitive=False))
@click.argument("path")
@click.option("--data", metavar="JSON|@FILE", help="Request body: JSON text, or @file to read it from a file.")
@click.option("--query", "queries", metavar="KEY=VALUE", multiple=True, help="Query parameter (repeatable).")
@api_options
@handle_errors
def api(method: str, path: str, data: str | None, queries: tuple[str, ...], api_url: str, emulator: bool) -> None:
    """Send one request to the incident.io API and print the JSON response.

    Example: reconciler api GET /v2/incidents --query page_size=5 --query 'status_category[one_of]=live'
    """
    if not path.startswith("/"):
        raise ConfigError(f"PATH must start with '/', like /v1/severities; got {path!r}")
    body = parse_data(data)
    params = parse_query(queries)

    async def go(settings: ApiSettings) -> Any:
        async with open_client(settings) as client:
            return await client.request(method.upper(), path, params=params or None, json=body)

    answer = run(go(api_settings(api_url, emulator)))
    if answer is not None:
        click.echo(json.dumps(answer, indent=2))


COMMANDS: list[click.Command] = [api]
