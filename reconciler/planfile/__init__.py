"""The saved plan (`plan.json`, format_version 2): a sealed artifact, written by `plan`, read back by `apply`.

`dump_plan` writes it; `load_plan` reads it and refuses, with one line, anything that is not exactly a file reconciler
wrote (docs/plan-format.md, reconciler/schema/plan.schema.json). Two digests: the `checksum` seals the whole file;
the `review` fingerprint names what a reviewer approved, so that the merge workflow can compare it across a fresh
plan. The modules: `write` (writer and digests), `decode` (bytes → JSON, with limits), `schema` (the JSON Schema and
its messages), `read` (the reader), `files` (reading from disk within the size cap).
"""

from __future__ import annotations

from reconciler.planfile.decode import MAX_DEPTH, MAX_INT_DIGITS, MAX_PLAN_BYTES
from reconciler.planfile.files import read_plan_file
from reconciler.planfile.read import PlanFile, load_plan
from reconciler.planfile.schema import plan_schema
from reconciler.planfile.write import (
    FORMAT_VERSION,
    canonical_json,
    dump_plan,
    plan_checksum,
    plan_to_dict,
    review_fingerprint,
    safe_api_url,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_PLAN_BYTES",
    "PlanFile",
    "canonical_json",
    "dump_plan",
    "load_plan",
    "plan_checksum",
    "plan_schema",
    "plan_to_dict",
    "read_plan_file",
    "review_fingerprint",
    "safe_api_url",
]
