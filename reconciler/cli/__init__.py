"""The command line: the only layer that prints, reads the environment and picks exit codes.

Each command lives in its own module and is registered here, so `ls reconciler/cli/` lists the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler import __version__
from reconciler.cli import (
    api_call,
    apply,
    backup,
    check,
    comment,
    config,
    drift,
    emulator,
    export,
    incidents,
    plan,
    style,
    validate,
)
from reconciler.cli.common import EXIT_ERROR, ReconcilerGroup, fail
from reconciler.errors import ReconcilerError


@click.group(cls=ReconcilerGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reconciler")
@click.option("--no-color", is_flag=True, help="No colour, even at a terminal (as does NO_COLOR=1 in the environment).")
@click.pass_context
def main(ctx: click.Context, no_color: bool) -> None:
    """GitOps for incident.io alert routes.

    Keep every alert route as a YAML file in git, review a plan, apply exactly what was reviewed.
    The API key is read from INCIDENT_IO_API_KEY; add --emulator to any API command to run it
    against a built-in emulator of incident.io holding an example organisation.
    """
    style.set_no_color(no_color)
    # reconciler.toml (or [tool.reconciler] in pyproject.toml) as every command's defaults; flags still win.
    try:
        settings = config.load_config(Path.cwd())
    except ReconcilerError as exc:
        fail(f"Error: {exc}")
        sys.exit(EXIT_ERROR)
    ctx.default_map = config.default_map(main, settings)


for _module in (
    validate,
    plan,
    apply,
    drift,
    export,
    backup,
    comment,
    check,
    incidents,
    api_call,
    emulator,
    config,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)
