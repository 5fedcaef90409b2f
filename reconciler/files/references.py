"""How route files name things: catalog entities by name and back, alert attributes inside references, and the
operations the server rewrites for some subjects.

Pure: no I/O. A name is written only where it resolves back to the same id (unique, not another entity's id, and
writable inside a reference); otherwise the id stays. Slack channels are named through the channel map
(`routes/channels.yaml`), users by email.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reconciler.model import Catalog, Entity

# kind -> (what people call it, Catalog attribute). Users are written by email (their Entity.name).
KINDS: Mapping[str, tuple[str, str]] = {
    "alert_source": ("alert source", "alert_sources"),
    "alert_attribute": ("alert attribute", "alert_attributes"),
    "escalation_path": ("escalation path", "escalation_paths"),
    "severity": ("severity", "severities"),
    "incident_type": ("incident type", "incident_types"),
    "custom_field": ("custom field", "custom_fields"),
    "user": ("user", "users"),
    "team": ("team", "teams"),
}
ATTRIBUTE_PREFIX = "alert.attributes."
TEXT_SUBJECTS = frozenset({"alert.title", "alert.description", "alert.source_url"})
TEXT_TYPES = frozenset({"String", "Link", "TemplatedText"})
# Keys whose string values are engine references (`alert.attributes.<id>`), wherever they appear in a route.
REFERENCE_KEYS = frozenset({"subject", "reference", "root_reference"})
_ATTRIBUTE_KEY = re.compile(r"[^.\[\]]+")
_UNSAFE_IN_REFERENCE = frozenset(".[]{}")


def entities(catalog: Catalog, kind: str) -> Sequence[Entity]:
    found: Sequence[Entity] = getattr(catalog, KINDS[kind][1])
    return found


def same_name(kind: str, a: str, b: str) -> bool:
    """Names compare exactly; emails case-insensitively."""
    return a.casefold() == b.casefold() if kind == "user" else a == b


def lookup(catalog: Catalog, kind: str, value: str) -> tuple[str | None, str]:
    """`(id, "")` for the entity `value` names (an id wins over a name), or `(None, why)` when it names none."""
    label = KINDS[kind][0]
    pool = entities(catalog, kind)
    if any(e.id == value for e in pool):
        return value, ""
    matches = [e for e in pool if same_name(kind, e.name, value)]
    if len(matches) == 1:
        return matches[0].id, ""
    if matches:
        ids = ", ".join(e.id for e in matches)
        return None, f'ambiguous {label} "{value}": matches ids {ids}; write one of the ids instead'
    return None, unknown(label, value, sorted({e.name for e in pool}))


def quoted(values: Sequence[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def unknown(label: str, value: str, names: Sequence[str]) -> str:
    """`unknown alert source "Datadg"; closest: "Datadog"`."""
    message = f'unknown {label} "{value}"'
    closest = difflib.get_close_matches(value, names, n=3)
    return f"{message}; closest: {quoted(closest)}" if closest else message


def name_for(catalog: Catalog, kind: str, entity_id: str) -> str:
    """The name to write for `entity_id`: its name when that resolves back to it, else the id itself."""
    pool = entities(catalog, kind)
    entity = next((e for e in pool if e.id == entity_id), None)
    if entity is None or not entity.name or any(e.id == entity.name for e in pool):
        return entity_id
    if sum(1 for e in pool if same_name(kind, e.name, entity.name)) != 1:
        return entity_id
    if kind == "alert_attribute" and (entity.name != entity.name.strip() or _UNSAFE_IN_REFERENCE & set(entity.name)):
        return entity_id
    return entity.name


def channel_name(channels: Mapping[str, str], channel_id: str, *, marker: str = "#") -> str | None:
    """The mapped name of a channel id (None for a literal that would read as a name); else the id itself."""
    if marker and channel_id.startswith(marker):
        return None
    if channel_id in channels:
        return None  # an id that is also a name in the map would resolve to another channel
    names = [name for name, value in channels.items() if value == channel_id]
    return names[0] if len(names) == 1 and names[0] != channel_id else channel_id


def split_attribute(reference: str) -> tuple[str, str] | None:
    """`alert.attributes.<key>.rest` → (`<key>`, `.rest`); None for references that name no attribute."""
    if not reference.startswith(ATTRIBUTE_PREFIX):
        return None
    rest = reference[len(ATTRIBUTE_PREFIX) :]
    match = _ATTRIBUTE_KEY.match(rest)
    if match is None:
        return None
    return match.group(0), rest[match.end() :]


def map_references(value: Any, mapper: Callable[[str], str]) -> Any:
    """A copy of `value` with `mapper` applied to every reference string (subjects, references, root references)."""
    if isinstance(value, Mapping):
        return {
            key: mapper(item) if key in REFERENCE_KEYS and isinstance(item, str) else map_references(item, mapper)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [map_references(item, mapper) for item in value]
    return value


def reference_names(catalog: Catalog) -> Callable[[str], str]:
    """A mapper from `alert.attributes.<id>` to `alert.attributes.<name>` where the name resolves back."""

    def mapper(reference: str) -> str:
        split = split_attribute(reference)
        if split is None:
            return reference
        return f"{ATTRIBUTE_PREFIX}{name_for(catalog, 'alert_attribute', split[0])}{split[1]}"

    return mapper


def subject_kind(subject: str, catalog: Catalog) -> str:
    """`text`, `catalog` or `other`: which server rewrite applies to conditions on `subject`."""
    if subject in TEXT_SUBJECTS:
        return "text"
    if subject.startswith(ATTRIBUTE_PREFIX):
        attribute_id = subject[len(ATTRIBUTE_PREFIX) :]
        for attribute in catalog.alert_attributes:
            if attribute.id == attribute_id:
                kind = str(attribute.extra.get("type", ""))
                if kind in TEXT_TYPES:
                    return "text"
                if kind.startswith("CatalogEntry"):
                    return "catalog"
    return "other"


def stored_operation(subject: str, operation: str, catalog: Catalog) -> str:
    """The operation as the server stores it: `one_of` on text is `contains_one_of`, `contains` on a catalog entry
    is `name_contains`."""
    if operation == "one_of" and subject_kind(subject, catalog) == "text":
        return "contains_one_of"
    if operation == "contains" and subject_kind(subject, catalog) == "catalog":
        return "name_contains"
    return operation


def stored_operations(value: Any, catalog: Catalog) -> Any:
    """A copy of JSON (expressions) with every condition's operation as the server stores it."""
    return _operations(value, catalog, stored_operation)


def written_operations(value: Any, catalog: Catalog) -> Any:
    """A copy of JSON (expressions) with every condition's operation as people write it."""
    return _operations(value, catalog, written_operation)


def _operations(value: Any, catalog: Catalog, rewrite: Callable[[str, str, Catalog], str]) -> Any:
    if isinstance(value, Mapping):
        out = {key: _operations(item, catalog, rewrite) for key, item in value.items()}
        if isinstance(out.get("subject"), str) and isinstance(out.get("operation"), str):
            out["operation"] = rewrite(out["subject"], out["operation"], catalog)
        return out
    if isinstance(value, list | tuple):
        return [_operations(item, catalog, rewrite) for item in value]
    return value


def written_operation(subject: str, operation: str, catalog: Catalog) -> str:
    """The operation as people write it (`one_of`, `contains`): the inverse of `stored_operation`."""
    if operation == "contains_one_of" and subject_kind(subject, catalog) == "text":
        return "one_of"
    if operation == "name_contains" and subject_kind(subject, catalog) == "catalog":
        return "contains"
    return operation
