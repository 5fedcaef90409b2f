"""Plans and apply reports as text for a terminal, and plans as JSON.

Pure: returns strings, prints nothing. Values are shown in the file format (names, not ids). The markdown PR comment
lives in `reconciler.render.markdown`, the drift issue in `reconciler.render.drift_markdown`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from reconciler.core.drift import DriftKind, DriftReport
from reconciler.core.outcome import Outcome
from reconciler.files.plaintext import printable
from reconciler.model import Action, Change, Plan
from reconciler.planfile import dump_plan

if TYPE_CHECKING:
    from reconciler.core.outcome import ApplyReport

_SIGN = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
INDENT = "    "


def render_plan_text(plan: Plan) -> str:
    """The plan for a terminal: one block per change, unmanaged routes, warnings, then the summary line."""
    lines: list[str] = []
    if plan.empty:
        lines.append("No changes: the live routes match the route files.")
    for change in plan.changes:
        lines.extend(_change_lines(change))
    if plan.unmanaged:
        count = len(plan.unmanaged)
        noun = "route has" if count == 1 else "routes have"
        lines.append(
            f"Unmanaged: {count} live {noun} no file and {'is' if count == 1 else 'are'} kept (--prune deletes)."
        )
        lines.extend(f"{INDENT}{printable(route.name)} ({route.route_id})" for route in plan.unmanaged)
    lines.extend(f"Warning: {warning}" for warning in plan.warnings)
    lines.append(plan.summary)
    # Like octoDNS: the whole plan first, so that what is refused can be seen, then why it will not be applied.
    lines.extend(f"Refused: {reason}" for reason in plan.all_refusals)
    return "\n".join(lines) + "\n"


def render_plan_json(plan: Plan, *, api_url: str = "", created_at: str = "") -> str:
    """The plan as the JSON plan file (same document as `plan --out`)."""
    return dump_plan(plan, api_url=api_url, created_at=created_at)


def _change_lines(change: Change) -> list[str]:
    where = []
    if change.source:
        where.append(str(change.source))
    if change.action is Action.DELETE and change.route_id:
        where.append(f"id {change.route_id}")
    if change.live_version is not None:
        where.append(f"live version {change.live_version}")
    suffix = f"  ({'; '.join(where)})" if where else ""
    lines = [f"{_SIGN[change.action]} {change.action.value} {printable(change.name)}{suffix}"]
    if change.refused:
        lines.append(f"{INDENT}refused: {change.refused}")
    if change.action is Action.UPDATE:
        for field in change.fields:
            lines.append(f"{INDENT}{field.path}:")
            lines.append(f"{INDENT}  - {format_value(field.old)}")
            lines.append(f"{INDENT}  + {format_value(field.new)}")
    elif change.action is Action.CREATE and isinstance(change.desired_doc, dict):
        lines.extend(_yaml_lines(change.desired_doc))
    return lines


def _yaml_lines(document: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return [f"{INDENT}{line}" for line in text.splitlines()]


def format_value(value: Any) -> str:
    """One value on one line: compact JSON, `(absent)` for a field that is not there."""
    if value is None:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def render_apply_report(report: ApplyReport) -> str:
    """One line per route (`created  Payments Alerts`), then the final line with counts."""
    lines = []
    # A 401/403 stops the run: the route it failed on shows the error, the others say only that the run stopped, and
    # the Aborted line points up to it, so the error is printed once (not once more per route and for the run).
    shown = next(
        (
            o.detail
            for o in report.outcomes
            if o.outcome is Outcome.FAILED and o.detail and report.aborted and report.aborted.startswith(o.detail)
        ),
        "",
    )
    for outcome in report.outcomes:
        detail = outcome.detail
        if shown and outcome.outcome is Outcome.NOT_ATTEMPTED and detail == report.aborted:
            detail = "the run stopped at the refused key above"
        lines.append(f"{outcome.outcome.value}  {printable(outcome.name)}{f': {detail}' if detail else ''}")
    if report.aborted:
        lines.append(
            "Aborted: the API key was refused (the error above); the run stopped."
            if shown
            else f"Aborted: {report.aborted}"
        )
    if report.refused:
        lines.append(f"Refused: {report.refused}")
    lines.append(report.summary)
    return "\n".join(lines) + "\n"


def render_drift_text(report: DriftReport) -> str:
    """The report for a terminal: the drifted routes grouped by kind, each group headed by what to do about it, one
    line per route naming the fields, then a summary line."""
    if not report.drifted:
        return f"No drift: {report.in_sync} routes match git.\n"
    lines = []
    kind: DriftKind | None = None
    for e in report.entries:  # sorted by kind
        if e.kind is not kind:
            kind = e.kind
            lines.append(f"{kind.describe.capitalize()}: {kind.action}")
        ident = ", ".join(x for x in (e.route_id, f"v{e.live_version}" if e.live_version is not None else None) if x)
        where = f" ({ident})" if ident else ""
        name = printable(e.name)  # live names are not validated: a newline or ESC must not break the line
        if e.kind.changed:
            lines.append(f"  ~ {name}{where}: {', '.join(e.fields) or 'differs'}")
        elif e.kind is DriftKind.UNMANAGED:
            lines.append(f"  ? {name}{where}: unmanaged live route (no file declares it)")
        else:
            lines.append(f"  - {name} ({e.source or 'routes/'}): missing from live")
    lines.append(f"Drift: {report.summary}; {report.in_sync} in sync.")
    return "\n".join(lines) + "\n"
