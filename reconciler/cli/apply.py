"""`reconciler apply`: carry out a saved plan at most once, or plan, ask, and apply in one go."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli import style
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, ApiSettings, api_settings, fail, handle_errors, open_client, run
from reconciler.cli.options import (
    api_options,
    changed_from_option,
    plan_options,
    routes_option,
    safety_limits,
    schema_option,
    target_option,
)
from reconciler.cli.output import (
    DEFAULT_LOCK_TIMEOUT,
    applying,
    changed_targets,
    finish,
    note_targets,
    progress,
    refuse,
    waiting_for_lock,
)
from reconciler.core.outcome import ApplyReport
from reconciler.errors import ConfigError, UnsafePlan
from reconciler.model import Plan, SafetyLimits
from reconciler.planfile import MAX_PLAN_BYTES, load_plan, review_fingerprint, safe_api_url
from reconciler.render.text import render_plan_text
from reconciler.run.apply import apply_plan
from reconciler.run.lock import apply_lock
from reconciler.run.pipeline import build_plan_from_repo


def check_review(plan: Plan, expect_review: str | None) -> None:
    """Refuse a plan other than the reviewed one: its review fingerprint must be `expect_review`."""
    if expect_review is None:
        return
    wanted = expect_review.strip().lower().removeprefix("sha256:")
    actual = review_fingerprint(plan)
    if actual != wanted:
        raise UnsafePlan(
            f"the plan's review fingerprint is {actual}, not the reviewed {wanted}: what would be written differs "
            "from what was reviewed; run reconciler plan again and review it"
        )


async def apply_saved(settings: ApiSettings, plan: Plan, lock_timeout: float) -> ApplyReport:
    with apply_lock(settings.api_url, timeout=lock_timeout, on_wait=waiting_for_lock, in_process=settings.emulator):
        async with open_client(settings) as api:
            with applying(plan) as shown:
                return await apply_plan(plan, api, on_outcome=shown.on_outcome, on_progress=shown.on_progress)


def confirmed(auto_approve: bool) -> bool:
    """Whether a one-shot apply may write: --auto-approve, or "yes" typed on a terminal; never without either."""
    if auto_approve:
        return True
    if not sys.stdin.isatty():
        raise ConfigError(
            "not applying without confirmation: there is no terminal to ask on; review a saved plan "
            "(reconciler plan --out plan.json, then reconciler apply plan.json) or pass --auto-approve"
        )
    return click.confirm("Apply these changes to incident.io?", default=False, err=True)


async def plan_and_apply(
    settings: ApiSettings,
    routes_dir: Path,
    *,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    limits: SafetyLimits | None,
    expect_review: str | None,
    auto_approve: bool,
    lock_timeout: float,
    target: tuple[str, ...] = (),
    changed_from: str | None = None,
    schema_path: Path | None = None,
) -> int:
    targets = changed_targets(routes_dir, target, changed_from)  # before the lock and any read
    # The lock covers the plan too: a second one-shot apply then plans from what the first one wrote.
    with apply_lock(settings.api_url, timeout=lock_timeout, on_wait=waiting_for_lock, in_process=settings.emulator):
        # One client for both steps: with --emulator, a second client would talk to a fresh emulator.
        async with open_client(settings) as api:
            with progress("Reading live routes") as on_progress:
                plan, _catalog = await build_plan_from_repo(
                    api,
                    routes_dir,
                    schema_path=schema_path,
                    prune=prune,
                    force=force,
                    protected_from=protected_from,
                    limits=limits,
                    on_progress=on_progress,
                    targets=targets,
                )
            style.echo(render_plan_text(plan), nl=False, plan=True)
            note_targets(plan)
            if plan.refused:
                return refuse(plan)
            check_review(plan, expect_review)
            if plan.empty:
                return EXIT_OK
            if not confirmed(auto_approve):
                fail("Apply cancelled: nothing was written.")
                return EXIT_ERROR
            with applying(plan, fresh=auto_approve) as shown:
                # With --auto-approve nobody reads the plan before it is written: the plan's own reads serve as the
                # read-back for updates (each PUT stays pinned to the version read). After a confirmation, which may
                # come minutes later, everything the plan touches is read back first.
                report = await apply_plan(
                    plan, api, on_outcome=shown.on_outcome, on_progress=shown.on_progress, fresh=auto_approve
                )
            return finish(report)


def read_saved(plan_file: Path, settings: ApiSettings, expect_checksum: str | None, expect_review: str | None) -> Plan:
    """The plan in `plan_file`, refused unless it is intact, made for this API, unrefused and the expected one."""
    try:
        with plan_file.open("rb") as stream:
            data = stream.read(MAX_PLAN_BYTES + 1)  # enough to know it is too big
    except OSError as exc:
        raise ConfigError(f"cannot read the plan file {plan_file}: {exc.strerror or exc}") from None
    saved = load_plan(data, source=str(plan_file))
    if expect_checksum is not None and saved.checksum != expect_checksum.strip().lower().removeprefix("sha256:"):
        raise UnsafePlan(f"{plan_file} has checksum {saved.checksum}, not the expected {expect_checksum.strip()}")
    check_review(saved.plan, expect_review)
    here = safe_api_url(settings.api_url)
    if saved.api_url != here:
        raise ConfigError(f"{plan_file} was planned against {saved.api_url}, not {here}")
    if saved.plan.refused:
        reasons = "; ".join(saved.plan.all_refusals)
        raise UnsafePlan(f"{plan_file} is a refused plan ({reasons}); nothing was applied")
    return saved.plan


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@routes_option
@schema_option
@target_option
@changed_from_option
@plan_options
@click.option(
    "--expect-review",
    metavar="SHA256",
    help="Apply only if the plan's review fingerprint is this one (the reviewed plan's, from its PR comment).",
)
@click.option(
    "--expect-checksum",
    metavar="SHA256",
    help="With PLAN_FILE: apply only if the file's checksum (its seal) is this one.",
)
@click.option("--auto-approve", is_flag=True, help="Without PLAN_FILE: apply without asking.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_LOCK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another apply to the same incident.io on this machine to finish.",
)
@api_options
@handle_errors
def apply_command(
    plan_file: Path | None,
    routes_dir: Path,
    schema_path: Path | None,
    target: tuple[str, ...],
    changed_from: str | None,
    prune: bool,
    force: bool,
    protected_from: Path | None,
    limits_from: int | None,
    max_updates: int | None,
    max_deletes: int | None,
    expect_review: str | None,
    expect_checksum: str | None,
    auto_approve: bool,
    lock_timeout: float,
    api_url: str,
    emulator: bool,
) -> int:
    """Apply PLAN_FILE (saved by `plan --out`) at most once, or plan from the route files, ask, and apply.

    Before writing, apply reads back every route the plan touches: a plan whose routes changed since it was made
    is refused before any write ("plan is stale"), changes already live are "already applied" (so re-running a
    plan is safe), and a route created since the plan with a planned route's name is not created again. Then it
    creates, updates and deletes, each update pinned to the version the plan saw. A saved plan was reviewed, so it
    does not ask; without PLAN_FILE the plan is shown and apply asks on a terminal (--auto-approve to skip).
    Exit 0 when every change was applied (or already was), 1 otherwise.
    """
    settings = api_settings(api_url, emulator)
    limits = safety_limits(limits_from, max_updates, max_deletes)
    if plan_file is None:
        if expect_checksum is not None:
            raise ConfigError("--expect-checksum checks a saved plan file; without one use --expect-review")
        return run(
            plan_and_apply(
                settings,
                routes_dir,
                prune=prune,
                force=force,
                protected_from=protected_from,
                limits=limits,
                expect_review=expect_review,
                auto_approve=auto_approve,
                lock_timeout=lock_timeout,
                target=target,
                changed_from=changed_from,
                schema_path=schema_path,
            )
        )
    planning = protected_from is not None or limits is not None or schema_path is not None
    if prune or force or planning or auto_approve or target or changed_from:
        raise ConfigError(
            "--prune, --force, --protected-from, the limits, --target, --changed-from, --schema and --auto-approve "
            "apply when "
            "planning; a saved plan is applied as it was reviewed"
        )
    plan = read_saved(plan_file, settings, expect_checksum, expect_review)
    if plan.empty:
        click.echo("No changes in the plan: nothing to apply.")
        return EXIT_OK
    return finish(run(apply_saved(settings, plan, lock_timeout)))


COMMANDS: list[click.Command] = [apply_command]
