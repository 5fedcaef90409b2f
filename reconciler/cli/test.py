"""`reconciler test`: run the route tests (sample alerts → the routes they must hit) offline: no API, no key."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import EXIT_ERROR, EXIT_OK, handle_errors
from reconciler.cli.options import format_option
from reconciler.core.route_tests import CaseResult, run_case
from reconciler.files.cases import load_cases
from reconciler.files.check import check_files
from reconciler.files.load import load_schema
from reconciler.files.offline import decode_offline
from reconciler.render.route_tests import FORMATS, render_run, summary

DEFAULT_TESTS = Path("route-tests")
DEFAULT_ROUTES = Path("routes")


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--routes",
    "routes_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_ROUTES,
    show_default=True,
    help="The route files the cases run against.",
)
@format_option(
    FORMATS, help="text: file:line:col: $.path: case: failure; github: workflow annotations; json: one document."
)
@handle_errors
def test(paths: tuple[Path, ...], routes_dir: Path, fmt: str) -> int:
    """Run route tests offline: where does each sample alert go?

    PATHS are route-test files or directories (searched recursively for *.yaml); default: route-tests/.
    Each case names an alert (its source and attributes, by the names route files use) and what must follow:
    the routes it hits or misses, no route, the escalation paths, channels, an incident (docs/route-tests.md).
    Prints every failing case, located, then a summary on stderr. Exit 0 when every case passes, 1 otherwise.
    No API key is needed.
    """
    docs, problems, _count = check_files([routes_dir], load_schema())
    errors = [p for p in problems if p.severity == "error"]
    results: list[CaseResult] = []
    cases, case_problems, files = load_cases(paths or (DEFAULT_TESTS,))
    errors.extend(case_problems)
    if not [p for p in problems if p.severity == "error"]:
        routes, decode_problems = decode_offline(docs)
        errors.extend(decode_problems)
        results = [run_case(case, [r.route for r in routes]) for case in cases]
    output = render_run(results, errors, fmt=fmt, files=files)
    if output:
        click.echo(output, nl=False)
    if fmt != "json":
        click.echo(summary(results, errors, files=files), err=True)
    return EXIT_ERROR if errors or any(not r.passed for r in results) else EXIT_OK


COMMANDS: list[click.Command] = [test]
