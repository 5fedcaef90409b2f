"""`.pre-commit-hooks.yaml` works from another repository: a routes repository whose .pre-commit-config.yaml names this
checkout (as a snapshot commit) and the hook; `pre-commit run` installs reconciler into its own virtualenv (from the
package index, hence slow: once for the module, in a shared PRE_COMMIT_HOME) and validates the routes."""

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
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
# What the snapshot of this checkout leaves out: local environments, caches and build output.
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".coverage*"
)


def test_the_hook_definition() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "reconciler-validate"
    assert hook["language"] == "python"  # pre-commit installs reconciler itself: nothing needed on PATH
    assert hook["entry"] == "reconciler validate"
    assert hook["args"] == ["routes/"]
    assert hook["pass_filenames"] is False  # the folder at once: duplicates across files are only visible together


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module, so the hook's environment is installed at most once per revision."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's working tree as one commit (path and sha), so the hook is what the working tree holds and
    both tests name the same revision: pre-commit installs the hook's environment once, in the shared home.
    (`pre-commit try-repo` would install it anew on every call: it keeps its store in a temporary directory.)"""
    repo = tmp_path_factory.mktemp("hook-repo") / "reconciler"
    shutil.copytree(REPO, repo, ignore=IGNORED)
    env = {**GIT_ENV, "PATH": os.environ["PATH"]}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True, env=env)
    return repo, sha.stdout.strip()


def _routes_repo(root: Path) -> Path:
    repo = root / "routes-repo"
    shutil.copytree(REPO / "routes", repo / "routes")
    shutil.copytree(REPO / "schema", repo / "schema")  # the files' `$schema` comment points at ../schema
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _run_hook(repo: Path, home: Path, hook_repo: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    path, sha = hook_repo
    config = {"repos": [{"repo": str(path), "rev": sha, "hooks": [{"id": "reconciler-validate"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    env = {
        **GIT_ENV,
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [find_tool("pre-commit"), "run", "--all-files", "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
    )


def test_the_hook_passes_on_the_example_routes(
    tmp_path: Path, pre_commit_home: Path, hook_repo: tuple[Path, str]
) -> None:
    result = _run_hook(_routes_repo(tmp_path), pre_commit_home, hook_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reconciler validate\.+Passed$", result.stdout, re.MULTILINE), result.stdout


def test_the_hook_fails_located_on_a_broken_file(
    tmp_path: Path, pre_commit_home: Path, hook_repo: tuple[Path, str]
) -> None:
    repo = _routes_repo(tmp_path)
    broken = repo / "routes" / "informational.yaml"
    text = broken.read_text(encoding="utf-8")
    assert "name: Informational\n" in text
    broken.write_text(text.replace("name: Informational\n", "name: [Informational]\n"), encoding="utf-8")
    result = _run_hook(repo, pre_commit_home, hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^reconciler validate\.+Failed$", result.stdout, re.MULTILINE), result.stdout
    assert "- hook id: reconciler-validate\n- exit code: 1\n" in result.stdout
    assert "\nroutes/informational.yaml:2:7: $.name: " in result.stdout
