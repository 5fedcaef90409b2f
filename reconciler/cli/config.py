"""The config file: what would otherwise need flags on every call, and `reconciler config` to show the result.

Settings are read from `reconciler.toml` in the working directory or, failing that, from `[tool.reconciler]` in
its `pyproject.toml`. They become click's `default_map`, so the order is the usual one: a flag on the command line
wins, then the option's environment variable (INCIDENT_IO_API_URL, INCIDENT_IO_API_VERSION), then the file, then
the built-in default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from reconciler.errors import ConfigError
from reconciler.model import SafetyLimits

CONFIG_FILE = "reconciler.toml"
PYPROJECT = "pyproject.toml"
# key in the file -> (the option's parameter name, its flag, the expected type's name, its check)
KEYS: dict[str, tuple[str, str, str]] = {
    "routes": ("routes_dir", "--routes", "a folder path"),
    "schema": ("schema_path", "--schema", "a file path"),
    "api_url": ("api_url", "--api-url", "a URL"),
    "api_version": ("api_version", "--api-version", "one of auto, v3, v2"),
    "max_updates": ("max_updates", "--max-updates", "a percentage, 0 to 100"),
    "max_deletes": ("max_deletes", "--max-deletes", "a percentage, 0 to 100"),
    "protected_from": ("protected_from", "--protected-from", "a folder path"),
    "limits_from": ("limits_from", "--limits-from", "a file path"),
    "replay": ("replay", "--replay", "a duration such as 7d, 24h, 90m or 2w"),
    "replay_limit": ("replay_limit", "--replay-limit", "a whole number of alerts, 1 or more"),
}
# The channel map has no setting of its own: it is always `channels.yaml` in the routes folder, so `config` shows it
# (derived from `routes`) but a file cannot set it apart from the routes.
CHANNELS_ROW = "channels"


@dataclass(frozen=True)
class Loaded:
    """The settings read, and where from (a display name; "" when there is no config file)."""

    values: dict[str, Any]
    source: str


def _check(source: str, key: str, value: Any) -> None:
    what = KEYS[key][2]
    if key in ("max_updates", "max_deletes"):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100
    elif key == "api_version":
        ok = value in ("auto", "v3", "v2")
    elif key == "replay_limit":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    elif key == "replay":
        from reconciler.core.impact import parse_duration  # here: every command imports this module at start

        try:
            ok = isinstance(value, str) and parse_duration(value) is not None
        except ValueError:
            ok = False
    else:
        ok = isinstance(value, str) and value != ""
    if not ok:
        raise ConfigError(f"{source}: {key}: expected {what}, got {value!r}")


def load_config(folder: Path) -> Loaded:
    """The settings of `folder`'s reconciler.toml, else of its pyproject.toml's [tool.reconciler]; checked."""
    path = folder / CONFIG_FILE
    if path.is_file():
        source, table = CONFIG_FILE, _read(path, CONFIG_FILE)
    elif (folder / PYPROJECT).is_file():
        source = f"{PYPROJECT} [tool.reconciler]"
        table = _read(folder / PYPROJECT, PYPROJECT).get("tool", {}).get("reconciler")
        if table is None:
            return Loaded({}, "")
    else:
        return Loaded({}, "")
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: expected a table of settings")
    for key, value in table.items():
        if key == CHANNELS_ROW:
            from reconciler.files.load import CHANNELS_FILE

            raise ConfigError(
                f"{source}: channels: the channel map is always {CHANNELS_FILE} in the routes folder; set routes"
            )
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(f"{source}: unknown setting {key!r} (known: {known})")
        _check(source, key, value)
    return Loaded(dict(table), source)


def _read(path: Path, display: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display}: {exc}") from None


def _commands(group: click.Group) -> dict[str, click.Command]:
    """Every command of `group`, through its lookup (the top-level group imports a command's module on lookup)."""
    ctx = click.Context(group)
    found = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def default_map(group: click.Group, loaded: Loaded) -> dict[str, Any]:
    """click's default_map: each setting for every command (and subcommand) that has the option."""
    result: dict[str, Any] = {}
    for name, command in _commands(group).items():
        if isinstance(command, click.Group):
            nested = default_map(command, loaded)
            if nested:
                result[name] = nested
            continue
        params = {p.name for p in command.params}
        values = {KEYS[k][0]: v for k, v in loaded.values.items() if KEYS[k][0] in params}
        if values:
            result[name] = values
    return result


def effective(group: click.Group, loaded: Loaded) -> list[tuple[str, Any, str]]:
    """(key, value, where it came from) for every setting, as `plan` and `drift` would use it without flags."""
    options: dict[str, click.Parameter] = {}
    commands = _commands(group)
    for name in ("plan", "drift", "validate"):
        command = commands.get(name)
        for option in command.params if command else ():
            options.setdefault(str(option.name), option)
    limits = SafetyLimits()
    builtin = {"max_updates": round(limits.max_update_share * 100), "max_deletes": round(limits.max_delete_share * 100)}
    rows: list[tuple[str, Any, str]] = []
    for key, (param_name, _flag, _what) in KEYS.items():
        param: click.Parameter | None = options.get(param_name)
        envvar = param.envvar if param is not None and isinstance(param.envvar, str) else None
        if envvar and os.environ.get(envvar):
            rows.append((key, os.environ[envvar], f"environment {envvar}"))
        elif key in loaded.values:
            rows.append((key, loaded.values[key], loaded.source))
        else:
            default = param.default if param is not None else None
            if isinstance(default, Path):
                default = default.as_posix()
            plain = default if isinstance(default, str | int | float) else None  # not click's UNSET, not a callable
            rows.append((key, builtin.get(key, plain) if plain is None else plain, "default"))
        if key == "routes":
            from reconciler.files.load import CHANNELS_FILE  # here: every command imports this module at start

            routes, routes_source = rows[-1][1], rows[-1][2]
            where = "default" if routes_source == "default" else f"routes, {routes_source}"
            rows.append((CHANNELS_ROW, (Path(str(routes)) / CHANNELS_FILE).as_posix(), where))
    return rows


@click.command("config")
@click.pass_context
def config(ctx: click.Context) -> None:
    """Print the effective settings and where each came from (reconciler.toml, pyproject.toml [tool.reconciler],
    the environment, or the default). Flags on a command override all of these."""
    root = ctx.find_root().command
    assert isinstance(root, click.Group)
    loaded = load_config(Path.cwd())
    click.echo(f"Config file: {loaded.source or f'none ({CONFIG_FILE} or [tool.reconciler] in {PYPROJECT})'}")
    rows = effective(root, loaded)
    width = max(len(key) for key, _value, _source in rows)
    for key, value, source in rows:
        shown = "(none)" if value is None else str(value)
        click.echo(f"{key.ljust(width)}  {shown}  ({source})")


COMMANDS: list[click.Command] = [config]
