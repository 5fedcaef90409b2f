"""The command line: the only layer that prints, reads the environment and picks exit codes.

Each command lives in its own module, listed here with its one-line help, so `ls reconciler/cli/` lists the
commands. A command's module is imported only when that command runs (or its own `--help` is asked for): `reconciler
--help` and offline commands such as `validate` never import the HTTP stack. `tests/test_repo.py` checks that each
line here matches the command's own help.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from reconciler import __version__
from reconciler.cli import config, style
from reconciler.cli.common import EXIT_ERROR, ReconcilerGroup, fail
from reconciler.errors import ReconcilerError

# name: (module, function): imported when the command runs
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "validate"),
    "test": ("test", "test"),
    "graph": ("graph", "graph"),
    "plan": ("plan", "plan_command"),
    "apply": ("apply", "apply_command"),
    "drift": ("drift", "drift"),
    "export": ("export", "export_command"),
    "backup": ("backup", "backup_command"),
    "restore": ("backup", "restore_command"),
    "comment": ("comment", "comment"),
    "check": ("check", "check"),
    "incidents": ("incidents", "incidents"),
    "api": ("api_call", "api"),
    "emulator": ("emulator", "emulator"),
    "config": ("config", "config"),
}
# The one-line help `reconciler --help` lists, without importing every command (checked against each command).
SHORT_HELP: dict[str, str] = {
    "validate": "Check route files offline: YAML safety, the schema, and the channel map.",
    "test": "Run route tests offline: where does each sample alert go?",
    "graph": "Print the routing as a map: alert sources → routes (labelled with their...",
    "plan": "Show the changes that would make incident.io match the route files (reads only).",
    "apply": "Apply PLAN_FILE (saved by `plan --out`) at most once, or plan from the route...",
    "drift": "Report how live alert routes differ from the route files, without changing...",
    "export": "Write every live route as a route file, by name wherever a name exists (with...",
    "backup": "Save every live route, raw as the API returns it, as JSON files in FOLDER.",
    "restore": "Bring live back to the backup in FOLDER: show the plan, ask, and apply it.",
    "comment": "Create or update the single reconciler comment on a pull request (GITHUB_TOKEN).",
    "check": "Check that the API key works and has the scopes reconciler needs.",
    "incidents": "Open, read, update and list incidents (names are resolved to ids).",
    "api": "Send one request to the incident.io API and print the JSON response.",
    "emulator": "Serve an emulator of the incident.io API (alert routes v2 and v3, lookups,...",
    "config": "Print the effective settings and where each came from (reconciler.toml,...",
}


class LazyGroup(ReconcilerGroup):
    """Imports a command's module when the command is looked up; lists the commands without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module = importlib.import_module(f"reconciler.cli.{found[0]}")
        command: click.Command = getattr(module, found[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    if settings.values:  # only then are the commands looked up (and imported) to place each setting
        ctx.default_map = config.default_map(main, settings)
