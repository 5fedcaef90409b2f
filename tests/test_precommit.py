"""`.pre-commit-hooks.yaml` works from another repository: `pre-commit try-repo`, and a config that pins this
checkout at a revision, install reconciler into pre-commit's own virtualenv (from the package index, hence slow),
validate a routes repository and run its route tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from tests.conftest import find_tool

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / ".pre-commit-hooks.yaml"


def test_the_hook_definition() -> None:
    hook, cases = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "reconciler-validate"
    assert hook["language"] == "python"  # pre-commit installs reconciler itself: nothing needed on PATH
    assert hook["entry"] == "reconciler validate"
    assert hook["args"] == ["routes/"]
    assert hook["pass_filenames"] is False  # the folder at once: duplicates across files are only visible together
    # the route tests: every case against every route file, on any change to either
    assert (cases["id"], cases["language"], cases["entry"], cases["args"]) == (
        "reconciler-test",
        "python",
        "reconciler test",
        ["route-tests/"],
    )
    assert cases["pass_filenames"] is False
    files = re.compile(cases["files"])
    for path in ("routes/production-alerts.yaml", "route-tests/staging.yaml", "route-tests/x.yml"):
        assert files.search(path), path
    assert not files.search("README.md")


def test_this_repository_runs_the_route_tests_on_commit(tmp_path: Path) -> None:
    """The local `reconciler-test` hook of .pre-commit-config.yaml, run by pre-commit: passes on the shipped cases,
    fails located when a route change breaks one."""
    (hook,) = [
        h
        for r in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
        for h in r["hooks"]
        if h["id"] == "reconciler-test"
    ]
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "reconciler test route-tests/",
        "system",
        False,
    )
    repo = tmp_path / "repo"
    for part in ("routes", "route-tests"):
        shutil.copytree(REPO / part, repo / part)
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # `reconciler` of this venv
        "HOME": str(tmp_path),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
    }

    def run() -> subprocess.CompletedProcess[str]:
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        command = [find_tool("pre-commit"), "run", "reconciler-test", "--all-files", "--color", "never"]
        return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=120, env=env, check=False)

    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^reconciler test \(route-tests/ against routes/, offline\)\.+Passed$", passed.stdout, re.M)
    warnings = repo / "routes" / "production-warnings.yaml"
    warnings.write_text(warnings.read_text().replace("values: [warning]", "values: [warning, info]"))
    failed = run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "- hook id: reconciler-test\n- exit code: 1\n" in failed.stdout
    assert re.search(r"^route-tests/\S+\.yaml:\d+:\d+: \$\.cases\[\d+\]\.expect", failed.stdout, re.M), failed.stdout


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: `pre-commit run` installs the hooks' environment into it once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hooks_rev(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout as a repository and revision a team's config can pin: HEAD, or a commit of HEAD plus the working
    tree's changes to tracked files in a clone beside it (what `try-repo` does, but made once for the module)."""
    diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=REPO, capture_output=True, check=True).stdout
    if not diff:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        return REPO, head.stdout.strip()
    shadow = tmp_path_factory.mktemp("hooks") / "shadow"
    subprocess.run(["git", "clone", "-q", str(REPO), str(shadow)], check=True)
    subprocess.run(["git", "apply", "--index", "--binary", "-"], cwd=shadow, input=diff, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "working tree"], cwd=shadow, env=_git_env(os.environ), check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=shadow, capture_output=True, text=True, check=True)
    return shadow, head.stdout.strip()


def _git_env(base: Mapping[str, str]) -> dict[str, str]:
    names = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    return {**base, **names, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def _routes_repo(root: Path) -> Path:
    repo = root / "routes-repo"
    shutil.copytree(REPO / "routes", repo / "routes")
    shutil.copytree(REPO / "schema", repo / "schema")  # the files' `$schema` comment points at ../schema
    shutil.copytree(REPO / "route-tests", repo / "route-tests")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [find_tool("pre-commit"), *args, "--all-files", "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=280,
        # PIP_NO_COMPILE: the hook's environment is used for a few runs; byte-compiling all of it took ~40 % of
        # the install's CPU.
        env=_git_env({**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_COMPILE": "1"}),
    )


def _run_pinned(repo: Path, home: Path, hooks: tuple[Path, str], hook: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit run HOOK` in `repo`, whose config pins this checkout's hooks at a revision, as the README shows.

    Unlike `try-repo` (which installs into a new temporary store every time), the environment is installed once into
    the module's pre-commit home and reused, as it is on a developer's machine.
    """
    source, rev = hooks
    ids = [{"id": "reconciler-validate"}, {"id": "reconciler-test"}]
    config = {"repos": [{"repo": str(source), "rev": rev, "hooks": ids}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return _pre_commit(repo, home, "run", hook)


def test_try_repo_passes_on_the_example_routes(tmp_path: Path) -> None:
    result = _pre_commit(_routes_repo(tmp_path), tmp_path / "home", "try-repo", str(REPO), "reconciler-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reconciler validate\.+Passed$", result.stdout, re.MULTILINE), result.stdout


def test_the_validate_hook_fails_located_on_a_broken_file(
    tmp_path: Path, pre_commit_home: Path, hooks_rev: tuple[Path, str]
) -> None:
    repo = _routes_repo(tmp_path)
    broken = repo / "routes" / "informational.yaml"
    text = broken.read_text(encoding="utf-8")
    assert "name: Informational\n" in text
    broken.write_text(text.replace("name: Informational\n", "name: [Informational]\n"), encoding="utf-8")
    result = _run_pinned(repo, pre_commit_home, hooks_rev, "reconciler-validate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^reconciler validate\.+Failed$", result.stdout, re.MULTILINE), result.stdout
    assert "- hook id: reconciler-validate\n- exit code: 1\n" in result.stdout
    assert "\nroutes/informational.yaml:2:7: $.name: " in result.stdout


def test_the_route_test_hook_passes_then_fails_located_on_a_typo(
    tmp_path: Path, pre_commit_home: Path, hooks_rev: tuple[Path, str]
) -> None:
    repo = _routes_repo(tmp_path)
    result = _run_pinned(repo, pre_commit_home, hooks_rev, "reconciler-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reconciler test\.+Passed$", result.stdout, re.MULTILINE), result.stdout
    # The README's example of a typo in review: warnings no longer match the route meant for them.
    route = repo / "routes" / "production-warnings.yaml"
    text = route.read_text(encoding="utf-8")
    assert "values: [warning]" in text
    route.write_text(text.replace("values: [warning]", "values: [warn]"), encoding="utf-8")
    result = _run_pinned(repo, pre_commit_home, hooks_rev, "reconciler-test")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^reconciler test\.+Failed$", result.stdout, re.MULTILINE), result.stdout
    assert "- hook id: reconciler-test\n- exit code: 1\n" in result.stdout
    assert "\nroute-tests/production.yaml:23:7: $.cases[1].expect.routes: " in result.stdout
    assert "1 of 13 cases failed (3 files)." in result.stdout
