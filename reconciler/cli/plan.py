"""`reconciler plan`: show what would change in incident.io to match the route files, and save it for apply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from reconciler.cli import style
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_OK,
    REPORT_FORMATS,
    ApiSettings,
    api_settings,
    handle_errors,
    open_client,
    run,
)
from reconciler.cli.options import (
    api_options,
    changed_from_option,
    format_option,
    plan_options,
    routes_option,
    safety_limits,
    schema_option,
    target_option,
)
from reconciler.cli.output import changed_targets, note_targets, now_utc, progress, refuse
from reconciler.core.impact import DEFAULT_LIMIT, Impact, impact_to_json, parse_duration
from reconciler.model import Catalog, LiveRoute, Plan, SafetyLimits
from reconciler.planfile import dump_plan, plan_checksum, plan_to_dict, review_fingerprint
from reconciler.render.impact import render_impact_markdown, render_impact_text
from reconciler.render.markdown import render_plan_markdown
from reconciler.render.text import render_plan_text
from reconciler.run.pipeline import build_plan_from_repo
from reconciler.run.replay import replay_plan


def render(plan: Plan, fmt: str, settings: ApiSettings, created_at: str, impact: Impact | None = None) -> str:
    """The plan in the chosen format (with the impact replay's section when there is one)."""
    if fmt == "json":
        recorded = impact_to_json(impact) if impact is not None else None
        return dump_plan(plan, api_url=settings.api_url, created_at=created_at, impact=recorded)
    if fmt == "markdown":
        section = render_impact_markdown(impact) if impact is not None else ""
        return render_plan_markdown(plan, review=review_fingerprint(plan), impact=section)
    text = render_plan_text(plan)
    return text + ("\n" + render_impact_text(impact) if impact is not None else "")


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            parse_duration(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


async def replay_impact(
    settings: ApiSettings, plan: Plan, catalog: Catalog, current: list[LiveRoute], period: str, limit: int
) -> Impact:
    with progress("Replaying recent alerts") as _on_progress:
        async with open_client(settings, read_only=True) as api:
            span = parse_duration(period)
            now = datetime.now(UTC)
            return await replay_plan(api, plan, catalog, current, period=period, span=span, limit=limit, now=now)


async def make_plan(
    settings: ApiSettings,
    routes_dir: Path,
    *,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    limits: SafetyLimits | None,
    read_only: bool = True,
    target: tuple[str, ...] = (),
    on_live: Callable[[list[LiveRoute]], None] | None = None,
    changed_from: str | None = None,
    schema_path: Path | None = None,
) -> tuple[Plan, Catalog]:
    targets = changed_targets(routes_dir, target, changed_from)  # before reading: a bad ref reads nothing
    with progress("Reading live routes") as on_progress:
        async with open_client(settings, read_only=read_only) as api:
            return await build_plan_from_repo(
                api,
                routes_dir,
                schema_path=schema_path,
                prune=prune,
                force=force,
                protected_from=protected_from,
                limits=limits,
                on_progress=on_progress,
                targets=targets,
                on_live=on_live,
            )


@click.command("plan")
@routes_option
@schema_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also save the plan as JSON (with its checksum) for `reconciler apply PLAN_FILE`.",
)
@format_option(REPORT_FORMATS, help="How to print the plan.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 error).")
@target_option
@changed_from_option
@click.option(
    "--replay",
    metavar="DURATION",
    callback=_duration,
    help="Replay the alerts of this period (7d, 24h, 90m, 2w) against live and planned routes; show those rerouted.",
)
@click.option(
    "--replay-limit",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Replay at most this many alerts (the newest); the output says when the limit was hit.",
)
@plan_options
@api_options
@handle_errors
def plan_command(
    routes_dir: Path,
    schema_path: Path | None,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    target: tuple[str, ...],
    changed_from: str | None,
    replay: str | None,
    replay_limit: int,
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
    current: list[LiveRoute] = []
    plan, catalog = run(
        make_plan(
            settings,
            routes_dir,
            prune=prune,
            force=force,
            protected_from=protected_from,
            limits=limits,
            read_only=True,
            target=target,
            on_live=current.extend,
            changed_from=changed_from,
            schema_path=schema_path,
        )
    )
    note_targets(plan)
    impact = run(replay_impact(settings, plan, catalog, current, replay, replay_limit)) if replay else None
    recorded: dict[str, Any] | None = impact_to_json(impact) if impact is not None else None
    created_at = now_utc()
    if out is not None:
        out.write_text(dump_plan(plan, api_url=settings.api_url, created_at=created_at, impact=recorded), "utf-8")
    style.echo(render(plan, fmt, settings, created_at, impact), nl=False, plan=fmt == "text")
    if out is not None and fmt != "json":
        checksum = plan_checksum(plan_to_dict(plan, api_url=settings.api_url, created_at=created_at, impact=recorded))
        click.echo(f"Saved the plan to {out} (checksum {checksum}).")
    if plan.refused:
        return refuse(plan)
    return EXIT_CHANGES if detailed_exitcode and not plan.empty else EXIT_OK


COMMANDS: list[click.Command] = [plan_command]
