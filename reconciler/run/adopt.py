"""`drift --adopt`: write the live state of dashboard edits back into their route files, and unmanaged live routes
into new files in the export style.

Each edited file is checked before it is written: it must read back (decode against the catalog) as exactly the live
route. A file that would not is left as it was and reported, never half adopted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reconciler.core.diff import same
from reconciler.core.drift import DriftEntry, DriftKind, DriftReport
from reconciler.errors import ReconcilerError
from reconciler.files.adopt import adopt_text
from reconciler.files.decode import decode_route
from reconciler.files.load import load_route_bytes
from reconciler.model import Catalog, LiveRoute
from reconciler.run.export import export_files, write_files


@dataclass(frozen=True)
class Adopted:
    """What adopting wrote: files edited, files created, and routes it could not adopt (with why)."""

    edited: tuple[Path, ...] = ()
    created: tuple[Path, ...] = ()
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (route name, why)

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(sorted(self.edited + self.created))


def adoptable(report: DriftReport) -> list[DriftEntry]:
    """The entries adopting acts on: dashboard edits (with a file) and unmanaged live routes."""
    return [
        e
        for e in report.entries
        if (e.kind is DriftKind.DASHBOARD_EDIT and e.source and e.live is not None) or e.kind is DriftKind.UNMANAGED
    ]


def adopt_edit(entry: DriftEntry, catalog: Catalog) -> str:
    """The new text of the entry's route file, with the live state adopted; raises ReconcilerError when the edited
    file would not read back as the live route."""
    path = Path(entry.source or "")
    text = path.read_text(encoding="utf-8")
    adopted = adopt_text(text, entry.git_doc, entry.live_doc)
    desired, problems = decode_route(load_route_bytes(adopted.encode("utf-8"), str(path)), catalog)
    if desired is None or entry.live is None or not same(desired.route, entry.live):
        detail = "; ".join(str(p) for p in problems) or "it would not read back as the live route"
        raise ReconcilerError(f"{path}: cannot adopt the live state in place: {detail}")
    return adopted


def adopt(report: DriftReport, catalog: Catalog, routes_dir: Path, unmanaged: list[LiveRoute]) -> Adopted:
    """Adopt every dashboard edit into its file and write a new file for each of the `unmanaged` live routes."""
    edited: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for entry in adoptable(report):
        if entry.kind is not DriftKind.DASHBOARD_EDIT:
            continue
        try:
            text = adopt_edit(entry, catalog)
        except (ReconcilerError, OSError) as exc:
            skipped.append((entry.name, str(exc)))
            continue
        path = Path(entry.source or "")
        path.write_text(text, encoding="utf-8")
        edited.append(path)
    taken = [p.stem for p in routes_dir.glob("*.yaml")] + [p.stem for p in routes_dir.glob("*.yml")]
    files = export_files(unmanaged, catalog, taken=taken) if unmanaged else {}
    created = write_files(routes_dir, files, overwrite=False) if files else []
    return Adopted(edited=tuple(edited), created=tuple(created), skipped=tuple(skipped))
