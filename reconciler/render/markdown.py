"""The plan as a pull-request comment, in GitHub-flavoured markdown (drift as an issue body: `drift_markdown.py`).

Pure: no I/O. Layout (see "Set up in your repository" in README.md): a hidden marker with the plan's review
fingerprint (how `reconciler comment` finds its one sticky comment and how the merge-time apply finds what was
reviewed), a title with the counts, the refusal (a refused plan is shown whole, with why it will not be applied)
and the deletion banner above everything, the safety checks with their limits, a summary table, one folded diff
per route, the impact replay's section, the changed routes' map, unmanaged routes, warnings, and a footer saying what
merging does. GitHub rejects comments over 65,536 characters, so past `budget` the map goes first, then the folded
details, then table rows, and the comment says where the full plan is. The blocks themselves: `plan_blocks.py`;
names are escaped to inert text (`markup.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconciler.model import Plan, Targets
from reconciler.render import plan_blocks as blocks
from reconciler.render.markup import DEFAULT_BUDGET, GITHUB_LIMIT, escape
from reconciler.render.route_map import MAP_DROPPED, render_route_map

# A job summary holds up to 1 MiB (bytes, not characters): `summary=True` renders the whole plan there, so the "full
# plan" a cut comment points to really is in the summary (a plan beyond even that is cut, pointing at the artifact).
SUMMARY_LIMIT = 1_048_576
SUMMARY_BUDGET = 1_000_000
PLAN_MARKER = "<!-- reconciler:plan"

_REVIEW_RE = re.compile(r"<!-- reconciler:plan review=(sha256:[0-9a-f]{64}) -->")


@dataclass(frozen=True)
class CommentContext:
    """Where the plan comes from, shown under the title; every field optional."""

    environment: str | None = None  # e.g. "prod"
    head_sha: str | None = None
    base_ref: str | None = None
    run_url: str | None = None  # the CI run; the full plan is its artifact / job summary
    read_at: str | None = None  # when live state was read
    artifact: str = "plan.json"


IMPACT_DROPPED = (
    "_Impact replay not shown: it would not fit GitHub's size limit. `reconciler plan --replay` prints it, and the "
    "full plan holds it._"
)


def plan_marker(review: str) -> str:
    """The hidden first line of a plan comment: `<!-- reconciler:plan review=sha256:... -->`."""
    value = review if review.startswith("sha256:") else f"sha256:{review}"
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        raise ValueError(f"not a sha256 review fingerprint: {review!r}")
    return f"{PLAN_MARKER} review={value} -->"


def review_from_comment(body: str) -> str | None:
    """The review fingerprint in a plan comment's marker (`sha256:...`), or None."""
    match = _REVIEW_RE.search(body)
    return match.group(1) if match else None


def _targeted(targets: Targets) -> str:
    """A targeted plan says so: the reviewer sees only part of the organisation (unmanaged routes included)."""
    unread = f"{targets.unread} other live route{'' if targets.unread == 1 else 's'} not read"
    source = targets.changed_from
    if source is None:
        return f"<b>targeted</b> (--target), {unread}"
    count = len(source.files)
    files = f"{count} route file{'' if count == 1 else 's'} changed since <code>{escape(source.ref, limit=80)}</code>"
    return f"<b>targeted</b> at the {files}, {unread}"


def _context_line(plan: Plan, review: str, checksum: str, context: CommentContext | None) -> str:
    parts = []
    if context and context.head_sha:
        base = f" on base <code>{escape(context.base_ref, limit=80)}</code>" if context.base_ref else ""
        parts.append(f"Head <code>{escape(context.head_sha[:12], limit=12)}</code>{base}")
    if context and context.read_at:
        parts.append(f"live state read {escape(context.read_at, limit=40)}")
    parts.append(f"{plan.live_count} live routes, {plan.in_sync} in sync")
    if plan.targets is not None:
        parts.append(_targeted(plan.targets))
    parts.append(f"review <code>{escape(review.removeprefix('sha256:')[:12], limit=12)}</code>")
    if checksum:
        parts.append(f"plan file <code>{escape(checksum.removeprefix('sha256:')[:12], limit=12)}</code>")
    link = _link(context.run_url if context else None)
    if link:
        parts.append(f"[CI run]({link})")
    return " · ".join(parts)


def _link(url: str | None) -> str | None:
    """An https URL made safe inside `[text](url)`; anything else is dropped."""
    if not url or not re.fullmatch(r"https://[^\s<>()\[\]`]+", url):
        return None
    return url


def _where_full(context: CommentContext | None, *, summary: bool = False) -> str:
    artifact = escape(context.artifact if context else "plan.json", limit=80)
    link = _link(context.run_url if context else None)
    run = f" of [this run]({link})" if link else ""
    if summary:  # the summary is the largest place on GitHub: only the artifact holds more
        return f"the <code>{artifact}</code> artifact{run}"
    return f"the <code>{artifact}</code> artifact and the job summary{run}"


def _listing(title: str, items: list[str]) -> str:
    if not items:
        return ""
    body = "\n".join(f"- {item}" for item in items)
    return f"<details><summary>{title}</summary>\n\n{body}\n\n</details>"


def render_plan_markdown(
    plan: Plan,
    *,
    review: str,
    checksum: str = "",
    context: CommentContext | None = None,
    budget: int = DEFAULT_BUDGET,
    impact: str = "",
    summary: bool = False,
) -> str:
    """The PR comment for `plan`; never longer than `budget` (at most GitHub's 65,536) characters.

    With `summary`, the job summary instead: the whole plan up to `SUMMARY_BUDGET` UTF-8 bytes (GitHub's 1 MiB).

    `review` is the plan's review fingerprint (in the marker: what the merge-time apply compares), `checksum` the
    plan file's seal (shown, when there is a file).
    """
    if summary:
        budget = min(SUMMARY_BUDGET if budget == DEFAULT_BUDGET else budget, SUMMARY_LIMIT)
    else:
        budget = min(budget, GITHUB_LIMIT)

    def size(text: str) -> int:  # comments count characters; the job summary counts bytes
        return len(text.encode("utf-8")) if summary else len(text)

    marker = plan_marker(review)
    env = f" · <code>{escape(context.environment, limit=40)}</code>" if context and context.environment else ""
    if plan.empty:
        kept = f", {len(plan.unmanaged)} unmanaged live routes kept" if plan.unmanaged else ""
        targeted = f"; {_targeted(plan.targets)}" if plan.targets is not None else ""
        return f"{marker}\n✅ **No changes**{env} ({plan.in_sync} routes in sync{kept}{targeted})\n"

    changes = sorted(plan.changes, key=lambda c: c.sort_key)
    head = [
        marker,
        f"## 🧪 Alert routes plan{env} · {plan.summary}",
        "",
        _context_line(plan, review, checksum, context),
    ]
    for block in (blocks.refusal(plan), blocks.banner(plan)):
        if block:
            head += ["", block]
    head += ["", blocks.safety(plan), "", "| | Route | What changes | Live v → after |", "|---|---|---|---|"]
    rows = [blocks.row(c) for c in changes]
    details = [blocks.details(c) for c in changes]
    unmanaged = _listing(
        f"{len(plan.unmanaged)} unmanaged live route{'' if len(plan.unmanaged) == 1 else 's'} (no file; kept)",
        [f"{escape(r.name)} (<code>{escape(r.route_id, limit=40)}</code>)" for r in plan.unmanaged],
    )
    noun = "warning" if len(plan.warnings) == 1 else "warnings"
    warnings = _listing(f"Validation: {len(plan.warnings)} {noun}", [escape(str(w), limit=500) for w in plan.warnings])
    footer = (
        "---\n**On merge** the apply job plans again and writes only if that plan's review fingerprint equals this "
        "one (above): the same changes, the same content, at the same route versions. An unrelated edit elsewhere "
        "does not block it; a route it touches that changed since makes it refuse, and it writes nothing. "
        f"The full machine-readable plan is {_where_full(context, summary=summary)}."
    )

    def assemble(rows_: list[str], details_: list[str], extras: list[str], notice: str) -> str:
        cut = len(rows) - len(rows_)
        more = [f"| … | {cut} more routes: see the full plan | | |"] if cut else []
        parts = ["\n".join(head + rows_ + more)]
        parts += [p for p in [notice, *details_, *extras] if p]
        parts.append(footer)
        return "\n\n".join(parts) + "\n"

    route_map = render_route_map(plan)  # the changed routes' part of the map (render/route_map.py)
    full = assemble(rows, details, [impact, route_map, unmanaged, warnings], "")  # impact: render/impact.py's
    if size(full) <= budget:
        return full
    dropped = MAP_DROPPED if route_map else ""  # the map goes first, saying so
    without_map = assemble(rows, details, [impact, dropped, unmanaged, warnings], "")
    if size(without_map) <= budget:
        return without_map

    # Too long: keep the banner, safety checks and as much of the table as fits, then details in plan order.
    def notice_for(kept_rows: int, kept_details: int) -> str:
        return (
            f"> [!NOTE]\n> This {'job summary' if summary else 'comment'} is cut to fit GitHub's size limit: "
            f"it shows {kept_rows} of {len(rows)} "
            f"routes in the table and {kept_details} of {len(details)} diffs. "
            f"The full plan is {_where_full(context, summary=summary)}."
        )

    short_extras = [
        impact,
        dropped,
        f"{len(plan.unmanaged)} unmanaged live routes and {len(plan.warnings)} warnings: see the full plan."
        if plan.unmanaged or plan.warnings
        else "",
    ]
    if impact and size(assemble([], [], short_extras, notice_for(0, 0))) > budget:
        short_extras[0] = IMPACT_DROPPED  # the replay alone leaves no room: the budget holds, the full plan has it
    kept_rows = list(rows)
    while kept_rows and size(assemble(kept_rows, [], short_extras, notice_for(len(kept_rows), 0))) > budget:
        kept_rows = kept_rows[: max(0, len(kept_rows) - max(1, len(kept_rows) // 8))]
    kept_details: list[str] = []
    for block in details[: len(kept_rows)]:
        trial = assemble(kept_rows, [*kept_details, block], short_extras, notice_for(len(kept_rows), len(rows)))
        if size(trial) > budget:
            break
        kept_details.append(block)
    return assemble(kept_rows, kept_details, short_extras, notice_for(len(kept_rows), len(kept_details)))
