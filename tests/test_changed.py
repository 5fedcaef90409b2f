"""`--changed-from REF`: git's changes between REF and the work tree become exactly the targets a PR plan needs.

Each test builds a git repository in a temporary folder (`git init`), commits route files, changes the work tree,
and checks the `Targets` (or the full-plan fallback) that `run.changed.changed_since` makes of it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.api import IncidentIO, asgi_transport
from reconciler.core.changed import FileChange, is_route_file, parse_name_status
from reconciler.emulator import create_app
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.model import ChangedFrom, Plan, Targets
from reconciler.planfile import dump_plan, load_plan, plan_checksum, plan_to_dict, review_fingerprint
from reconciler.render.markdown import render_plan_markdown
from reconciler.run.changed import Changed, changed_since
from reconciler.run.pipeline import build_plan_from_repo
from tests.drift_scenario import git
from tests.e2e_helpers import ADMIN, REPO


def _route(name: str, route_id: str | None = None, extra: str = "") -> str:
    pinned = f"id: {route_id}\n" if route_id else ""
    return f"{pinned}name: {name}\nalert_sources:\n  - alert_source: Axiom\n{extra}"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with three committed route files (one pinning its id), a channel map and a schema folder."""
    git(tmp_path, "init", "-q", "-b", "main")
    routes = tmp_path / "routes"
    routes.mkdir()
    (routes / "alpha.yaml").write_text(_route("Alpha"))
    (routes / "beta.yaml").write_text(_route("Beta", "01BETA"))
    (routes / "gamma.yml").write_text(_route("Gamma [EU]"))
    (routes / "channels.yaml").write_text('slack:\n  "#alerts": C07ALERTS01\n')
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "alert-route.schema.json").write_text("{}\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "routes"\n\n[tool.reconciler]\nroutes = "routes"\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "routes")
    return tmp_path


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def _changed(repo: Path, ref: str = "HEAD") -> Changed:
    return changed_since(ref, Path("routes"), cwd=repo)


def _targets(repo: Path, names: tuple[str, ...], ids: tuple[str, ...], files: tuple[str, ...]) -> Targets:
    return Targets(names=names, ids=ids, changed_from=ChangedFrom(ref="HEAD", commit=_head(repo), files=files))


def test_a_modified_file_targets_its_route(repo: Path) -> None:
    (repo / "routes" / "alpha.yaml").write_text(_route("Alpha", extra="enabled: false\n"))
    changed = _changed(repo)
    assert changed == Changed(ref="HEAD", targets=_targets(repo, ("Alpha",), (), ("routes/alpha.yaml",)))
    assert changed.message == ""


def test_a_name_changed_in_place_targets_the_old_and_the_new_name_and_the_pinned_id(repo: Path) -> None:
    (repo / "routes" / "beta.yaml").write_text(_route("Beta Two", "01BETA"))
    assert _changed(repo).targets == _targets(repo, ("Beta", "Beta Two"), ("01BETA",), ("routes/beta.yaml",))


def test_a_renamed_file_targets_both_names(repo: Path) -> None:
    git(repo, "mv", "routes/alpha.yaml", "routes/alpha-prime.yaml")
    (repo / "routes" / "alpha-prime.yaml").write_text(_route("Alpha Prime"))
    files = ("routes/alpha.yaml -> routes/alpha-prime.yaml",)
    assert _changed(repo).targets == _targets(repo, ("Alpha", "Alpha Prime"), (), files)


def test_a_deleted_file_targets_the_route_it_defined(repo: Path) -> None:
    (repo / "routes" / "beta.yaml").unlink()
    (repo / "routes" / "gamma.yml").unlink()
    files = ("routes/beta.yaml", "routes/gamma.yml")
    assert _changed(repo).targets == _targets(repo, ("Beta", "Gamma [EU]"), ("01BETA",), files)


def test_added_files_committed_staged_or_untracked_are_targeted(repo: Path) -> None:
    (repo / "routes" / "delta.yaml").write_text(_route("Delta"))
    git(repo, "add", "routes/delta.yaml")
    git(repo, "commit", "-q", "-m", "delta")
    (repo / "routes" / "team").mkdir()
    (repo / "routes" / "team" / "epsilon.yaml").write_text(_route("Epsilon"))  # staged, not committed
    git(repo, "add", "routes/team/epsilon.yaml")
    (repo / "routes" / "zeta.yaml").write_text(_route("Zeta", "01ZETA"))  # untracked
    changed = changed_since("HEAD~1", Path("routes"), cwd=repo)
    assert changed.targets is not None
    assert (changed.targets.names, changed.targets.ids) == (("Delta", "Epsilon", "Zeta"), ("01ZETA",))
    assert changed.targets.changed_from is not None
    assert changed.targets.changed_from.files == ("routes/delta.yaml", "routes/team/epsilon.yaml", "routes/zeta.yaml")
    assert changed.targets.changed_from.commit == git(repo, "rev-parse", "HEAD~1").strip()


def test_files_that_are_not_route_files_change_nothing(repo: Path) -> None:
    (repo / "routes" / "README.md").write_text("notes\n")
    (repo / "routes" / ".hidden.yaml").write_text(_route("Hidden"))
    (repo / "other").mkdir()
    (repo / "other" / "elsewhere.yaml").write_text(_route("Elsewhere"))
    (repo / ".gitignore").write_text("ignored.yaml\n")
    (repo / "routes" / "ignored.yaml").write_text(_route("Ignored"))  # git ignores it: not a change
    changed = _changed(repo)
    assert changed.targets == _targets(repo, (), (), ())
    assert changed.message == "--changed-from: no route files changed since HEAD"


def test_a_file_that_does_not_parse_contributes_its_other_side(repo: Path) -> None:
    (repo / "routes" / "alpha.yaml").write_text("name: [unclosed\n")
    assert _changed(repo).targets == _targets(repo, ("Alpha",), (), ("routes/alpha.yaml",))


@pytest.mark.parametrize(
    ("path", "content", "reason"),
    [
        ("schema/alert-route.schema.json", '{"type": "object"}\n', "schema/"),
        ("schema/extra.json", "{}\n", "schema/"),
        ("routes/channels.yaml", 'slack:\n  "#alerts": C07ALERTS02\n', "routes/channels.yaml"),
        ("reconciler.toml", 'routes = "routes"\n', "reconciler.toml"),
        (
            "pyproject.toml",
            '[project]\nname = "routes"\n\n[tool.reconciler]\nroutes = "routes"\nmax_deletes = 10\n',
            "pyproject.toml [tool.reconciler]",
        ),
    ],
)
def test_a_change_every_route_depends_on_plans_every_route(repo: Path, path: str, content: str, reason: str) -> None:
    (repo / "routes" / "alpha.yaml").write_text(_route("Alpha", extra="enabled: false\n"))
    (repo / path).write_text(content)
    changed = _changed(repo)
    assert changed == Changed(ref="HEAD", full=reason)
    assert changed.message == f"--changed-from: {reason} changed, planning every route"


def test_a_deleted_schema_plans_every_route(repo: Path) -> None:
    git(repo, "rm", "-q", "schema/alert-route.schema.json")
    assert _changed(repo).full == "schema/"


def test_pyproject_edits_outside_the_reconciler_table_keep_the_plan_targeted(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "renamed"\n\n[tool.reconciler]\nroutes = "routes"\n')
    assert _changed(repo).targets == _targets(repo, (), (), ())


def test_a_bad_ref_is_one_line_naming_it(repo: Path) -> None:
    with pytest.raises(ConfigError) as bad:
        _changed(repo, "no-such-branch")
    assert str(bad.value) == f"--changed-from no-such-branch: no commit by that name in the git checkout {repo}"
    with pytest.raises(ConfigError) as option:
        _changed(repo, "--output=/tmp/x")
    assert str(option.value) == "--changed-from --output=/tmp/x: not a git ref (it starts with '-')"


def test_routes_outside_a_git_checkout_are_refused(tmp_path: Path) -> None:
    (tmp_path / "routes").mkdir()
    with pytest.raises(ConfigError) as refused:
        changed_since("main", Path("routes"), cwd=tmp_path)
    assert str(refused.value) == "--changed-from main: routes is not in a git checkout"


_paths = st.lists(st.text(alphabet="abc/._- é", min_size=1, max_size=12).filter(lambda p: "\0" not in p), min_size=3)


@given(paths=_paths, letters=st.lists(st.sampled_from("AMDTRU"), min_size=1, max_size=10))
def test_name_status_output_is_read_back_whole(paths: list[str], letters: list[str]) -> None:
    expected: list[FileChange] = []
    raw = b""
    for index, letter in enumerate(letters):
        one, two = paths[index % len(paths)], paths[(index + 1) % len(paths)]
        if letter == "R":
            raw += f"R087\0{one}\0{two}\0".encode()
            expected.append(FileChange("R", one, two))
        else:
            raw += f"{letter}\0{one}\0".encode()
            expected.append(FileChange(letter, None if letter == "A" else one, None if letter == "D" else one))
    assert parse_name_status(raw) == expected


def test_route_files_are_found_as_the_loader_finds_them() -> None:
    assert is_route_file("routes/a.yaml", "routes")
    assert is_route_file("routes/team/b.yml", "routes")
    assert is_route_file("a.yaml", "")
    assert not is_route_file("routes/channels.yaml", "routes")
    assert is_route_file("routes/team/channels.yaml", "routes")  # only the root's is the channel map
    assert not is_route_file("routes/.hidden/c.yaml", "routes")
    assert not is_route_file("routes/readme.md", "routes")
    assert not is_route_file("routes-old/a.yaml", "routes")


_WHEN = {"api_url": "https://api.incident.io", "created_at": "2026-01-01T00:00:00Z"}
_SOURCE = ChangedFrom(ref="origin/main", commit="a" * 40, files=("routes/a.yaml -> routes/b.yaml",))


def test_the_plan_file_records_the_names_and_the_ref_under_the_seal_and_outside_the_review() -> None:
    targeted = Plan(targets=Targets(names=("Prod [EU]", "B"), ids=("01B",), unread=998, changed_from=_SOURCE))
    assert load_plan(dump_plan(targeted, **_WHEN)).plan == targeted
    document = plan_to_dict(targeted, **_WHEN)
    assert document["targets"] == {
        "patterns": [],
        "ids": ["01B"],
        "names": ["Prod [EU]", "B"],
        "unread": 998,
        "changed_from": {"ref": "origin/main", "commit": "a" * 40, "files": ["routes/a.yaml -> routes/b.yaml"]},
    }
    # What a reviewer approves is what is written: the same changes have the same fingerprint, targeted or not.
    assert review_fingerprint(targeted) == review_fingerprint(Plan())
    assert document["checksum"] != plan_to_dict(Plan(targets=Targets(names=("B",), unread=998)), **_WHEN)["checksum"]
    # Names are exact: "Prod [EU]" is not a glob that selects "Prod E".
    assert targeted.targets is not None and not targeted.targets.matches("Prod E")
    assert targeted.targets.matches(" prod [eu] ")

    document["targets"]["changed_from"]["commit"] = "main"
    document["checksum"] = plan_checksum(document)
    with pytest.raises(ReconcilerError) as refused:
        load_plan(json.dumps(document))
    assert "$.targets.changed_from.commit" in str(refused.value)


def test_the_pr_comment_says_the_plan_is_targeted_and_at_what() -> None:
    targets = Targets(names=("B",), unread=998, changed_from=_SOURCE)
    empty = render_plan_markdown(Plan(in_sync=1, targets=targets), review="0" * 64)
    assert empty.endswith(
        "✅ **No changes** (1 routes in sync; <b>targeted</b> at the 1 route file changed since "
        "<code>origin/main</code>, 998 other live routes not read)\n"
    )
    by_name = render_plan_markdown(Plan(targets=Targets(patterns=("B*",), unread=1)), review="0" * 64)
    assert "<b>targeted</b> (--target), 1 other live route not read" in by_name


# The property that matters: on a pull request, the targeted plan is the full plan of what the PR changes. The example
# organisation differs from its files in one route (Production Warnings, edited in the dashboard), which no
# operation below touches: the full plan shows it, the targeted plan must not, and must show everything else.
_FILES = ["database-alerts", "informational", "production-alerts", "staging-notifications", "unrouted-alerts"]
_DRIFTED = "Production Warnings"


def _operate(repo: Path, operation: str, stem: str) -> None:
    path = repo / "routes" / f"{stem}.yaml"
    text = path.read_text()
    name = next(line.removeprefix("name: ") for line in text.splitlines() if line.startswith("name: "))
    if operation == "modify":
        path.write_text(text + "enabled: false\n")
    elif operation == "rename route":
        path.write_text(text.replace(f"name: {name}\n", f"name: {name} Two\n"))
    elif operation == "move file":
        git(repo, "mv", f"routes/{stem}.yaml", f"routes/{stem}-moved.yaml")
    elif operation == "delete":
        path.unlink()
    else:  # "add": a new untracked file, a copy under another name
        (repo / "routes" / f"{stem}-copy.yaml").write_text(text.replace(f"name: {name}\n", f"name: {name} Copy\n"))


def _plans(routes: Path, targets: Targets | None, prune: bool) -> tuple[Plan, Plan]:
    async def go() -> tuple[Plan, Plan]:
        async with IncidentIO("https://emulator.invalid", ADMIN, transport=asgi_transport(create_app())) as api:
            full, _ = await build_plan_from_repo(api, routes, prune=prune, force=True)
            targeted, _ = await build_plan_from_repo(api, routes, prune=prune, force=True, targets=targets)
            return full, targeted

    return asyncio.run(go())


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    operations=st.lists(
        st.tuples(st.sampled_from(["modify", "rename route", "move file", "delete", "add"]), st.sampled_from(_FILES)),
        min_size=1,
        max_size=3,
        unique_by=lambda operation: operation[1],
    ),
    prune=st.booleans(),
)
def test_the_targeted_plan_is_the_full_plan_of_what_changed(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[str, str]], prune: bool
) -> None:
    repo = tmp_path_factory.mktemp("pr")
    shutil.copytree(REPO / "routes", repo / "routes")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "routes")
    for operation, stem in operations:
        _operate(repo, operation, stem)
    changed = changed_since("main", Path("routes"), cwd=repo)
    assert changed.targets is not None
    full, targeted = _plans(repo / "routes", changed.targets, prune)
    expected = [change for change in full.changes if change.name != _DRIFTED]
    assert [(c.action, c.name, c.route_id) for c in targeted.changes] == [
        (c.action, c.name, c.route_id) for c in expected
    ]
    assert targeted.changes == tuple(expected)
    assert targeted.unmanaged == full.unmanaged
    assert targeted.targets is not None and targeted.targets.unread == 6 - len(targeted.snapshot)


def test_without_git_the_option_says_so(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-such-bin"))
    with pytest.raises(ConfigError) as refused:
        _changed(repo)
    assert str(refused.value) == "--changed-from HEAD: git is not installed (it tells which route files changed)"
