"""Reading a plan file from disk: never more than the reader's size cap, every failure a one-line `ConfigError`."""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ConfigError
from reconciler.planfile.decode import MAX_PLAN_BYTES
from reconciler.planfile.read import PlanFile, load_plan


def read_plan_file(path: Path, *, source: str | None = None) -> PlanFile:
    """`load_plan` of the file at `path`, reading at most `MAX_PLAN_BYTES` + 1 bytes (enough to know it is too big)."""
    name = source if source is not None else str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the plan file: {exc.strerror or type(exc).__name__}") from None
    return load_plan(data, source=name)
