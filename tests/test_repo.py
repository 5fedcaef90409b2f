"""Rules of the codebase itself: layer boundaries, lint, types, and docs that cannot drift from the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from tests.conftest import find_tool

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "reconciler"

# The pure core: values in, values out. No HTTP, no files, no printing, no environment. Patterns under reconciler/;
# each must match a module, so a moved or renamed module cannot silently drop out of the rule.
PURE_MODULES = [
    "errors.py",
    "model.py",
    "route.py",
    "route_json.py",
    "wire/*.py",
    "files/validate.py",
    "files/references.py",
    "files/decode.py",
    "files/encode.py",
    "files/plaintext.py",
    "templates/*.py",
    "core/*.py",
    "render/*.py",
    "api/credentials.py",
]
IO_CALLS = {"open", "print", "input"}
IO_ATTRIBUTES = {"environ", "getenv", "read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_only_the_api_package_imports_httpx() -> None:
    offenders = []
    for path in _modules():
        rel = _rel(path)
        if rel.startswith("reconciler/api/"):
            continue
        if any(name == "httpx" or name.startswith("httpx.") for name in _imports(ast.parse(path.read_text()))):
            offenders.append(rel)
    assert offenders == []


def test_only_the_cli_prints_or_reads_the_environment() -> None:
    offenders = []
    for path in _modules():
        rel = _rel(path)
        if rel.startswith("reconciler/cli/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{rel}:{node.lineno}: print()")
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                offenders.append(f"{rel}:{node.lineno}: os.{node.attr}")
    assert offenders == []


def _pure_modules() -> list[str]:
    return sorted({path.relative_to(PACKAGE).as_posix() for pattern in PURE_MODULES for path in PACKAGE.glob(pattern)})


def test_every_pure_module_pattern_names_a_module() -> None:
    assert [pattern for pattern in PURE_MODULES if not list(PACKAGE.glob(pattern))] == []


@pytest.mark.parametrize("name", _pure_modules())
def test_pure_core_does_no_io(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text())
    imported = _imports(tree)
    assert not {"httpx", "socket", "subprocess", "asyncio"} & imported
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in IO_CALLS:
            offenders.append(f"{node.lineno}: {node.func.id}()")
        if isinstance(node, ast.Attribute) and node.attr in IO_ATTRIBUTES:
            offenders.append(f"{node.lineno}: .{node.attr}")
    assert offenders == []


def test_ruff_lint_is_clean() -> None:
    result = subprocess.run([find_tool("ruff"), "check", "."], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = subprocess.run([find_tool("ruff"), "format", "--check", "."], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([find_tool("mypy")], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{full} "))
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    runner = CliRunner()
    missing = []
    for full, command in _commands(main):
        assert command.help, f"`reconciler {full}` has no help text"
        result = runner.invoke(main, [*full.split(), "--help"])
        assert result.exit_code == 0, result.output
        if f"reconciler {full}" not in readme:
            missing.append(full)
    assert missing == [], f"commands missing from README.md: {missing}"


def test_the_listed_one_line_help_is_each_commands_own() -> None:
    from reconciler.cli import COMMANDS, SHORT_HELP

    ctx = click.Context(main)
    assert set(COMMANDS) == set(SHORT_HELP)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert SHORT_HELP[name] == command.get_short_help_str(limit=80), name


@pytest.mark.parametrize("args", [["--help"], ["validate", "routes"], ["validate", "--help"]])
def test_offline_commands_never_import_the_http_stack(args: list[str]) -> None:
    """`reconciler --help` and `validate` start without httpx, tenacity, starlette or the API client (issue 16)."""
    probe = (
        "import sys\n"
        "from reconciler.cli import main\n"
        f"try:\n    main({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "names = ('httpx', 'tenacity', 'starlette', 'uvicorn', 'reconciler.api.client')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ""
