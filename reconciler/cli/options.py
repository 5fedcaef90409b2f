"""The options commands share: the API (--api-url, --emulator, --api-version), the route files (--routes, --schema),
what to plan (--target, --changed-from, --prune, --force, --protected-from, the safety limits) and --format.

Each is a decorator that adds click options with one wording everywhere; the command receives the values as the
keyword arguments each one names. Reading the values (the key from the environment, the settings) is `common.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from reconciler.cli.common import (
    API_URL_ENV,
    API_VERSION_ENV,
    API_VERSION_META,
    DEFAULT_API_URL,
    DEFAULT_API_VERSION,
    P,
    T,
)
from reconciler.model import SafetyLimits


def _keep_api_version(ctx: click.Context, _param: click.Parameter, value: str) -> None:
    ctx.meta[API_VERSION_META] = value


def api_options(func: Callable[P, T]) -> Callable[P, T]:
    """Add --api-url, --emulator and --api-version to a command; it receives the first two as `api_url` and
    `emulator`, and `api_settings` picks up the third."""
    func = click.option(
        "--api-version",
        type=click.Choice(["auto", "v3", "v2"]),
        envvar=API_VERSION_ENV,
        default=DEFAULT_API_VERSION,
        show_default=True,
        expose_value=False,
        callback=_keep_api_version,
        help="Alert-route API: v3 (current), v2, or auto: v3 unless the organisation has not migrated to it "
        f"(env {API_VERSION_ENV}).",
    )(func)
    func = click.option(
        "--emulator",
        is_flag=True,
        help="Run against a built-in emulator of incident.io holding the example organisation.",
    )(func)
    func = click.option(
        "--api-url",
        envvar=API_URL_ENV,
        default=DEFAULT_API_URL,
        show_default=True,
        metavar="URL",
        help=f"incident.io API base URL (env {API_URL_ENV}).",
    )(func)
    return func


def routes_option(func: Callable[P, T]) -> Callable[P, T]:
    """Add --routes (the folder of route files); the command receives it as `routes_dir`."""
    return click.option(
        "--routes",
        "routes_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("routes"),
        show_default=True,
        help="Folder of route files (and channels.yaml).",
    )(func)


def target_option(func: Callable[P, T]) -> Callable[P, T]:
    """Add --target NAME (repeatable, glob); the command receives the patterns as `target` (a tuple)."""
    return click.option(
        "--target",
        "target",
        multiple=True,
        metavar="NAME",
        help="Only this route (repeatable; a glob like 'Prod*'; names compare as people read them, ignoring case). "
        "Other routes are neither read nor changed.",
    )(func)


def changed_from_option(func: Callable[P, T]) -> Callable[P, T]:
    """Add --changed-from REF (plan and apply; never drift, which is complete by design)."""
    return click.option(
        "--changed-from",
        "changed_from",
        metavar="REF",
        help="Only the routes whose files changed between the git REF (a branch, tag or commit, e.g. origin/main) "
        "and the work tree: their names and pinned ids, now and at REF (a renamed or deleted file's old route too). "
        "The list is still read whole; other routes are neither read nor changed. A change to schema/, "
        "channels.yaml or the reconciler config plans every route.",
    )(func)


def schema_option(func: Callable[P, T]) -> Callable[P, T]:
    """Add --schema (the route JSON Schema, see `load.load_schema`); the command receives it as `schema_path`."""
    return click.option(
        "--schema",
        "schema_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        metavar="FILE",
        help="JSON Schema to check against "
        "[default: schema/alert-route.schema.json if present, else the built-in copy].",
    )(func)


def plan_options(func: Callable[P, T]) -> Callable[P, T]:
    """--prune, --force, --protected-from and the safety limits (--limits-from, --max-updates, --max-deletes),
    shared by plan and apply; `safety_limits(...)` turns the last three into a `SafetyLimits`."""
    func = _limits_options(func)
    func = click.option(
        "--protected-from",
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        help="Routes folder of the base branch: a route marked protect: true there is never deleted, "
        "even after its file was removed.",
    )(func)
    func = click.option(
        "--force", is_flag=True, help="Allow a plan over the safety limits (>30% updates or deletes of 10+ routes)."
    )(func)
    func = click.option("--prune", is_flag=True, help="Delete live routes that no route file declares.")(func)
    return func


def _limits_options(func: Callable[P, T]) -> Callable[P, T]:
    defaults = SafetyLimits()
    for name, default, text in (
        (
            "--limits-from",
            defaults.min_routes,
            "The two limits below apply from this many live routes on.",
        ),
        (
            "--max-deletes",
            round(defaults.max_delete_share * 100),
            "Refuse a plan that deletes more than this percentage of live routes (unless --force).",
        ),
        (
            "--max-updates",
            round(defaults.max_update_share * 100),
            "Refuse a plan that updates more than this percentage of live routes (unless --force).",
        ),
    ):
        func = click.option(
            name,
            type=click.IntRange(min=0) if name == "--limits-from" else click.IntRange(0, 100),
            default=None,
            metavar="N" if name == "--limits-from" else "PERCENT",
            help=f"{text} [default: {default}]",
        )(func)
    return func


def safety_limits(limits_from: int | None, max_updates: int | None, max_deletes: int | None) -> SafetyLimits | None:
    """The limits the options give, None when none was given (so the defaults, or a saved plan's, apply)."""
    if limits_from is None and max_updates is None and max_deletes is None:
        return None
    defaults = SafetyLimits()
    return SafetyLimits(
        min_routes=defaults.min_routes if limits_from is None else limits_from,
        max_update_share=defaults.max_update_share if max_updates is None else max_updates / 100,
        max_delete_share=defaults.max_delete_share if max_deletes is None else max_deletes / 100,
    )


def format_option(
    choices: Sequence[str], *, help: str, default: str = "text"
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Add --format with these choices; the command receives it as `fmt`."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True, help=help
    )
