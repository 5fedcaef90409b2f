"""`reconciler graph`: the route map (alert sources → routes → escalation paths and channels), offline."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import EXIT_ERROR, EXIT_OK, handle_errors
from reconciler.cli.options import format_option
from reconciler.errors import InputError
from reconciler.files.check import check_files
from reconciler.files.load import load_schema
from reconciler.files.offline import decode_offline
from reconciler.render.graph import FORMATS, render_graph


@click.command("graph")
@click.option(
    "--routes",
    "routes_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("routes"),
    show_default=True,
    help="The route files to map.",
)
@format_option(FORMATS, default="mermaid", help="mermaid (GitHub renders it), dot (Graphviz) or json.")
@handle_errors
def graph(routes_dir: Path, fmt: str) -> int:
    """Print the routing as a map: alert sources → routes (labelled with their conditions) → escalation paths
    (solid) and channels (dashed).

    Offline, from the route files, with the names they use. Exit 0, or 1 when a route file is invalid.
    """
    docs, problems, _count = check_files([routes_dir], load_schema())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(errors)
    routes, decode_problems = decode_offline(docs)
    if decode_problems:
        raise InputError(decode_problems)
    click.echo(render_graph([r.route for r in routes], fmt), nl=False)
    return EXIT_OK if routes else EXIT_ERROR


COMMANDS: list[click.Command] = [graph]
