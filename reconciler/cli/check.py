"""`reconciler check`: does the API key work, and does it have every scope the tool needs? Exit 0 yes, 1 no."""

from __future__ import annotations

from collections.abc import Sequence

import click

from reconciler.api.errors import STATUS_PAGE, ServerError, Unauthorized
from reconciler.cli.common import (
    API_KEY_ENV,
    EXIT_ERROR,
    EXIT_OK,
    ApiSettings,
    api_settings,
    fail,
    handle_errors,
    open_client,
    run,
)
from reconciler.cli.options import api_options
from reconciler.cli.tables import print_table
from reconciler.run.probes import (
    PURPOSES,
    SEVERITIES,
    Purpose,
    Row,
    missing_scopes,
    probes_for,
    run_probes,
    severities_forbidden,
)

STATE_STYLE = {"ok": "green", "missing": "red", "failed": "bold red"}


def show_rows(rows: Sequence[Row]) -> None:
    """The check table: scope, ok / missing / failed (green, red, bold red at a terminal), what it is needed for."""
    print_table(
        ["Scope", "Status", "Needed for"],
        [[r.probe.scope, r.state, r.probe.needed_for] for r in rows],
        lambda column, cell: STATE_STYLE.get(cell, "") if column == 1 else "",
    )


def _who(purpose: Purpose | None) -> str:
    if purpose == "replay":
        return "`reconciler plan --replay`"
    return f"`reconciler {purpose}`" if purpose else "reconciler"


def unauthorized_message(purpose: Purpose | None) -> str:
    scopes = ", ".join(p.scope for p in probes_for(purpose))
    return (
        f"Error: incident.io rejected the API key ({SEVERITIES.method} {SEVERITIES.path} answered 401): "
        "it is invalid or revoked.\n"
        f"Create a new key in incident.io under Settings > API keys with these scopes: {scopes}; "
        f"then set {API_KEY_ENV} to it."
    )


def server_message(error: ServerError, attempts: int) -> str:
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    return (
        f"Error: incident.io may be having issues: {error.request} answered {error.status}{tried}.\n"
        f"Check its status page ({STATUS_PAGE}) and retry later."
    )


def verdict(rows: Sequence[Row], purpose: Purpose | None) -> tuple[list[str], list[str]]:
    """(lines for stdout, error lines for stderr) after the table."""
    out: list[str] = []
    errors: list[str] = []
    if severities_forbidden(rows):
        errors.append(
            f"Error: the API key lacks read access to severities ({SEVERITIES.method} {SEVERITIES.path} answered "
            "403); reconciler needs read access to severities, statuses, types and incidents."
        )
    errors.extend(f"Error: {r.error}" for r in rows if r.state == "failed")
    missing = missing_scopes(rows)
    if missing:
        errors.append(
            f"Missing scopes for {_who(purpose)}: {', '.join(missing)}. Add them to the key, or create a new key "
            "under Settings > API keys with them."
        )
    if not errors:
        out.append(f"The API key has every scope {_who(purpose)} needs.")
    return out, errors


async def _check(settings: ApiSettings, purpose: Purpose | None) -> int:
    async with open_client(settings) as api:
        try:
            rows = await run_probes(api, probes_for(purpose))
        except Unauthorized:
            fail(unauthorized_message(purpose))
            return EXIT_ERROR
        except ServerError as error:
            attempts = sum(1 for r in api.request_log if r.path == error.path and r.method == error.method)
            fail(server_message(error, attempts))
            return EXIT_ERROR
    show_rows(rows)
    out, errors = verdict(rows, purpose)
    for line in out:
        click.echo(line)
    for line in errors:
        fail(line)
    return EXIT_ERROR if errors else EXIT_OK


@click.command("check")
@click.option(
    "--for",
    "purpose",
    type=click.Choice(PURPOSES),
    default=None,
    help="Check only the scopes this command needs (default: every scope reconciler uses).",
)
@api_options
@handle_errors
def check(purpose: Purpose | None, api_url: str, emulator: bool) -> int:
    """Check that the API key works and has the scopes reconciler needs.

    Lists severities first (the cheapest call that proves the key), then probes each scope with a read,
    or with a request incident.io must refuse (nothing is created or changed). Exit 0 when every needed
    scope is present, 1 otherwise.
    """
    return run(_check(api_settings(api_url, emulator), purpose))


COMMANDS: list[click.Command] = [check]
