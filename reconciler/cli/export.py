"""`reconciler export`: write every live route as a route file, to start managing an existing organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler.cli.common import ApiSettings, api_settings, handle_errors, open_client, run
from reconciler.cli.options import api_options, target_option
from reconciler.cli.output import progress
from reconciler.core.target import ListSelector, targets_from
from reconciler.errors import ConfigError
from reconciler.files.load import load_channel_map
from reconciler.run.export import CHANNELS_STEM, channels_text, export_files, slack_channel_labels, write_files
from reconciler.run.fetch import read_catalog
from reconciler.run.live import live_route, version_of


async def read_for_export(
    settings: ApiSettings, channels: dict[str, str], target: tuple[str, ...] = ()
) -> tuple[dict[str, str], dict[str, str]]:
    """The route files and the channel map (known names plus the labels the API shows on channel ids); with
    `target`, only the targeted routes are read and written."""
    targets = targets_from(target)
    select = ListSelector(targets) if targets is not None else None
    async with open_client(settings, read_only=True) as api:
        with progress("Reading live routes") as on_progress:
            raw: list[dict[str, Any]] = await api.read_all_alert_routes(on_progress=on_progress, select=select)
        if targets is not None and not raw:
            raise ConfigError(f"no live route matches --target {' --target '.join(targets.patterns)}")
        merged = {**slack_channel_labels(raw), **channels}  # the labels are in the raw bodies only
        catalog = await read_catalog(api, slack_channels=merged)
        version = await version_of(api)
        return export_files([live_route(route, version) for route in raw], catalog), merged


@click.command("export")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("routes"),
    show_default=True,
    help="Folder to write the route files (and channels.yaml) into.",
)
@click.option("--overwrite", is_flag=True, help="Replace route files that already exist.")
@target_option
@api_options
@handle_errors
def export_command(out_dir: Path, overwrite: bool, target: tuple[str, ...], api_url: str, emulator: bool) -> int:
    """Write every live route as a route file, by name wherever a name exists (with --target, just those routes).

    File names are slugs of the route names, kept inside the output folder and unique. Each file pins its route
    by id, so a later rename is an update. Slack channels are written as '#name' through channels.yaml where
    incident.io labels the channel.
    """
    settings = api_settings(api_url, emulator)
    existing = load_channel_map(out_dir) if out_dir.is_dir() else {}
    files, channels = run(read_for_export(settings, existing, target))
    if channels != existing:
        # Only new names are added; an unchanged channels.yaml is left alone (and need not be overwritten).
        files[f"{CHANNELS_STEM}.yaml"] = channels_text(channels)
    written = write_files(out_dir, files, overwrite=overwrite)
    routes = sum(1 for path in written if path.stem != CHANNELS_STEM)
    noun = "route" if routes == 1 else "routes"
    click.echo(f"Exported {routes} {noun} to {out_dir}.")
    return 0


COMMANDS: list[click.Command] = [export_command]
