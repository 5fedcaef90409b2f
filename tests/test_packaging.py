"""The distribution: a free name, the licence and metadata, wheel and sdist contents, `twine check`, and a wheel
installed into a fresh virtualenv that runs the quick start."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import find_tool

REPO = Path(__file__).resolve().parent.parent
DIST_NAME = "incidentio-alert-routes"
# What the build must not see: local environments, caches, earlier builds, and the coverage data that pytest-cov
# writes into the checkout while the suite runs.
IGNORED = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "backups",
    "plan.json",
    ".coverage*",
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Wheel and sdist built from a copy of the working tree (setuptools writes build/ and egg-info in the source)."""
    root = tmp_path_factory.mktemp("pkg")
    source = root / "src"
    shutil.copytree(REPO, source, ignore=IGNORED)
    out = root / "dist"
    # No build isolation: setuptools and wheel come from the test extras, so the build needs no network.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def _metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(name).decode("utf-8"))
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(value)
    return fields


def test_the_distribution_name_is_not_reconciler_but_the_command_is() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # `reconciler` on the package index is an unrelated pandas utility (0.2.2): installing it by that name is wrong.
    assert project["name"] == DIST_NAME
    assert project["scripts"] == {"reconciler": "reconciler.cli:main"}
    assert project["license"] == "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_wheel_metadata(dist: tuple[Path, Path]) -> None:
    wheel, _ = dist
    assert wheel.name == "incidentio_alert_routes-0.1.0-py3-none-any.whl"
    meta = _metadata(wheel)
    assert meta["Name"] == [DIST_NAME]
    assert meta["License-Expression"] == ["MIT"]
    assert meta["Requires-Python"] == [">=3.11"]
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in meta["Classifier"]
    assert {url.split(",")[0] for url in meta["Project-URL"]} >= {"Homepage", "Source", "Issues", "Documentation"}
    assert "incident.io" in meta["Keywords"][0]
    assert meta["Description-Content-Type"] == ["text/markdown"]


def test_wheel_contents(dist: tuple[Path, Path]) -> None:
    wheel, _ = dist
    names = set(zipfile.ZipFile(wheel).namelist())
    info = "incidentio_alert_routes-0.1.0.dist-info"
    for name in (
        "reconciler/__init__.py",
        "reconciler/cli/__init__.py",
        "reconciler/py.typed",
        "reconciler/schema/alert-route.schema.json",
        "reconciler/schema/plan.schema.json",
        "reconciler/emulator/example_org.json",
        f"{info}/licenses/LICENSE",
    ):
        assert name in names, name
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "reconciler = reconciler.cli:main" in entry_points
    # Every module of the package ships, and nothing else: no tests, benchmarks or docs in site-packages.
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "reconciler").rglob("*.py")}
    assert modules <= names
    assert {n.split("/")[0] for n in names} == {"reconciler", info}


def test_sdist_carries_what_the_readme_links_to(dist: tuple[Path, Path]) -> None:
    _, sdist = dist
    prefix = "incidentio_alert_routes-0.1.0/"
    with tarfile.open(sdist) as archive:
        names = {n.removeprefix(prefix) for n in archive.getnames()}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    links = {target for target in re.findall(r"\]\(([^)#\s]+)\)", readme) if "://" not in target}
    assert links, "README.md links to no file?"
    for target in sorted(links):
        assert target in names, f"README.md links to {target}, which the sdist lacks"
    folders = (("docs", "*.md"), ("schema", "*.json"), ("routes", "*.yaml"), ("route-tests", "*.yaml"))
    for folder, pattern in (*folders, ("requirements", "*.txt")):
        for path in sorted((REPO / folder).glob(pattern)):
            assert f"{folder}/{path.name}" in names, f"{folder}/{path.name} missing from the sdist"
    assert {"LICENSE", "README.md", "pyproject.toml", ".pre-commit-hooks.yaml", "action.yml"} <= names


def test_twine_check_passes(dist: tuple[Path, Path]) -> None:
    wheel, sdist = dist
    result = subprocess.run(
        [find_tool("twine"), "check", "--strict", str(wheel), str(sdist)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


@pytest.mark.slow
def test_the_wheel_in_a_fresh_venv_runs_the_quick_start(dist: tuple[Path, Path], tmp_path: Path) -> None:
    wheel, _ = dist
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # The wheel itself, offline; its dependencies are this environment's, lent by a .pth file (appended after the
    # fresh venv's own site-packages, so `reconciler` is imported from the wheel, not from this checkout).
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
        check=True,
        timeout=120,
        env={"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PATH": "/usr/bin:/bin"},
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "zz_lent_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    where = subprocess.run(
        [str(python), "-c", "import reconciler; print(reconciler.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the checkout: `python -c` puts the working directory first on sys.path
    )
    assert where.stdout.strip() == f"{site}/reconciler/__init__.py"
    work = tmp_path / "work"
    shutil.copytree(REPO / "routes", work / "routes")
    result = subprocess.run(
        [str(venv / "bin" / "reconciler"), "plan", "--emulator"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("0 to create, 1 to update, 0 to delete\n")
    assert "~ update Production Warnings  (routes/production-warnings.yaml; live version 4)" in result.stdout
