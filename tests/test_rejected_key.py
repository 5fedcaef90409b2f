"""A key incident.io rejects (401): every command that reads prints one line and exits 1, never a traceback.

The traceback came from `asyncio.gather`: when the route read failed, gather returned at once and left the
catalog read running; the client closed under it, and `asyncio.run` printed that orphan's failure at shutdown.
Reads now run under `fetch.both`, which cancels and awaits the other read before the failure is raised.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.api import Unauthorized
from reconciler.emulator import create_app, serve_in_thread
from reconciler.run.fetch import both
from reconciler.run.pipeline import build_plan_from_repo
from tests.e2e_helpers import REPO, run_cli

REJECTED = "inc_rejected_0123456789abcdef"  # a key the emulator does not know
ONE_LINE = re.compile(
    r"Error: incident\.io rejected the API key for GET /v[0-9]/[a-z_]+(/[0-9A-Z]+)? \(401\): it is invalid or revoked; "
    r"create a new one in incident\.io under Settings > API keys \(request id [0-9a-f-]{36}\)\n"
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(create_app()) as served:
        yield served


@pytest.fixture
def workdir(tmp_path: Path, url: str) -> Path:
    shutil.copytree(REPO / "routes", tmp_path / "routes")
    assert run_cli(tmp_path, url, "plan", "--out", "plan.json").returncode == 0  # with the admin key
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["plan", "--format", "json", "--out", "again.json"],
        ["drift"],
        ["export", "--out", "exported"],
        ["backup", "bk"],
        ["apply"],
        ["apply", "plan.json"],
    ],
    ids=" ".join,
)
def test_a_rejected_key_is_one_line_and_exit_1(args: list[str], workdir: Path, url: str) -> None:
    for _ in range(2):  # the orphaned read failed 3 runs out of 3; two runs each is plenty to catch it again
        done = run_cli(workdir, url, *args, key=REJECTED)
        assert (done.returncode, done.stdout) == (1, "")
        assert ONE_LINE.fullmatch(done.stderr), done.stderr
    assert not (workdir / "again.json").exists() and not (workdir / "exported").exists()


async def _fails_soon() -> str:
    await asyncio.sleep(0)
    raise Unauthorized("rejected", method="GET", path="/v2/alert_routes", status=401)


def test_both_cancels_and_awaits_the_other_read_before_raising() -> None:
    seen: list[str] = []

    async def never_done() -> int:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return 0

    async def main() -> set[asyncio.Task[Any]]:
        with pytest.raises(Unauthorized):  # the failure itself, not an ExceptionGroup
            await both(never_done(), _fails_soon())
        return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]

    assert asyncio.run(main()) == set()
    assert seen == ["cancelled"]


class _RouteReadFails:
    """A client whose route read is rejected at once while every catalog read is still waiting for an answer."""

    on_progress = None
    route_version = "v2"

    def __init__(self) -> None:
        self.cancelled = 0

    async def read_all_alert_routes(self, **_: Any) -> list[dict[str, Any]]:
        return await _fails_soon()  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        async def pending(*_: Any, **__: Any) -> list[Any]:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            return []

        return pending


def test_a_failed_route_read_leaves_no_catalog_read_behind() -> None:
    api = _RouteReadFails()

    async def main() -> set[asyncio.Task[Any]]:
        with pytest.raises(Unauthorized):
            await build_plan_from_repo(api, REPO / "routes")
        return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]

    assert asyncio.run(main()) == set()
    assert api.cancelled == 8  # every lookup read_catalog had started
