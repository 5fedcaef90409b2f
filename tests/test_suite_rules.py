"""Rules for the test suite itself: no test reads a real clock, so no test can fail because the machine is busy; and
the coverage gate that CI runs after it.

A unit test that measures elapsed wall-clock time and compares it with a figure passes on a quiet machine and fails on
a busy one. Time in tests comes from a fake clock instead (looptime's event loop, an injected `sleep`/`clock`), or the
test asserts on the delay the code computed. Timing targets are figures, and live in benchmarks/.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import coverage
import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

# The clocks of the `time` module that read real time (time.sleep is no reading: a test may wait, not measure).
REAL_CLOCKS = {
    name + suffix
    for name in ("time", "monotonic", "perf_counter", "process_time", "thread_time")
    for suffix in ("", "_ns")
}

# Test modules allowed to read a real clock, with the reason. Empty, and it should stay so.
ALLOWED: dict[str, str] = {}


def clock_reads(source: str) -> list[int]:
    """The lines of `source` that read a real clock.

    A read is a call of one of `REAL_CLOCKS` through the `time` module (`time.monotonic()`) or imported from it
    (`from time import perf_counter`), or `datetime.now()`/`utcnow()`, or an event loop's `.time()` in a module that
    does not use looptime (whose loops keep fake time that only moves when something sleeps).
    """
    tree = ast.parse(source)
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "time"
        for alias in node.names
        if alias.name in REAL_CLOCKS
    }
    fake_loops = any(
        isinstance(node, ast.Import) and any(alias.name == "looptime" for alias in node.names)
        for node in ast.walk(tree)
    )
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in imported:
            lines.append(node.lineno)
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if (
                (owner == "time" and func.attr in REAL_CLOCKS)
                or (owner == "datetime" and func.attr in ("now", "utcnow"))
                or (func.attr == "time" and owner != "time" and not fake_loops and not node.args)
            ):
                lines.append(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import time\nstart = time.monotonic()\nassert time.monotonic() - start < 0.2\n", [2, 3]),
        ("from time import perf_counter as pc\nt = pc()\n", [2]),
        ("import time\nx = time.perf_counter_ns()\n", [2]),
        ("from datetime import datetime\nnow = datetime.now()\n", [2]),
        ("import asyncio\nloop = asyncio.new_event_loop()\nt = loop.time()\n", [3]),
        ("import looptime\nloop = looptime.new_event_loop(start=0)\nt = loop.time()\n", []),  # a fake clock
        ("import time\ntime.sleep(0.01)\n", []),
        ("from datetime import datetime\nd = datetime.fromtimestamp(0)\n", []),
    ],
)
def test_the_rule_finds_real_clock_reads(source: str, expected: list[int]) -> None:
    assert clock_reads(source) == expected


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_no_test_reads_a_real_clock(path: Path) -> None:
    if path.name in ALLOWED:
        pytest.skip(ALLOWED[path.name])
    lines = clock_reads(path.read_text(encoding="utf-8"))
    assert not lines, (
        f"{path.name} reads a real clock at line(s) {lines}: a measured duration depends on the machine's load. "
        "Use a fake clock (looptime, an injected clock/sleep) or assert on the computed delay; timing targets "
        "belong in benchmarks/."
    )


def test_the_allowlist_is_empty() -> None:
    assert ALLOWED == {}


def _gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_gate", REPO / ".ci" / "coverage_gate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_runs_the_coverage_gate_after_the_suite() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index(".venv/bin/python -m pytest\n") < script.index(".venv/bin/python .ci/coverage_gate.py\n")


def test_the_gate_holds_the_pure_core_and_the_loader() -> None:
    gated = {Path(f).relative_to(REPO).as_posix() for f in _gate().gated_files()}
    for name in ("errors.py", "model.py", "route.py", "files/validate.py", "files/load.py", "core/plan.py"):
        assert f"reconciler/{name}" in gated
    assert "reconciler/api/client.py" not in gated and "reconciler/cli/plan.py" not in gated


def test_the_gate_fails_below_100_percent_and_names_the_missing_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = _gate()
    target = str(REPO / "reconciler" / "errors.py")
    source = Path(target).read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(source, 1) if line.startswith(("def ", "class ")))
    data = coverage.CoverageData(basename=str(tmp_path / ".coverage"))
    data.add_arcs({target: {(-1, 1), (1, first), (first, -1)}})  # the module ran up to its first definition
    data.write()
    assert gate.main(tmp_path / ".coverage") == 1
    out = capsys.readouterr()
    assert "coverage gate FAILED: the pure core is at " in out.err
    assert "reconciler/errors.py" in out.out and "Missing" in out.out
    assert gate.main(tmp_path / "absent") == 1
    assert "no coverage data at" in capsys.readouterr().err


@pytest.mark.untraced
def test_a_not_measured_test_runs_untraced() -> None:
    # conftest's NOT_MEASURED lists this test: under pytest-cov, in one process or in xdist workers, its body runs with
    # no tracer at all (a worker once kept a second coverage running, which took over when the first paused).
    assert sys.gettrace() is None
