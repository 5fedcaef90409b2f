"""`reconciler plan`: show what would change in incident.io to match the route files, and save it for apply."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli import style
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_OK,
    REPORT_FORMATS,
    ApiSettings,
    api_options,
    api_settings,
    format_option,
    handle_errors,
    open_client,
    plan_options,
    routes_option,
    run,
    safety_limits,
)
from reconciler.cli.output import now_utc, progress, refuse
from reconciler.model import Catalog, Plan, SafetyLimits
from reconciler.planfile import dump_plan, plan_checksum, review_fingerprint
from reconciler.render.markdown import render_plan_markdown
from reconciler.render.text import render_plan_json, render_plan_text
from reconciler.run.pipeline import build_plan_from_repo


def render(plan: Plan, fmt: str, settings: ApiSettings, created_at: str) -> str:
    """The plan in the chosen format."""
    if fmt == "json":
        return render_plan_json(plan, api_url=settings.api_url, created_at=created_at)
    if fmt == "markdown":
        return render_plan_markdown(plan, review=review_fingerprint(plan))
    return render_plan_text(plan)


async def make_plan(
    settings: ApiSettings,
    routes_dir: Path,
    *,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    limits: SafetyLimits | None,
    read_only: bool = True,
) -> tuple[Plan, Catalog]:
    with progress("Reading live routes") as on_progress:
        async with open_client(settings, read_only=read_only) as api:
            return await build_plan_from_repo(
                api,
                routes_dir,
                prune=prune,
                force=force,
                protected_from=protected_from,
                limits=limits,
                on_progress=on_progress,
            )


@click.command("plan")
@routes_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also save the plan as JSON (with its checksum) for `reconciler apply PLAN_FILE`.",
)
@format_option(REPORT_FORMATS, help="How to print the plan.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 error).")
@plan_options
@api_options
@handle_errors
def plan_command(
    routes_dir: Path,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    limits_from: int | None,
    max_updates: int | None,
    max_deletes: int | None,
    api_url: str,
    emulator: bool,
) -> int:
    """Show the changes that would make incident.io match the route files (reads only).

    Live routes with no file are listed as unmanaged and deleted only with --prune. A plan over the safety limits
    or deleting a protected route is shown (and saved) in full, marked refused, and exits 1. Exit 0 when nothing
    would change, 2 with --detailed-exitcode when something would, 1 on error or refusal.
    """
    settings = api_settings(api_url, emulator)
    limits = safety_limits(limits_from, max_updates, max_deletes)
    plan, _catalog = run(
        make_plan(
            settings, routes_dir, prune=prune, force=force, protected_from=protected_from, limits=limits, read_only=True
        )
    )
    created_at = now_utc()
    if out is not None:
        out.write_text(dump_plan(plan, api_url=settings.api_url, created_at=created_at), encoding="utf-8")
    style.echo(render(plan, fmt, settings, created_at), nl=False, plan=fmt == "text")
    if out is not None and fmt != "json":
        checksum = plan_checksum(plan, api_url=settings.api_url, created_at=created_at)
        click.echo(f"Saved the plan to {out} (checksum {checksum}).")
    if plan.refused:
        return refuse(plan)
    return EXIT_CHANGES if detailed_exitcode and not plan.empty else EXIT_OK


COMMANDS: list[click.Command] = [plan_command]
