"""Adopting live into a route file: rewrite only what differs, keeping the file as people wrote it.

Pure: text in, text out. A three-way merge over the file's YAML (ruamel.yaml's round-trip mode, which keeps
comments, key order, quoting and flow lists): `git_doc` is the route as the file means it and `live_doc` as
incident.io holds it, both in the export format. Where the two agree the file is left exactly as written, short
forms and all; where they differ the file's node is edited in place (a mapping key by key, a list of the same length
item by item), and only where the shapes no longer line up is a node replaced, in the export style but keeping a
flow list flow and a quoted string quoted.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from reconciler.files.safe_yaml import KEY_ORDER

_RANK = {key: rank for rank, key in enumerate(KEY_ORDER)}


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # never fold a long line the file did not fold
    yaml.indent(mapping=2, sequence=2, offset=0)  # the export style: list dashes level with their key
    return yaml


def adopt_text(text: str, git_doc: Mapping[str, Any], live_doc: Mapping[str, Any]) -> str:
    """`text` (a route file meaning `git_doc`) edited to mean `live_doc`, touching only the fields that differ."""
    yaml = _yaml()
    data = yaml.load(text)
    merged = _merge(data, git_doc, live_doc)
    out = io.StringIO()
    yaml.dump(merged, out)
    return out.getvalue()


def _ordered_keys(doc: Mapping[str, Any]) -> list[str]:
    return sorted(doc, key=lambda key: (_RANK.get(key, len(_RANK)), key))


def _merge(node: Any, old: Any, new: Any) -> Any:
    """`node` (the file's) turned from meaning `old` into meaning `new`; returns the node to keep in its place."""
    if old == new:
        return node
    if isinstance(node, CommentedMap) and isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [k for k in node if k in old and k not in new]:
            del node[key]
        previous: str | None = None
        for key in _ordered_keys(new):
            if key in node:
                if key in old:
                    node[key] = _merge(node[key], old[key], new[key])
                elif node[key] != new[key]:  # written out in the file though the export leaves it out
                    node[key] = _fresh(node[key], new[key])
            else:
                keys = list(node)
                position = keys.index(previous) + 1 if previous in keys else 0
                node.insert(position, key, _fresh(None, new[key]))
            previous = key
        return node
    if (
        isinstance(node, CommentedSeq)
        and isinstance(old, list)
        and isinstance(new, list)
        and len(node) == len(old) == len(new)
    ):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            node[index] = _merge(node[index], before, after)
        return node
    return _fresh(node, new)


def _fresh(node: Any, value: Any) -> Any:
    """`value` as a new YAML node in the export style, in the flow or quoting style of the `node` it replaces."""
    if isinstance(value, Mapping):
        fresh_map = CommentedMap()
        for key in _ordered_keys(value):
            fresh_map[key] = _fresh(None, value[key])
        return fresh_map
    if isinstance(value, list):
        fresh_seq = CommentedSeq([_fresh(None, item) for item in value])
        if isinstance(node, CommentedSeq) and node.fa.flow_style():
            fresh_seq.fa.set_flow_style()
        return fresh_seq
    if isinstance(value, str):
        if isinstance(node, SingleQuotedScalarString):
            return SingleQuotedScalarString(value)
        if isinstance(node, DoubleQuotedScalarString):
            return DoubleQuotedScalarString(value)
    return value
