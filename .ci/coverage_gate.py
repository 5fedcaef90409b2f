"""Coverage as a gate, after `pytest` (whose addopts collect branch coverage into .coverage): print the whole package's
figure, and fail unless the pure core is at 100 % branch coverage, listing every missing line and branch.

The pure core is tests/test_repo.py's PURE_MODULES (one list for the no-I/O rule and for this gate, so a new pure
module is gated the day it is added) plus the route-file loader, files/load*.py. Run from the repository root:
`.venv/bin/python .ci/coverage_gate.py [DATA_FILE]` (default: .coverage, where pytest-cov writes).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import coverage

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "reconciler"
sys.path.insert(0, str(REPO))

from tests.test_repo import PURE_MODULES  # noqa: E402  (the path above makes the tests package importable)

GATED = [*PURE_MODULES, "files/load*.py"]
REQUIRED = 100.0


def gated_files() -> list[str]:
    return sorted({str(path) for pattern in GATED for path in PACKAGE.glob(pattern)})


def main(data: Path = REPO / ".coverage") -> int:
    if not data.is_file():
        print(f"coverage gate: no coverage data at {data} (run pytest first)", file=sys.stderr)
        return 1
    cov = coverage.Coverage(data_file=str(data))
    cov.load()
    whole = cov.report(file=io.StringIO(), skip_covered=False)
    print(f"coverage, whole package (in-process, branch): {whole:.2f} %")
    files = gated_files()
    print(f"coverage, pure core ({len(files)} files; files not shown are at 100 %):")
    pure = cov.report(include=files, show_missing=True, skip_covered=True, skip_empty=True)
    if pure < REQUIRED:
        print(f"coverage gate FAILED: the pure core is at {pure:.2f} %, {REQUIRED:.0f} % is required", file=sys.stderr)
        print("(the Missing column lists uncovered lines and branches as `line->line`; write tests for them)")
        return 1
    print(f"coverage gate passed: pure core at {pure:.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / ".coverage"))
