"""Where the emulator keeps incidents: in creation order, indexed by idempotency key and by reference number."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.emulator.errors import WireError
from reconciler.emulator.runtime import Emulator
from reconciler.emulator.state import Obj


@dataclass
class IncidentStore:
    """Incidents in creation order, with indexes by idempotency key and by reference number."""

    incidents: dict[str, Obj] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)
    notifications: list[Obj] = field(default_factory=list)

    def by_number(self, number: int) -> Obj | None:
        if 1 <= number <= len(self.order):
            return self.incidents[self.order[number - 1]]
        return None


def store(emu: Emulator) -> IncidentStore:
    """The incidents of this emulator's state (kept beside it, so a new state starts with none)."""
    found = getattr(emu.state, "_incident_store", None)
    if not isinstance(found, IncidentStore):
        found = IncidentStore()
        setattr(emu.state, "_incident_store", found)  # noqa: B010 - kept beside the state, under this name
    return found


def add(emu: Emulator, incident: Obj, idempotency_key: str) -> None:
    s = store(emu)
    s.incidents[incident["id"]] = incident
    s.order.append(incident["id"])
    s.by_key[idempotency_key] = incident["id"]


def find(emu: Emulator, ident: str) -> Obj:
    """An incident by full id or by the number of its reference (`123` for INC-123); 404 otherwise."""
    s = store(emu)
    found = s.incidents.get(ident)
    if found is None and ident.isdigit():
        found = s.by_number(int(ident))
    if found is None:
        raise WireError.one(404, "not_found", "The incident was not found", "id")
    return found
