"""`reconciler drift`: a read-only check that live incident.io still matches git, optionally kept as one issue.

The API client is opened read-only, so this command cannot write to incident.io by construction. Exit 0 in sync,
2 drift, 1 error.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from reconciler.api.github import sync_issue
from reconciler.api.tasks import gather_all
from reconciler.cli import style
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    REPORT_FORMATS,
    ApiSettings,
    api_settings,
    fail,
    handle_errors,
    open_client,
    run,
)
from reconciler.cli.github_env import default_repo, github_client
from reconciler.cli.options import api_options, format_option, routes_option, schema_option, target_option
from reconciler.cli.output import note_targets, progress
from reconciler.core.drift import DriftKind, DriftReport, build_drift_report, fingerprint, report_data
from reconciler.core.target import targets_from
from reconciler.errors import ConfigError
from reconciler.model import Catalog, Plan
from reconciler.render.drift_markdown import DRIFT_MARKER, render_drift_markdown
from reconciler.render.text import render_drift_text
from reconciler.run.adopt import Adopted, adopt


async def read_drift(
    settings: ApiSettings, routes: Path, schema: Path | None, target: tuple[str, ...] = ()
) -> tuple[Plan, DriftReport, Catalog]:
    """The plan a read-only client sees (never pruning, never refused by safety limits: drift only reports), with
    a progress bar on a terminal while live routes are read, as plan has; and the drift it shows, each differing
    route classified against its file's committed versions (when the routes are in a git checkout)."""
    from reconciler.run.history import plan_history
    from reconciler.run.pipeline import build_plan_from_repo

    with progress("Reading live routes") as on_progress:
        async with open_client(settings, read_only=True) as api:
            plan, catalog = await build_plan_from_repo(
                api,
                routes,
                schema_path=schema,
                prune=False,
                force=True,
                on_progress=on_progress,
                targets=targets_from(target),
            )
    history = await asyncio.to_thread(plan_history, plan, catalog)
    return plan, build_drift_report(plan, history, catalog), catalog


async def _sync_pr(
    settings: ApiSettings, report: DriftReport, catalog: Catalog, routes: Path, repo: str, base: str | None, remote: str
) -> tuple[str, int | None, Adopted | None]:
    """Keep the one adopt pull request in step with the drift (see run/adopt_pr.py)."""
    from reconciler.run.adopt_pr import sync_adopt_pr
    from reconciler.run.git import GitError, current_branch, toplevel

    root = toplevel(routes.resolve())
    if root is None:
        raise ConfigError(f"--github-pr needs {routes} in a git checkout (the pull request's branch is made there)")
    try:
        base = base or current_branch(root)
    except GitError as exc:
        raise ConfigError(str(exc)) from None
    async with github_client() as gh:
        return await sync_adopt_pr(
            gh,
            repo,
            report,
            write=lambda: _adopt(settings, report, catalog, routes),
            root=root,
            base=base,
            remote=remote,
        )


async def _adopt(settings: ApiSettings, report: DriftReport, catalog: Catalog, routes: Path) -> Adopted:
    """Adopt dashboard edits and unmanaged routes into `routes` (reading the unmanaged routes in full first)."""
    from reconciler.run import live

    ids = [e.route_id for e in report.entries if e.kind is DriftKind.UNMANAGED and e.route_id]
    async with open_client(settings, read_only=True) as api:
        found = await gather_all(*(live.read(api, route_id) for route_id in ids))
    unmanaged = [route for route in found if route is not None]
    return await asyncio.to_thread(adopt, report, catalog, routes, unmanaged)


def _report_adopted(adopted: Adopted) -> None:
    if not adopted.paths and not adopted.skipped:
        click.echo("Nothing to adopt: only dashboard edits and unmanaged live routes are adopted.", err=True)
    for path in adopted.edited:
        click.echo(f"Adopted the dashboard edit into {path}.", err=True)
    for path in adopted.created:
        click.echo(f"Adopted an unmanaged route as {path}.", err=True)
    for name, why in adopted.skipped:
        fail(f"Not adopted: {name}: {why}")


async def _sync_issue(report: DriftReport, repo: str, label: str) -> tuple[str, int | None]:
    title = f"Alert routes drift: {report.summary}" if report.drifted else "Alert routes drift: in sync"
    async with github_client() as gh:
        return await sync_issue(
            gh,
            repo,
            marker=DRIFT_MARKER,
            label=label,
            title=title,
            body=render_drift_markdown(report),
            open_issue=report.drifted,
        )


async def _open_incident(settings: ApiSettings, report: DriftReport, mode: str, severity: str | None) -> str:
    """Open (or find and update) the one incident for this drift; returns its reference."""
    from reconciler.api.incidents import open_or_update_drift_incident

    # A client of its own that may write, for incidents only: the drift read above stayed read-only.
    async with open_client(settings) as api:
        incident = await open_or_update_drift_incident(
            api,
            fingerprint=fingerprint(report),
            title=f"Alert routes drifted from git: {report.summary}",
            summary=render_drift_text(report),
            mode=mode,
            severity=severity,
        )
    return str(incident.get("reference") or incident.get("id"))


@click.command("drift")
@routes_option
@schema_option
@target_option
@format_option(REPORT_FORMATS, help="Report format on stdout.")
@click.option(
    "--adopt",
    "adopt_live",
    is_flag=True,
    help="Write the live state of dashboard edits into their route files (only the drifted fields; comments, "
    "order and quoting kept) and each unmanaged live route into a new file.",
)
@click.option(
    "--github-pr",
    is_flag=True,
    help="Adopt on a branch and keep one pull request proposing it (GITHUB_TOKEN): opened, updated when the drift "
    "changes, closed when it is gone. Implies --adopt; the checkout itself is left as it was.",
)
@click.option("--base", metavar="BRANCH", help="Base branch of the --github-pr pull request (default: checked out).")
@click.option("--remote", default="origin", show_default=True, help="git remote --github-pr pushes the branch to.")
@click.option("--github-issue", is_flag=True, help="Keep one open GitHub issue with the report; close it when in sync.")
@click.option("--label", default="drift", show_default=True, help="Label of the drift issue.")
@click.option("--repo", metavar="OWNER/NAME", help="Repository for --github-issue (default: GITHUB_REPOSITORY).")
@click.option(
    "--open-incident",
    is_flag=True,
    help="On drift, open one incident per distinct drift (a repeat run updates it); needs incidents.create/edit.",
)
@click.option(
    "--incident-mode",
    type=click.Choice(["standard", "retrospective", "test", "tutorial"]),
    default="standard",
    show_default=True,
    help="Mode of the incident --open-incident opens.",
)
@click.option("--incident-severity", metavar="NAME", help="Severity (name) of the incident --open-incident opens.")
@api_options
@handle_errors
def drift(
    routes_dir: Path,
    schema_path: Path | None,
    target: tuple[str, ...],
    fmt: str,
    adopt_live: bool,
    github_pr: bool,
    base: str | None,
    remote: str,
    github_issue: bool,
    label: str,
    repo: str | None,
    open_incident: bool,
    incident_mode: str,
    incident_severity: str | None,
    api_url: str,
    emulator: bool,
) -> int:
    """Report how live alert routes differ from the route files, without changing anything.

    Lists every live route that differs from its file (with the fields), every live route no file declares,
    and every file whose route is missing from live. Exit 0 in sync, 2 drift, 1 error. With --github-issue
    (GITHUB_TOKEN), one issue labelled `drift` is opened, kept up to date, and closed when drift clears.
    With --open-incident, drift opens one incident per distinct drift, so an hourly schedule does not open one
    incident per run. Drift is always complete: unlike plan, it has no --changed-from (a dashboard edit touches
    routes no file change names); only --target narrows it.
    """
    settings = api_settings(api_url, emulator)
    if target and (github_issue or github_pr):
        # The issue and the pull request stand for the whole organisation: a targeted run would close them wrongly.
        raise ConfigError("--github-issue and --github-pr report all routes; run them without --target")
    issue_repo = default_repo(repo) if github_issue else ""
    plan, report, catalog = run(read_drift(settings, routes_dir, schema_path, target))
    note_targets(plan)
    if fmt == "json":
        click.echo(json.dumps(report_data(report), indent=2, sort_keys=True, ensure_ascii=False, default=str))
    elif fmt == "markdown":
        click.echo(render_drift_markdown(report), nl=False)
    else:
        style.echo(render_drift_text(report), nl=False, drift=True)
    if github_issue:
        action, number = run(_sync_issue(report, issue_repo, label))
        if action == "unchanged":
            click.echo(f"Drift issue #{number} on {issue_repo} is up to date: left alone.", err=True)
        elif number is not None:
            click.echo(f"{action.capitalize()} drift issue #{number} on {issue_repo}.", err=True)
    if github_pr:
        action, number, adopted = run(_sync_pr(settings, report, catalog, routes_dir, default_repo(repo), base, remote))
        if adopted is not None:
            _report_adopted(adopted)
            if adopted.skipped:
                return EXIT_ERROR
        if number is not None:
            verb = "is up to date: left alone" if action == "unchanged" else action
            click.echo(f"Adopt pull request #{number} on {default_repo(repo)} {verb}.", err=True)
    elif adopt_live and report.drifted:
        adopted = run(_adopt(settings, report, catalog, routes_dir))
        _report_adopted(adopted)
        if adopted.skipped:
            return EXIT_ERROR
    if open_incident and report.drifted:
        reference = run(_open_incident(settings, report, incident_mode, incident_severity))
        click.echo(f"Incident {reference} tracks this drift.", err=True)
    return EXIT_CHANGES if report.drifted else EXIT_OK


COMMANDS: list[click.Command] = [drift]
