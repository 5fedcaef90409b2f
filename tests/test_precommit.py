"""`.pre-commit-hooks.yaml` works from another repository: `pre-commit try-repo` installs reconciler from this
checkout into its own virtualenv (from the package index, hence slow), validates a routes repository and runs its
route tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import find_tool

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / ".pre-commit-hooks.yaml"


def test_the_hook_definitions() -> None:
    validate, route_tests = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert validate["id"] == "reconciler-validate"
    assert validate["language"] == "python"  # pre-commit installs reconciler itself: nothing needed on PATH
    assert validate["entry"] == "reconciler validate"
    assert validate["args"] == ["routes/"]
    assert validate["pass_filenames"] is False  # the folder at once: duplicates across files are only visible together
    assert route_tests["id"] == "reconciler-test"
    assert route_tests["language"] == "python"
    assert route_tests["entry"] == "reconciler test"
    assert route_tests["args"] == ["--routes", "routes/", "route-tests/"]
    assert route_tests["pass_filenames"] is False  # every case against every route file
    assert re.match(route_tests["files"], "routes/production-warnings.yaml")
    assert re.match(route_tests["files"], "route-tests/production.yaml")


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
