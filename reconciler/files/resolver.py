"""Names in route files → ids: entities by name, Slack and Teams channels, attributes in references, the Values
forms of bindings, and conditions (the base of `reconciler.files.decode`).

Pure: no I/O. Every name is looked up in the `Catalog` (an exact id wins over a name; users by email; channels
through `routes/channels.yaml`); an unknown or ambiguous name is a located `Problem` listing the closest names or the
matching ids. Raw forms (`binding:`, `param_bindings:`) are the API's own shapes, read by the wire readers.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, Protocol

from reconciler.errors import JsonPath, Location, Problem, json_path
from reconciler.files import references as refs
from reconciler.model import Catalog
from reconciler.route import Binding, Condition, Groups, Value
from reconciler.wire import common as wire


class RouteDocLike(Protocol):
    """What decoding needs of a loaded route file (`reconciler.files.load.RouteDoc`)."""

    @property
    def path(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...

    def location(self, path: JsonPath) -> Location: ...


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class Resolver:
    """Looks names up for one route file and collects every problem, located."""

    def __init__(self, doc: RouteDocLike, catalog: Catalog) -> None:
        self.doc = doc
        self.catalog = catalog
        self.problems: list[Problem] = []
        self.attributes: dict[str, str] = {}  # attribute key as written -> id

    def problem(self, path: JsonPath, message: str) -> None:
        self.problems.append(Problem(self.doc.location(path), json_path(path), message))

    def lookup(self, kind: str, value: Any, path: JsonPath) -> str:
        if not isinstance(value, str) or not value:
            self.problem(path, f"expected the name or id of a {refs.KINDS[kind][0]}, got {value!r}")
            return str(value)
        found, why = refs.lookup(self.catalog, kind, value)
        if found is None:
            self.problem(path, why)
            return value
        return found

    def channel(self, value: str, path: JsonPath, kind: str) -> str:
        channels = self.catalog.slack_channels if kind == "slack" else self.catalog.teams_channels
        if kind == "slack" and not value.startswith("#"):
            return value  # a raw Slack channel id
        found = channels.get(value)
        if found is not None:
            return found
        if kind == "teams":
            return value  # a raw Teams channel id (names in the map are optional)
        message = f'unknown Slack channel "{value}" (not in routes/channels.yaml)'
        closest = difflib.get_close_matches(value, sorted(channels), n=3)
        self.problem(path, f"{message}; closest: {refs.quoted(closest)}" if closest else message)
        return value

    def literal(self, value: Any, path: JsonPath, kind: str | None) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        if kind is None:
            return value if isinstance(value, str) else str(value)
        if kind in ("slack", "teams"):
            return self.channel(str(value), path, kind)
        return self.lookup(kind, value, path)

    def item(self, value: Any, path: JsonPath, kind: str | None) -> Value:
        if isinstance(value, Mapping):  # {reference: ...} or a raw {literal: ...}
            raw = wire.value(refs.map_references(dict(value), self.mapped))
            return raw
        return Value(literal=self.literal(value, path, kind))

    def values(self, value: Any, path: JsonPath, kind: str | None = None) -> Binding:
        """A Values form (string, list, `{reference}`, raw binding) → a binding."""
        if isinstance(value, list):
            return Binding(array=tuple(self.item(v, (*path, i), kind) for i, v in enumerate(value)))
        if isinstance(value, Mapping):
            if "reference" in value or "literal" in value:
                return Binding(value=self.item(value, path, kind))
            return self.raw(value)
        return Binding(value=Value(literal=self.literal(value, path, kind)))

    def raw(self, value: Any) -> Binding:
        """A raw API binding (`{value: ...}` / `{array_value: ...}`): ids, passed through."""
        return wire.binding(refs.map_references(dict(as_map(value)), self.mapped)) or Binding()

    def reference(self, reference: str, path: JsonPath) -> str:
        split = refs.split_attribute(reference)
        if split is None:
            return reference
        attribute_id = self.lookup("alert_attribute", split[0], path)
        self.attributes[split[0]] = attribute_id
        return f"{refs.ATTRIBUTE_PREFIX}{attribute_id}{split[1]}"

    def collect_references(self, value: Any, path: JsonPath) -> None:
        """Look up every attribute named in a reference, so each unknown one is reported where it is written."""
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key in refs.REFERENCE_KEYS and isinstance(item, str):
                    self.reference(item, (*path, key))
                elif key in ("grouping_keys", "keys") and isinstance(item, list):
                    for i, grouping_key in enumerate(item):
                        if isinstance(grouping_key, str):
                            self.reference(grouping_key, (*path, key, i))
                self.collect_references(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.collect_references(item, (*path, i))

    def mapped(self, reference: str) -> str:
        split = refs.split_attribute(reference)
        if split is None or split[0] not in self.attributes:
            return reference
        return f"{refs.ATTRIBUTE_PREFIX}{self.attributes[split[0]]}{split[1]}"

    def condition(self, condition: Any, path: JsonPath) -> Condition:
        item = as_map(condition)
        params: tuple[Binding, ...]
        if "values" in item:
            params = (self.values(as_list(item["values"]), (*path, "values")),)
        elif "value" in item:
            params = (self.values(item["value"], (*path, "value")),)
        else:
            params = tuple(
                self.values(b, (*path, "param_bindings", i)) for i, b in enumerate(as_list(item.get("param_bindings")))
            )
        subject = self.mapped(str(item.get("subject") or ""))
        operation = refs.stored_operation(subject, str(item.get("operation") or ""), self.catalog)
        return Condition(subject=subject, operation=operation, params=params)

    def groups(self, owner: Mapping[str, Any], path: JsonPath) -> Groups:
        """`conditions:` (one AND group) or `condition_groups:` (raw OR of ANDs) of `owner`."""
        if "conditions" in owner and "condition_groups" in owner:
            self.problem((*path, "conditions"), "conditions and condition_groups are mutually exclusive")
        if "conditions" in owner:
            conditions = as_list(owner["conditions"])
            if not conditions:
                return ()
            return (tuple(self.condition(c, (*path, "conditions", i)) for i, c in enumerate(conditions)),)
        return tuple(
            tuple(
                self.condition(c, (*path, "condition_groups", g, "conditions", i))
                for i, c in enumerate(as_list(as_map(group).get("conditions")))
            )
            for g, group in enumerate(as_list(owner.get("condition_groups")))
        )
