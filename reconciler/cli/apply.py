"""`reconciler apply`: carry out a saved plan, or plan and apply in one go, writing only what was planned."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.apply import ApplyReport, apply_plan
from reconciler.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    ApiSettings,
    api_options,
    api_settings,
    handle_errors,
    open_client,
    plan_options,
    routes_option,
    run,
)
from reconciler.cli.plan import progress
from reconciler.errors import ConfigError, UnsafePlan
from reconciler.fetch import read_catalog
from reconciler.model import Plan
from reconciler.pipeline import build_plan_from_repo
from reconciler.planfile import load_plan, plan_checksum, safe_api_url
from reconciler.render import render_apply_report, render_plan_text


def check_expected(plan: Plan, expect_checksum: str | None) -> None:
    """Refuse a plan other than the reviewed one."""
    if expect_checksum is None:
        return
    actual = plan_checksum(plan)
    if actual != expect_checksum.strip().lower():
        raise UnsafePlan(
            f"the plan's checksum is {actual}, not the reviewed {expect_checksum.strip()}: live or the route files "
            "changed since the review; run reconciler plan again and review it"
        )


def finish(report: ApplyReport) -> int:
    click.echo(render_apply_report(report), nl=False)
    return EXIT_OK if report.ok else EXIT_ERROR


async def apply_saved(settings: ApiSettings, plan: Plan) -> ApplyReport:
    async with open_client(settings) as api:
        # The catalog tells apply how the server rewrites conditions, to recognise "already applied".
        catalog = await read_catalog(api, slack_channels={})
        return await apply_plan(plan, api, catalog)


async def plan_and_apply(
    settings: ApiSettings,
    routes_dir: Path,
    *,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    expect_checksum: str | None,
) -> tuple[Plan, ApplyReport | None]:
    # One client for both steps: with --emulator, a second client would talk to a fresh emulator.
    async with open_client(settings) as api:
        with progress("Reading live routes") as on_progress:
            plan, catalog = await build_plan_from_repo(
                api, routes_dir, prune=prune, force=force, protected_from=protected_from, on_progress=on_progress
            )
        click.echo(render_plan_text(plan), nl=False)
        check_expected(plan, expect_checksum)
        if plan.empty:
            return plan, None
        return plan, await apply_plan(plan, api, catalog)


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@routes_option
@plan_options
@click.option(
    "--expect-checksum",
    metavar="SHA",
    help="Apply only if the plan's checksum is this one (the reviewed plan's, as `plan` prints it).",
)
@api_options
@handle_errors
def apply_command(
    plan_file: Path | None,
    routes_dir: Path,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    expect_checksum: str | None,
    api_url: str,
    emulator: bool,
) -> int:
    """Apply PLAN_FILE (saved by `plan --out`), or plan from the route files and apply in one go.

    Creates first, then updates, then deletes. Each update is pinned to the version the plan saw: a route edited
    in incident.io since the plan is not written ("changed since plan"), the others are applied, and the exit
    code is 1. Exit 0 when every change was applied (or already was).
    """
    settings = api_settings(api_url, emulator)
    if plan_file is None:
        _plan, report = run(
            plan_and_apply(
                settings,
                routes_dir,
                prune=prune,
                force=force,
                protected_from=protected_from,
                expect_checksum=expect_checksum,
            )
        )
        if report is None:
            return EXIT_OK
        return finish(report)
    if prune or force or protected_from is not None:
        raise ConfigError("--prune, --force and --protected-from apply when planning; a saved plan is applied as is")
    saved = load_plan(plan_file.read_text(encoding="utf-8"), source=str(plan_file))
    check_expected(saved.plan, expect_checksum)
    if saved.api_url and saved.api_url != safe_api_url(settings.api_url):
        raise ConfigError(f"{plan_file} was planned against {saved.api_url}, not {safe_api_url(settings.api_url)}")
    if saved.plan.empty:
        click.echo("No changes in the plan: nothing to apply.")
        return EXIT_OK
    return finish(run(apply_saved(settings, saved.plan)))


COMMANDS: list[click.Command] = [apply_command]
