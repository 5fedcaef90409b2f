"""`reconciler validate`: check route files offline against the JSON Schema and print every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli import style
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, handle_errors
from reconciler.cli.options import format_option, schema_option
from reconciler.files.check import check_files
from reconciler.files.load import load_schema
from reconciler.render.problems import FORMATS, render_problems, summary

DEFAULT_ROUTES = Path("routes")


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@schema_option
@format_option(
    FORMATS, help="text: file:line:col: $.path: message; github: workflow annotations; json: one JSON document."
)
@handle_errors
def validate(paths: tuple[Path, ...], schema_path: Path | None, fmt: str) -> int:
    """Check route files offline: YAML safety, the schema, and the channel map.

    PATHS are route files or directories (searched recursively for *.yaml and *.yml); default: routes/.
    Prints every problem at once, sorted, then a summary on stderr. Exit 0 when valid, 1 when not.
    """
    _docs, problems, count = check_files(paths or (DEFAULT_ROUTES,), load_schema(schema_path))
    output = render_problems(problems, fmt=fmt, files=count)
    if output:
        style.echo(output, nl=False) if fmt == "text" else click.echo(output, nl=False)
    if fmt != "json":
        click.echo(summary(problems, files=count), err=True)
    return EXIT_ERROR if problems else EXIT_OK


COMMANDS: list[click.Command] = [validate]
