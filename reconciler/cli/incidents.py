"""`reconciler incidents create|get|update|list`: incident actions for workflows, with names instead of ids."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import click

from reconciler.api import incidents as calls
from reconciler.api.client import IncidentIO
from reconciler.cli.common import ApiSettings, api_settings, fail, handle_errors, open_client, run
from reconciler.cli.options import api_options, format_option
from reconciler.cli.tables import print_table
from reconciler.core.incidents import (
    MODES,
    STATUS_CATEGORIES,
    VISIBILITIES,
    create_payload,
    edit_payload,
    existed_before,
    list_params,
    resolve_names,
    summary_row,
)

FORMATS = ("text", "json")  # every incidents command: text (a description, or the list's table) or json
CATEGORY_CHOICES = (*STATUS_CATEGORIES, "active", "post-incident")


def describe(incident: Mapping[str, Any]) -> str:
    """An incident as a few labelled lines (what create, get and update print)."""
    status = incident.get("incident_status") or {}
    lines = [
        f"{incident.get('reference', '?')}  {incident.get('name', '')}",
        f"status:     {status.get('name', '?')} ({status.get('category', '?')})",
        f"severity:   {(incident.get('severity') or {}).get('name', '-')}",
        f"type:       {(incident.get('incident_type') or {}).get('name', '-')}",
        f"mode:       {incident.get('mode', '?')}, {incident.get('visibility', '?')}",
        f"id:         {incident.get('id', '?')}",
    ]
    if incident.get("summary"):
        lines.append(f"summary:    {incident['summary']}")
    if incident.get("permalink"):
        lines.append(f"link:       {incident['permalink']}")
    return "\n".join(lines)


def emit(incident: Mapping[str, Any], fmt: str) -> None:
    click.echo(json.dumps(incident, indent=2) if fmt == "json" else describe(incident))


async def _names(api: IncidentIO, wanted: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """Resolve the names given (only the lookups needed are fetched); unknown names raise, all at once."""
    fetch = {"severity": api.list_severities, "status": api.list_incident_statuses, "type": api.list_incident_types}
    kinds = {kind for kind, _, name in wanted if name is not None}
    lookups = {kind: await fetch[kind]() for kind in sorted(kinds)}
    return resolve_names(lookups, wanted)


text_or_json = format_option(FORMATS, help="Output format.")


@click.group("incidents")
def incidents() -> None:
    """Open, read, update and list incidents (names are resolved to ids)."""


@incidents.command("create")
@click.option("--name", required=True, help="The incident's name.")
@click.option("--summary", help="A summary of what is happening.")
@click.option("--severity", metavar="NAME", help="Severity by name (e.g. Critical).")
@click.option("--status", metavar="NAME", help="Status by name (default: the organisation's first active status).")
@click.option("--type", "type_", metavar="NAME", help="Incident type by name (default: the default type).")
@click.option("--visibility", type=click.Choice(VISIBILITIES), required=True, help="Who can see the incident.")
@click.option("--mode", type=click.Choice(MODES), default="standard", show_default=True, help="Incident mode.")
@click.option(
    "--idempotency-key",
    metavar="KEY",
    help="De-duplicates creates (default: a hash of the other inputs, so a retried step opens one incident).",
)
@text_or_json
@api_options
@handle_errors
def create(
    name: str,
    summary: str | None,
    severity: str | None,
    status: str | None,
    type_: str | None,
    visibility: str,
    mode: str,
    idempotency_key: str | None,
    fmt: str,
    api_url: str,
    emulator: bool,
) -> None:
    """Open an incident; the same inputs (or the same --idempotency-key) never open a second one.

    When the key was used before, the incident it opened is printed, and stderr says it was deduplicated.
    """

    async def go(settings: ApiSettings) -> dict[str, Any]:
        async with open_client(settings) as api:
            wanted = [("severity", "--severity", severity), ("status", "--status", status), ("type", "--type", type_)]
            ids = await _names(api, wanted)
            payload = create_payload(
                visibility=visibility,
                mode=mode,
                name=name,
                summary=summary,
                severity_id=ids.get("--severity"),
                status_id=ids.get("--status"),
                type_id=ids.get("--type"),
                idempotency_key=idempotency_key,
            )
            return await calls.create_incident(api, payload)

    sent_at = datetime.now(UTC)
    incident = run(go(api_settings(api_url, emulator)))
    emit(incident, fmt)
    if existed_before(incident, name=name, sent_at=sent_at):
        fail(
            f"Deduplicated: {incident.get('reference', incident.get('id', '?'))} was opened "
            f"{incident.get('created_at', 'before')} with the same idempotency key; no new incident was opened."
        )


@incidents.command("get")
@click.argument("incident_id", metavar="ID")
@text_or_json
@api_options
@handle_errors
def get(incident_id: str, fmt: str, api_url: str, emulator: bool) -> None:
    """Show one incident: ID is the full id, INC-123 or 123."""

    async def go(settings: ApiSettings) -> dict[str, Any]:
        async with open_client(settings, read_only=True) as api:
            return await calls.get_incident(api, incident_id)

    emit(run(go(api_settings(api_url, emulator))), fmt)


@incidents.command("update")
@click.argument("incident_id", metavar="ID")
@click.option("--name", help="New name.")
@click.option("--summary", help="New summary.")
@click.option("--severity", metavar="NAME", help="New severity by name.")
@click.option("--status", metavar="NAME", help="New status by name (incident.io limits which moves are allowed).")
@click.option("--notify-slack", is_flag=True, help="Tell the incident's Slack channel about the change.")
@text_or_json
@api_options
@handle_errors
def update(
    incident_id: str,
    name: str | None,
    summary: str | None,
    severity: str | None,
    status: str | None,
    notify_slack: bool,
    fmt: str,
    api_url: str,
    emulator: bool,
) -> None:
    """Change an incident's name, summary, severity or status; fields not given stay as they are."""
    edit_payload(name=name, summary=summary, severity_id=severity, status_id=status)  # nothing to do: fail early

    async def go(settings: ApiSettings) -> dict[str, Any]:
        async with open_client(settings) as api:
            ids = await _names(api, [("severity", "--severity", severity), ("status", "--status", status)])
            payload = edit_payload(
                name=name,
                summary=summary,
                severity_id=ids.get("--severity"),
                status_id=ids.get("--status"),
                notify=notify_slack,
            )
            return await calls.edit_incident(api, incident_id, payload)

    emit(run(go(api_settings(api_url, emulator))), fmt)
    if notify_slack and fmt == "text":
        click.echo("Notified the incident's Slack channel.")


@incidents.command("list")
@click.option(
    "--status-category",
    "categories",
    multiple=True,
    type=click.Choice(CATEGORY_CHOICES, case_sensitive=False),
    help="Only incidents in this status category (repeatable; active = live, post-incident = learning).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(MODES),
    help="Only incidents of this mode (repeatable; default: standard and retrospective).",
)
@click.option(
    "--page-size", type=click.IntRange(1, calls.MAX_PAGE_SIZE), default=25, show_default=True, help="Per page."
)
@click.option("--all", "all_pages", is_flag=True, help="Follow the cursor through every page.")
@text_or_json
@api_options
@handle_errors
def list_(
    categories: tuple[str, ...],
    modes: tuple[str, ...],
    page_size: int,
    all_pages: bool,
    fmt: str,
    api_url: str,
    emulator: bool,
) -> None:
    """List incidents, newest first: one page, or every page with --all."""
    params = list_params(status_categories=categories, modes=modes)

    async def go(settings: ApiSettings) -> tuple[list[dict[str, Any]], int | None]:
        async with open_client(settings, read_only=True) as api:
            if all_pages:
                found = [
                    i async for page in calls.iter_incidents(api, page_size=page_size, params=params) for i in page
                ]
                return found, len(found)
            page = await calls.list_page(api, page_size=page_size, params=params)
            return page.incidents, page.total

    found, total = run(go(api_settings(api_url, emulator)))
    if fmt == "json":
        click.echo(json.dumps(found, indent=2))
        return
    rows = [list(summary_row(i)) for i in found]
    print_table(
        ["Reference", "Status", "Severity", "Name", "Created"], rows, lambda column, _cell: "bold" * (column == 0)
    )
    if total is not None and total > len(found):
        click.echo(f"{len(found)} of {total} incidents (--all lists every page).")
    else:
        click.echo(f"{len(found)} incident{'' if len(found) == 1 else 's'}.")


COMMANDS: list[click.Command] = [incidents]
