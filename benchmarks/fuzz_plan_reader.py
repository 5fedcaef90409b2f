"""Coverage-guided fuzzing of the plan reader (`reconciler.planfile.load_plan`) with atheris (libFuzzer).

Run: `pip install -e '.[fuzz]'`, then `PYTHONPATH=. python benchmarks/fuzz_plan_reader.py [--minutes 10]`.

The goal is 0 crashes. A crash is any exception from `load_plan` that is not a `ReconcilerError` (the one-line
refusals the CLI prints), or a call that takes over 1 s. Every input is tried twice: as it is, and, when it parses as
a JSON object, resealed (its review fingerprint and checksum recomputed, as a forger would), so that the fuzzer gets
past the seal into the schema, the consistency rules and the building of the plan.

The parent process writes the seed corpus (valid plan files and the malformed files of
tests/test_planfile_malformed.py), a libFuzzer dictionary of the format's keys, and runs the fuzzer in a child
process whose imports of reconciler and jsonschema are instrumented for coverage. The child records each distinct
crash (exception type and where it was raised) with its input; the parent prints executions, coverage, corpus size,
crashes and hangs, and exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HANG_SECONDS = 1.0
MAX_LEN = 64 * 1024


# --- the worker (child process) -------------------------------------------------------------------------------------


def worker(out: Path, corpus: Path, seconds: int, dictionary: Path) -> None:
    import atheris

    with atheris.instrument_imports(include=["reconciler", "jsonschema"]):
        from reconciler.errors import ReconcilerError
        from reconciler.planfile import load_plan, plan_checksum
        from reconciler.planfile.write import FORMAT_VERSION, sha256_hex

    reviewed = ("action", "name", "route_id", "live_version", "desired", "live", "desired_doc", "live_doc", "fields")
    seen: set[str] = set()

    def record(kind: str, data: bytes, detail: str, where: str) -> None:
        signature = hashlib.sha256(f"{kind}|{where}".encode()).hexdigest()[:16]
        if signature in seen:
            return
        seen.add(signature)
        (out / f"{kind}-{signature}.bin").write_bytes(data)
        (out / f"{kind}-{signature}.txt").write_text(f"{where}\n{detail}\n", encoding="utf-8")

    def attempt(data: bytes) -> None:
        start = time.perf_counter()
        try:
            load_plan(data, source="fuzz.json")
        except ReconcilerError:
            pass
        except Exception as exc:  # anything else is what the fuzzer looks for
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if "reconciler" in f.filename] or frames
            where = f"{type(exc).__name__} at {ours[-1].filename}:{ours[-1].lineno}" if ours else type(exc).__name__
            record("crash", data, "".join(traceback.format_exception(exc)), where)
        elapsed = time.perf_counter() - start
        if elapsed > HANG_SECONDS:
            record("hang", data, f"{elapsed:.2f} s", f"{len(data)} bytes")

    def resealed(data: bytes) -> bytes | None:
        try:
            doc: Any = json.loads(data)
            if not isinstance(doc, dict):
                return None
            changes = doc.get("changes")
            if isinstance(changes, list) and all(isinstance(c, dict) for c in changes):
                picked = [{key: c.get(key) for key in reviewed} for c in changes]
                doc["review"] = sha256_hex({"format_version": FORMAT_VERSION, "changes": picked})
            doc["checksum"] = plan_checksum(doc)
            return json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except (ValueError, RecursionError, TypeError):  # not JSON, NaN, surrogates, too deep for the harness
            return None

    def one_input(data: bytes) -> None:
        attempt(data)
        again = resealed(data)
        if again is not None:
            attempt(again)

    atheris.Setup(
        [
            sys.argv[0],
            str(corpus),
            f"-max_total_time={seconds}",
            f"-max_len={MAX_LEN}",
            f"-dict={dictionary}",
            "-timeout=30",
            "-rss_limit_mb=4096",
            "-print_final_stats=1",
            f"-artifact_prefix={out}/libfuzzer-",
        ],
        one_input,
    )
    atheris.Fuzz()


# --- the parent: seeds, run, report ---------------------------------------------------------------------------------


def seeds() -> dict[str, bytes]:
    from reconciler.model import ChangedFrom, Plan, Targets
    from tests.test_planfile import document, sample_plan
    from tests.test_planfile_malformed import CASES

    doc = document()
    found = {
        "valid-indented": json.dumps(doc, indent=2, ensure_ascii=False).encode(),
        "valid-compact": json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(),
        "valid-empty-plan": json.dumps(document(Plan())).encode(),
        "valid-creates-only": json.dumps(document(Plan(changes=sample_plan().changes[:1]))).encode(),
        "valid-changed-from": json.dumps(
            document(
                Plan(
                    changes=sample_plan().changes[:1],
                    targets=Targets(
                        names=("Prod [EU]",),
                        ids=("01ABC",),
                        unread=998,
                        changed_from=ChangedFrom("origin/main", "a" * 40, ("routes/a.yaml -> routes/b.yaml",)),
                    ),
                )
            )
        ).encode(),
    }
    for name, build, _error, _message in CASES:
        if name in {"too-big", "too-many-brackets"}:
            continue
        data = build()
        if len(data) <= MAX_LEN:
            found[f"malformed-{name}"] = data
    return found


def dictionary_tokens() -> list[str]:
    from reconciler.planfile import plan_schema

    schema = json.dumps(plan_schema())
    keys = sorted(set(re.findall(r'"([a-z_]+)": \{', schema)) | {"create", "update", "delete"})
    tokens = [json.dumps(f'"{key}"') for key in keys]
    tokens += [json.dumps(t) for t in ("true", "false", "null", "[]", "{}", '":"', "1e999", "NaN", "-0", "\\ud800")]
    return tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz [default: 10]")
    parser.add_argument("--work-dir", type=Path, help="where the corpus and crashes go [default: a temporary folder]")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="fuzz-plan-reader-"))
    corpus, out, dictionary = work / "corpus", work / "findings", work / "plan.dict"
    seconds = max(1, round(args.minutes * 60))
    if args.worker:
        worker(out, corpus, seconds, dictionary)
        return 0
    try:
        import atheris
    except ImportError:
        atheris = None
    if atheris is None:
        print("atheris is not installed: pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    corpus.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds().items():
        (corpus / f"seed-{name}").write_bytes(data)
    dictionary.write_text("\n".join(dictionary_tokens()) + "\n", encoding="utf-8")
    seeded = len(list(corpus.iterdir()))
    print(f"Fuzzing load_plan for {seconds} s from {seeded} seeds in {work}", flush=True)
    log = work / "libfuzzer.log"
    started = time.monotonic()
    with log.open("wb") as stderr:
        command = [sys.executable, __file__, "--worker", "--work-dir", str(work), "--minutes", str(args.minutes)]
        child = subprocess.run(command, stderr=stderr, env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
    took = time.monotonic() - started
    text = log.read_text(encoding="utf-8", errors="replace")
    return report(text, out, corpus, child.returncode, took, seeded)


def report(log: str, out: Path, corpus: Path, code: int, took: float, seeded: int) -> int:
    runs = re.findall(r"Done (\d+) runs in (\d+) second", log)
    stats = dict(re.findall(r"stat::(\w+):\s+(\d+)", log))
    coverage = re.findall(r"cov: (\d+) ft: (\d+)", log)
    executions = int(runs[-1][0]) if runs else int(stats.get("number_of_executed_units", 0))
    crashes = sorted(out.glob("crash-*.txt"))
    hangs = sorted(out.glob("hang-*.txt"))
    killed = sorted(out.glob("libfuzzer-*"))  # what libFuzzer itself caught: a timeout, out of memory, a signal
    print(f"Ran {took:.0f} s: {executions:,} executions ({executions / max(took, 1):,.0f}/s), each input also resealed")
    if coverage:
        print(
            f"Coverage: {coverage[-1][0]} edges, {coverage[-1][1]} features; corpus {seeded} seeds → "
            f"{len(list(corpus.iterdir()))} inputs"
        )
    print(f"Distinct crashes (exceptions other than ReconcilerError): {len(crashes)}")
    for path in crashes:
        where = path.read_text(encoding="utf-8").splitlines()[0]
        data = path.with_suffix(".bin").read_bytes()
        print(f"  {where}\n    input ({len(data)} bytes): {data[:200]!r}")
    print(f"Hangs over {HANG_SECONDS:.0f} s: {len(hangs)}")
    for path in hangs:
        print(f"  {path.read_text(encoding='utf-8').strip()}: {path.with_suffix('.bin')}")
    if code != 0 or killed:
        print(f"libFuzzer stopped with exit code {code}: {[p.name for p in killed]} (see {out.parent}/libfuzzer.log)")
    return 0 if not crashes and not hangs and not killed and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
