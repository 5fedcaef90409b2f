"""`reconciler validate`: check route files offline against the JSON Schema and print every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import EXIT_ERROR, EXIT_OK, format_option, handle_errors, schema_option
from reconciler.errors import InputError, Location, Problem
from reconciler.load import CHANNELS_FILE, collect_routes, load_channel_map, load_schema
from reconciler.render_problems import FORMATS, render_problems, summary
from reconciler.validate import validate_docs

DEFAULT_ROUTES = Path("routes")


def check(paths: tuple[Path, ...], schema_path: Path | None) -> tuple[list[Problem], int]:
    """Every problem in the route files under `paths` (and their directories' channels.yaml), and the file count."""
    schema = load_schema(schema_path)
    docs, problems, count = collect_routes(paths)
    channels: dict[str, str] | None = None
    broken_map = False
    for directory in (path for path in paths if path.is_dir()):
        channels = channels or {}
        try:
            channels.update(load_channel_map(directory))
        except InputError as exc:
            problems.extend(exc.problems)
            broken_map = True  # its own problems are reported; don't also flag every '#name' as unknown
    if broken_map:
        channels = None
    if count == 0 and not problems:
        shown = ", ".join(path.as_posix() for path in paths)
        problems.append(Problem(Location(shown), "$", f"no route files (*.yaml) found; {CHANNELS_FILE} is not one"))
    problems.extend(validate_docs(docs, schema, channels=channels))
    return sorted(problems), count


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
    problems, count = check(paths or (DEFAULT_ROUTES,), schema_path)
    output = render_problems(problems, fmt=fmt, files=count)
    if output:
        click.echo(output, nl=False)
    if fmt != "json":
        click.echo(summary(problems, files=count), err=True)
    return EXIT_ERROR if problems else EXIT_OK


COMMANDS: list[click.Command] = [validate]
