"""`.pre-commit-hooks.yaml` works from another repository: `pre-commit try-repo` installs reconciler from this
checkout into its own virtualenv (from the package index, hence slow), validates a routes repository and runs its
route tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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
    """One pre-commit cache for the module, so the hook's environment is installed at most once per revision."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _routes_repo(root: Path) -> Path:
    repo = root / "routes-repo"
    shutil.copytree(REPO / "routes", repo / "routes")
    shutil.copytree(REPO / "schema", repo / "schema")  # the files' `$schema` comment points at ../schema
    shutil.copytree(REPO / "route-tests", repo / "route-tests")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _try_repo(repo: Path, home: Path, hook: str = "reconciler-validate") -> subprocess.CompletedProcess[str]:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        [find_tool("pre-commit"), "try-repo", str(REPO), hook, "--all-files", "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
    )


def test_try_repo_passes_on_the_example_routes(tmp_path: Path, pre_commit_home: Path) -> None:
    result = _try_repo(_routes_repo(tmp_path), pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reconciler validate\.+Passed$", result.stdout, re.MULTILINE), result.stdout


def test_try_repo_fails_located_on_a_broken_file(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = _routes_repo(tmp_path)
    broken = repo / "routes" / "informational.yaml"
    text = broken.read_text(encoding="utf-8")
    assert "name: Informational\n" in text
    broken.write_text(text.replace("name: Informational\n", "name: [Informational]\n"), encoding="utf-8")
    result = _try_repo(repo, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^reconciler validate\.+Failed$", result.stdout, re.MULTILINE), result.stdout
    assert "- hook id: reconciler-validate\n- exit code: 1\n" in result.stdout
    assert "\nroutes/informational.yaml:2:7: $.name: " in result.stdout


def test_the_route_test_hook_passes_then_fails_located_on_a_typo(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = _routes_repo(tmp_path)
    result = _try_repo(repo, pre_commit_home, "reconciler-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reconciler test\.+Passed$", result.stdout, re.MULTILINE), result.stdout
    # The README's example of a typo in review: warnings no longer match the route meant for them.
    route = repo / "routes" / "production-warnings.yaml"
    text = route.read_text(encoding="utf-8")
    assert "values: [warning]" in text
    route.write_text(text.replace("values: [warning]", "values: [warn]"), encoding="utf-8")
    result = _try_repo(repo, pre_commit_home, "reconciler-test")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^reconciler test\.+Failed$", result.stdout, re.MULTILINE), result.stdout
    assert "- hook id: reconciler-test\n- exit code: 1\n" in result.stdout
    assert "\nroute-tests/production.yaml:23:7: $.cases[1].expect.routes: " in result.stdout
    assert "1 of 13 cases failed (3 files)." in result.stdout
