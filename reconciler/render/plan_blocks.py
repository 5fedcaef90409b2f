"""The blocks of the plan comment, one function each: the safety checks, the refusal, the deletion banner, and per
change a summary-table row and a folded diff (a private route's values never shown). `markdown.py` lays them out
within GitHub's size limit.

Pure: no I/O.
"""

from __future__ import annotations

from reconciler.model import Action, Change, Plan
from reconciler.render.diff import change_diff, fence_for
from reconciler.render.markup import MAX_FIELDS, escape, hidden_block
from reconciler.render.private import change_is_private, hidden_diff

MAX_LISTED = 10  # names listed in the deletion banner
_ICONS = {Action.CREATE: "➕", Action.UPDATE: "🔄", Action.DELETE: "🗑️"}


def _pct(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "0%"


def safety(plan: Plan) -> str:
    """One line: each safety limit with the plan's share against it, and whether a protected route is deleted."""
    checks = []
    limits = plan.limits
    for action, verb, limit in (
        (Action.UPDATE, "updates", limits.max_update_share),
        (Action.DELETE, "deletes", limits.max_delete_share),
    ):
        count = plan.count(action)
        if plan.live_count < limits.min_routes:
            checks.append(f"✅ {verb} {count}/{plan.live_count} (limit applies from {limits.min_routes} live routes)")
            continue
        over = count / plan.live_count > limit
        refused = over and any(f"the plan {verb} " in reason for reason in plan.refusals)
        mark, note = ("❌", ", refused") if refused else ("⚠️", ", forced") if over else ("✅", "")
        share = _pct(count, plan.live_count)
        checks.append(f"{mark} {verb} {count}/{plan.live_count} ({share}, limit {limit:.0%}{note})")
    protected = [c for c in plan.changes if c.refused]
    if protected:
        noun = "route" if len(protected) == 1 else "routes"
        checks.append(f"❌ {len(protected)} protected {noun} would be deleted, refused")
    else:
        checks.append("✅ no protected route deleted")
    return "**Safety checks:** " + " · ".join(checks)


def refusal(plan: Plan) -> str:
    """A caution block with every reason the plan is refused; empty when it is not."""
    if not plan.refused:
        return ""
    reasons = "\n".join(f"> - {escape(reason, limit=500)}" for reason in plan.all_refusals)
    return (
        "> [!CAUTION]\n> **This plan is refused: merging will not apply it.** Fix what is below (or, for the "
        f"safety limits, plan with `--force` if the change is intended) and push again.\n{reasons}"
    )


def _versions(change: Change) -> str:
    live = f"v{change.live_version}" if change.live_version is not None else "–"
    if change.action is Action.CREATE:
        return "– → v1"
    if change.action is Action.DELETE:
        return f"{live} → –"
    after = f"v{change.live_version + 1}" if change.live_version is not None else "next"
    return f"{live} → {after}"


def _what(change: Change) -> str:
    if change.action is Action.CREATE:
        return "new route"
    if change.action is Action.DELETE:
        return "delete · ❌ refused" if change.refused else "delete"
    paths = sorted({f.path for f in change.fields})
    shown = ", ".join(f"<code>{escape(p, limit=80)}</code>" for p in paths[:MAX_FIELDS])
    more = f" +{len(paths) - MAX_FIELDS} more" if len(paths) > MAX_FIELDS else ""
    return (shown + more) or "fields"


def row(change: Change) -> str:
    """The change's row of the summary table: icon, name, what changes, versions."""
    return f"| {_ICONS[change.action]} | {escape(change.name)} | {_what(change)} | {_versions(change)} |"


def details(change: Change) -> str:
    """The change as a folded diff (a private route: a folded note of field names instead)."""
    ident = f" · id <code>{escape(change.route_id, limit=40)}</code>" if change.route_id else ""
    source = f" · <code>{escape(change.source, limit=120)}</code>" if change.source else ""
    summary = f"{_ICONS[change.action]} <b>{escape(change.name)}</b>{ident}{source} · {_versions(change)}"
    if change_is_private(change):  # never its values or templates on GitHub (render/private.py)
        hidden = hidden_diff(change.action, (f.path for f in change.fields))
        return hidden_block(summary, hidden)
    lines = change_diff(change)
    fence = fence_for(lines)
    body = "\n".join(lines)
    return f"<details><summary>{summary}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>"


def banner(plan: Plan) -> str:
    """A caution block naming the routes the plan deletes; empty when it deletes none."""
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    if not deletes:
        return ""
    names = ", ".join(f"<b>{escape(c.name)}</b>" for c in deletes[:MAX_LISTED])
    more = f" and {len(deletes) - MAX_LISTED} more" if len(deletes) > MAX_LISTED else ""
    noun, pronoun = ("route will be deleted", "it") if len(deletes) == 1 else ("routes will be deleted", "they")
    return (
        f"> [!CAUTION]\n> **{len(deletes)} {noun}:** {names}{more}. Alerts {pronoun} matched will fall to other routes."
    )
