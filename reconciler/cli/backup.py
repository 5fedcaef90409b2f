"""`reconciler backup` and `reconciler restore`: raw live routes to JSON files, and back to live."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from reconciler.cli import style
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, ApiSettings, api_settings, handle_errors, open_client, run
from reconciler.cli.options import api_options
from reconciler.cli.output import DEFAULT_LOCK_TIMEOUT, applying, finish, progress, refuse
from reconciler.core.outcome import ApplyReport
from reconciler.core.plan import build_plan
from reconciler.errors import ConfigError
from reconciler.model import Plan
from reconciler.render.text import render_plan_text
from reconciler.run.apply import apply_plan
from reconciler.run.backup import backup_api_version, backup_files, default_backup_dir, desired_from_backup, read_backup
from reconciler.run.export import write_files
from reconciler.run.fetch import read_catalog
from reconciler.run.live import version_of
from reconciler.run.lock import apply_lock
from reconciler.run.pipeline import read_live


async def read_routes(settings: ApiSettings) -> tuple[list[dict[str, Any]], str]:
    """Every live route raw, as the API returns it, and the API version it was read through."""
    async with open_client(settings, read_only=True) as api:
        with progress("Reading live routes") as on_progress:
            routes: list[dict[str, Any]] = await api.read_all_alert_routes(on_progress=on_progress)
        return routes, api.route_version


@click.command("backup")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@api_options
@handle_errors
def backup_command(folder: Path | None, api_url: str, emulator: bool) -> int:
    """Save every live route, raw as the API returns it, as JSON files in FOLDER.

    FOLDER defaults to backups/incident.io/<UTC timestamp>/. One file per route plus index.json; an existing
    backup is never overwritten. `reconciler restore FOLDER` brings live back to it.
    """
    settings = api_settings(api_url, emulator)
    now = datetime.now(UTC)
    target = folder if folder is not None else default_backup_dir(now)
    live, version = run(read_routes(settings))
    created_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    files = backup_files(live, api_url=settings.api_url, api_version=version, created_at=created_at)
    write_files(target, files, overwrite=False)
    noun = "route" if len(live) == 1 else "routes"
    click.echo(f"Backed up {len(live)} {noun} to {target}.")
    return EXIT_OK


async def restore_plan(
    settings: ApiSettings, folder: Path, routes: Any, *, prune: bool, force: bool, yes: bool
) -> tuple[Plan, ApplyReport | None]:
    with apply_lock(settings.api_url, timeout=DEFAULT_LOCK_TIMEOUT, in_process=settings.emulator):
        # Back through the version the backup was read with, so nothing it holds is lost on the way.
        async with open_client(settings, api_version=backup_api_version(routes)) as api:
            with progress("Reading live routes") as on_progress:
                live = await read_live(api, on_progress=on_progress)
            catalog = await read_catalog(api, slack_channels={})
            desired = desired_from_backup(routes, folder)
            version = await version_of(api)
            plan = build_plan(desired, live, catalog, prune=prune, force=force, api_version=version)
            if plan.empty:
                return plan, None  # said once by the caller, in the backup's terms
            style.echo(render_plan_text(plan), nl=False, plan=True)
            if plan.refused or not (yes or confirm()):
                return plan, None
            with applying(plan) as shown:
                return plan, await apply_plan(plan, api, on_outcome=shown.on_outcome, on_progress=shown.on_progress)


def confirm() -> bool:
    """Ask before writing; with no terminal to ask on, refuse (the caller passes --yes instead)."""
    if not sys.stdin.isatty():
        raise ConfigError("restore needs confirmation, but there is no terminal to ask on: pass --yes to apply")
    return click.confirm("Apply these changes to restore the backup?", default=False)


@click.command("restore")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--prune", is_flag=True, help="Also delete live routes that are not in the backup.")
@click.option("--force", is_flag=True, help="Allow a restore over the safety limits (>30% updates or deletes).")
@api_options
@handle_errors
def restore_command(folder: Path, yes: bool, prune: bool, force: bool, api_url: str, emulator: bool) -> int:
    """Bring live back to the backup in FOLDER: show the plan, ask, and apply it.

    Each backed-up route is matched by id (then by name) and updated to its backed-up content, pinned to the
    version read just now; routes deleted since the backup are created again. Routes created since the backup are
    kept unless --prune. Exit 0 when everything was restored.
    """
    settings = api_settings(api_url, emulator)
    routes = read_backup(folder)
    plan: Plan
    report: ApplyReport | None
    plan, report = run(restore_plan(settings, folder, routes, prune=prune, force=force, yes=yes))
    if plan.empty:
        click.echo("Nothing to restore: live matches the backup.")
        return EXIT_OK
    if plan.refused:
        return refuse(plan)
    if report is None:
        click.echo("Restore cancelled: nothing was changed.")
        return EXIT_ERROR
    return finish(report)


COMMANDS: list[click.Command] = [backup_command, restore_command]
