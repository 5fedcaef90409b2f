"""The route map: alert sources → routes (labelled with their conditions) → escalation paths and channels, as a
Mermaid flowchart, a Graphviz dot graph, or JSON.

Pure: no I/O. Works on the route model; `reconciler graph` feeds it the route files decoded by name (offline).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reconciler.core.evaluate import describe
from reconciler.files.plaintext import kind_of
from reconciler.route import Binding, Condition, Groups, Route

__all__ = ["FORMATS", "graph_json", "render_dot", "render_graph", "render_mermaid"]

FORMATS = ("mermaid", "dot", "json")
_PREFIXES = ("alert.attributes.", "alert.")


def _condition(condition: Condition) -> str:
    text = describe(condition)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def when(groups: Groups) -> str:
    """`severity one_of [critical] and ...` / `(...) or (...)`; "" for always."""
    parts = [" and ".join(_condition(c) for c in group) for group in groups]
    if len(parts) > 1:
        return " or ".join(f"({p})" for p in parts)
    return parts[0] if parts else ""


def _literals(binding: Binding | None) -> list[str]:
    if binding is None:
        return []
    values = [binding.value] if binding.value is not None else list(binding.array or ())
    return [v.literal if v.literal is not None else f"{{{v.reference}}}" for v in values if v is not None]


def graph_json(routes: Sequence[Route], *, hide_private: bool = False) -> dict[str, Any]:
    """The map as data: every route with its sources (and their conditions), paths and channels.

    With `hide_private` (the map on GitHub), a private route is its name only: no sources, conditions or targets
    (render/private.py says why).
    """
    out: list[dict[str, Any]] = []
    for route in routes:
        if hide_private and route.is_private:
            empty: dict[str, Any] = {"sources": [], "when": "", "escalation_paths": [], "channels": []}
            out.append({"name": route.name, "enabled": route.enabled, "private": True, **empty})
            continue
        paths = [p for t in route.escalation.targets for p in _literals(t.paths)]
        channels = [c for d in route.destinations for t in (d.slack, d.teams) if t for c in _literals(t.binding)]
        out.append(
            {
                "name": route.name,
                "enabled": route.enabled,
                "sources": [{"source": s.alert_source_id, "when": when(s.groups)} for s in route.sources],
                "when": when(route.groups),
                "escalation_paths": list(dict.fromkeys(paths)),
                "channels": list(dict.fromkeys(channels)),
            }
        )
    sources = sorted({s["source"] for r in out for s in r["sources"]})
    return {"sources": sources, "routes": out}


def _mermaid_text(*lines: str) -> str:
    """A quoted Mermaid label of `lines` (shown one under the other): quotes, angle brackets, backticks and pipes as
    Mermaid's entity codes, so a name cannot break out."""
    return '"' + "<br/>".join(_mermaid_line(line) for line in lines) + '"'


def _mermaid_line(text: str) -> str:
    # A control character or line separator (a live name is not validated) would end the line: a `\r` and then
    # ``` would close the fence around the map in a PR comment. Each becomes a space, as markdown.escape does.
    text = "".join(" " if kind_of(ch) else ch for ch in text)
    escaped = text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    # A backtick opens a Mermaid "markdown string" (and, in a PR comment, could end the fence around the map).
    return escaped.replace("`", "#96;").replace("|", "#124;")


def render_mermaid(routes: Sequence[Route], *, hide_private: bool = False) -> str:
    """The map as a Mermaid flowchart; node ids (`s0`, `r1`, `p2`, `c3`) follow the order of `routes`."""
    data = graph_json(routes, hide_private=hide_private)
    ids: dict[tuple[str, str], str] = {}

    def node(kind: str, name: str) -> str:
        return ids.setdefault((kind, name), f"{kind[0]}{len(ids)}")

    lines = ["flowchart LR"]
    for source in data["sources"]:
        lines.append(f"  {node('source', source)}[{_mermaid_text(source)}]")
    edges = []
    for route in data["routes"]:
        label = [route["name"] + ("" if route["enabled"] else " (disabled)")]
        label += [f"when {route['when']}"] if route["when"] else []
        label += ["🔒 private: not shown on GitHub"] if route.get("private") else []
        r = node("route", route["name"])
        lines.append(f"  {r}[{_mermaid_text(*label)}]")
        for source in route["sources"]:
            arrow = f"-->|{_mermaid_text(source['when'])}|" if source["when"] else "-->"
            edges.append(f"  {node('source', source['source'])} {arrow} {r}")
        for path in route["escalation_paths"]:
            new = ("path", path) not in ids
            p = node("path", path)
            if new:
                lines.append(f"  {p}([{_mermaid_text('page ' + path)}])")
            edges.append(f"  {r} --> {p}")
        for channel in route["channels"]:
            new = ("channel", channel) not in ids
            c = node("channel", channel)
            if new:
                lines.append(f"  {c}[/{_mermaid_text(channel)}/]")
            edges.append(f"  {r} -.-> {c}")
    return "\n".join(lines + edges) + "\n"


def _dot_text(*lines: str) -> str:
    """A dot string of `lines` (shown one under the other)."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def render_dot(routes: Sequence[Route]) -> str:
    data = graph_json(routes)
    lines = ["digraph routes {", "  rankdir=LR;"]
    for source in data["sources"]:
        lines.append(f"  {_dot_text('source:' + source)} [label={_dot_text(source)}, shape=box];")
    for route in data["routes"]:
        rid = _dot_text("route:" + route["name"])
        label = _dot_text(route["name"], f"when {route['when']}") if route["when"] else _dot_text(route["name"])
        lines.append(f"  {rid} [label={label}];")
        for source in route["sources"]:
            attrs = f" [label={_dot_text(source['when'])}]" if source["when"] else ""
            lines.append(f"  {_dot_text('source:' + source['source'])} -> {rid}{attrs};")
        for path in route["escalation_paths"]:
            pid = _dot_text("path:" + path)
            lines.append(f"  {pid} [label={_dot_text('page ' + path)}, shape=oval];")
            lines.append(f"  {rid} -> {pid};")
        for channel in route["channels"]:
            cid = _dot_text("channel:" + channel)
            lines.append(f"  {cid} [label={_dot_text(channel)}, shape=note];")
            lines.append(f"  {rid} -> {cid} [style=dashed];")
    return "\n".join([*lines, "}"]) + "\n"


def render_graph(routes: Sequence[Route], fmt: str) -> str:
    if fmt == "dot":
        return render_dot(routes)
    if fmt == "json":
        return json.dumps(graph_json(routes), indent=2, ensure_ascii=False) + "\n"
    return render_mermaid(routes)
