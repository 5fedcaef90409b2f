"""A plan is applied at most once, through the CLI, against the emulator served on loopback.

Re-running an apply, two applies of one plan at once, a route created in the dashboard between plan and apply, and
a SIGKILL at a random write: every case ends with one route per name and exactly one committed write per planned
change. The same re-run, two-at-once and kill cases run for a one-shot `apply --auto-approve` too (which plans
again and, unlike a saved plan, does not read its updated routes back before writing). The apply runs under test are
real processes (`python -m reconciler`); setting up and checking afterwards go through the same CLI in-process, which
is quicker.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.emulator import create_app, seed_routes, serve_in_thread
from reconciler.emulator.control import minimal_payload
from reconciler.model import name_key
from tests.e2e_helpers import ADMIN, REPO

pytestmark = pytest.mark.slow


class Org:
    """The example organisation plus 12 seeded routes, served on loopback, and a working folder of route files."""

    def __init__(self, app: Any, url: str, workdir: Path) -> None:
        self.app, self.url, self.workdir = app, url, workdir

    @property
    def emu(self) -> Any:
        return self.app.state.emulator

    def cli(self, *args: str) -> Result:
        env = {"INCIDENT_IO_API_KEY": ADMIN, "INCIDENT_IO_API_URL": self.url}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "reconciler", *args, "--api-url", self.url]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_IO_", "GITHUB_"))}
        return env | {"INCIDENT_IO_API_KEY": ADMIN, "PYTHONPATH": str(REPO)}

    def process(self, *args: str) -> subprocess.CompletedProcess[str]:
        child = self.spawn(*args)
        stdout, stderr = child.communicate(timeout=120)
        return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)

    def spawn(self, *args: str, output: bool = True) -> subprocess.Popen[str]:
        """The CLI started as its own process; `output`: stdout and stderr kept (else thrown away)."""
        stream = subprocess.PIPE if output else subprocess.DEVNULL
        return subprocess.Popen(
            self.command(*args),
            cwd=self.workdir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
            text=True,
        )

    def kill_at_write(self, args: tuple[str, ...], kill_at: int) -> None:
        """Run the CLI with `args`; SIGKILL it right after its `kill_at`-th write committed, before it hears of it."""
        base = self.writes()
        process = self.spawn(*args, output=False)
        real_commit = self.emu.commit

        def commit(*a: Any, **kw: Any) -> None:
            real_commit(*a, **kw)
            if self.writes() - base == kill_at:
                os.kill(process.pid, signal.SIGKILL)

        self.emu.commit = commit
        try:
            assert process.wait(timeout=120) == -signal.SIGKILL
        finally:
            self.emu.commit = real_commit
        assert self.writes() - base >= kill_at

    def writes(self) -> int:
        return len(self.emu.write_log)

    def names(self) -> Counter[str]:
        return Counter(name_key(route["name"]) for route in self.emu.state.routes.routes())

    def plan_changes(self, rng: random.Random, creates: int = 4, updates: int = 5, deletes: int = 3) -> int:
        """Export live, then edit the files: `updates` disabled, `creates` new, `deletes` removed; save a plan."""
        assert self.cli("export").exit_code == 0
        routes = self.workdir / "routes"
        files = sorted(p for p in routes.glob("*.yaml") if p.name != "channels.yaml")
        chosen = rng.sample(files, updates + deletes)
        for path in chosen[:updates]:
            data = yaml.safe_load(path.read_text())
            data["enabled"] = not data.get("enabled", True)
            path.write_text(yaml.safe_dump(data, sort_keys=False))
        for path in chosen[updates:]:
            path.unlink()
        template = yaml.safe_load(files[0].read_text()) if files[0].exists() else {"name": "x"}
        template.pop("id", None)
        for i in range(creates):
            (routes / f"new-{i}.yaml").write_text(yaml.safe_dump({**template, "name": f"New Route {i}"}))
        planned = self.cli("plan", "--prune", "--force", "--out", "plan.json")
        assert planned.exit_code == 0, planned.output
        assert planned.stdout.count("\n+ create") + planned.stdout.startswith("+ create") == creates
        return creates + updates + deletes

    def converged(self) -> None:
        """A fresh plan finds nothing to do, and a fresh one-shot apply writes nothing."""
        replan = self.cli("plan", "--prune", "--force", "--detailed-exitcode")
        assert replan.exit_code == 0, replan.output
        before = self.writes()
        again = self.cli("apply", "--prune", "--force", "--auto-approve")
        assert again.exit_code == 0 and self.writes() == before


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    app = create_app()
    seed_routes(app.state.emulator, 12, name_prefix="Team")
    monkeypatch.chdir(tmp_path)
    with serve_in_thread(app) as url:
        yield Org(app, url, tmp_path)


def summary(created: int, updated: int, deleted: int, already: int, conflicts: int = 0, writes: int = 0) -> str:
    conflict = "conflict" if conflicts == 1 else "conflicts"
    write = "write" if writes == 1 else "writes"
    return (
        f"Applied: {created} created, {updated} updated, {deleted} deleted, {already} already applied, "
        f"{conflicts} {conflict}, 0 failed ({writes} {write}).\n"
    )


def test_reapplying_an_applied_plan_writes_nothing(org: Org) -> None:
    planned = org.plan_changes(random.Random(1))
    first = org.process("apply", "plan.json")
    assert first.returncode == 0, first.stderr
    assert first.stdout.endswith(summary(4, 5, 3, 0, writes=planned))
    assert org.writes() == planned
    for _ in range(2):  # a re-run CI job, and another
        again = org.process("apply", "plan.json")
        assert (again.returncode, again.stderr) == (0, "")
        assert again.stdout.endswith(summary(0, 0, 0, planned, writes=0))
        assert again.stdout.count("already applied  ") == planned
        assert org.writes() == planned
    assert max(org.names().values()) == 1
    org.converged()


def test_two_applies_of_one_plan_at_once_write_each_change_once(org: Org) -> None:
    planned = org.plan_changes(random.Random(2))
    both = [org.spawn("apply", "plan.json") for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in both]
    assert [code for code, _, _ in results] == [0, 0], results
    outs = sorted(out for _, out, _ in results)
    # One run wrote every change; the other waited for it, then found the plan applied.
    assert sorted([outs[0].endswith(summary(0, 0, 0, planned)), outs[1].endswith(summary(0, 0, 0, planned))]) == [
        False,
        True,
    ]
    assert org.writes() == planned
    assert max(org.names().values()) == 1
    org.converged()


def test_a_route_created_with_a_planned_name_since_the_plan_is_not_duplicated(org: Org) -> None:
    planned = org.plan_changes(random.Random(3), creates=2, updates=2, deletes=0)
    # In the dashboard, someone creates "new route 1" (other case, a trailing space) with other content.
    body = {**minimal_payload(org.emu, " new route 1 "), "enabled": False}
    headers = {"Authorization": f"Bearer {ADMIN}"}
    created = httpx.post(f"{org.url}/v2/alert_routes", json=body, headers=headers)
    assert created.status_code == 201
    twin = created.json()["alert_route"]["id"]
    before = org.writes()

    applied = org.process("apply", "plan.json")
    assert applied.returncode == 1
    assert (
        f"created since plan  New Route 1: a live route named 'New Route 1' appeared since the plan ({twin}); "
        "not created\n" in applied.stdout
    )
    assert applied.stdout.endswith(summary(1, 2, 0, 0, conflicts=1, writes=planned - 1))
    assert org.writes() - before == planned - 1
    assert max(org.names().values()) == 1


@pytest.mark.parametrize("seed", range(10))
def test_a_kill_at_a_random_write_then_the_same_plan_again_converges(org: Org, seed: int) -> None:
    rng = random.Random(seed)
    planned = org.plan_changes(rng, creates=rng.randint(1, 5), updates=rng.randint(1, 5), deletes=rng.randint(0, 3))
    kill_at = rng.randint(1, planned)
    base = org.writes()
    org.kill_at_write(("apply", "plan.json"), kill_at)

    rerun = org.process("apply", "plan.json")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert org.writes() - base == planned  # the re-run finished the rest and repeated nothing
    assert max(org.names().values()) == 1
    org.converged()
    assert org.writes() - base == planned


# The one-shot `apply --auto-approve` plans and writes in one run; its updates are not read back before the write
# (each PUT is pinned to the version the plan read). The same three cases, through the CLI, with that command.
ONE_SHOT = ("apply", "--prune", "--force", "--auto-approve")


def test_two_one_shot_applies_at_once_then_a_third_write_each_change_once(org: Org) -> None:
    planned = org.plan_changes(random.Random(4))
    base = org.writes()
    both = [org.spawn(*ONE_SHOT) for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in both]
    assert [code for code, _, _ in results] == [0, 0], results
    # One run wrote every change; the other took the lock after it, planned from what it wrote, and found nothing.
    nothing = sorted(out.endswith("\n0 to create, 0 to update, 0 to delete\n") for _, out, _ in results)
    assert nothing == [False, True], results
    assert org.writes() - base == planned
    third = org.process(*ONE_SHOT)  # a re-run CI job
    assert third.returncode == 0, third.stderr
    assert third.stdout.endswith("\n0 to create, 0 to update, 0 to delete\n")
    assert org.writes() - base == planned
    assert max(org.names().values()) == 1
    org.converged()


@pytest.mark.parametrize("seed", range(3))
def test_a_kill_during_a_one_shot_apply_then_it_again_converges(org: Org, seed: int) -> None:
    rng = random.Random(100 + seed)
    planned = org.plan_changes(rng, creates=rng.randint(1, 4), updates=rng.randint(1, 4), deletes=rng.randint(0, 3))
    kill_at = rng.randint(1, planned)
    base = org.writes()
    org.kill_at_write(ONE_SHOT, kill_at)

    rerun = org.process(*ONE_SHOT)  # plans again from live: what the killed run wrote is no longer a change
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert org.writes() - base == planned  # the re-run finished the rest and repeated nothing
    assert max(org.names().values()) == 1
    org.converged()
    assert org.writes() - base == planned
