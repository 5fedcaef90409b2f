"""What every command shares: API and file options, the key from the environment, error reporting, exit codes.

Exit codes, the same for every command: 0 success (or no changes), 1 error, 2 changes or drift pending (where a
command documents it), 64 a usage error (an unknown option, a missing argument, a bad choice: EX_USAGE from
sysexits.h). click exits 2 on usage errors, which here would read as "changes pending": `ReconcilerGroup` moves them.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import click

from reconciler.api.credentials import credential_problem, secret_forms
from reconciler.cli import style
from reconciler.errors import ConfigError, InputError, Problem, ReconcilerError

DEFAULT_API_URL = "https://api.incident.io"
API_KEY_ENV = "INCIDENT_IO_API_KEY"
API_URL_ENV = "INCIDENT_IO_API_URL"
API_VERSION_ENV = "INCIDENT_IO_API_VERSION"
API_VERSION_META = "reconciler.api_version"
DEFAULT_API_VERSION = "auto"  # v3, else v2 for an organisation not yet migrated
EMULATOR_URL = "http://emulator.invalid"
EMULATOR_DEFAULT_KEY = "example-admin"  # a published example key of the emulator, not a secret

REPORT_FORMATS = ("text", "markdown", "json")  # what plan and drift print

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_USAGE = 64  # EX_USAGE (sysexits.h): the command line itself is wrong

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class ApiSettings:
    """Where to send requests and with which key; built from options and the environment."""

    api_url: str
    api_key: str = field(repr=False)  # never in a repr, a log line or a traceback's locals display
    emulator: bool
    api_version: str = DEFAULT_API_VERSION  # alert routes through "v3", "v2", or "auto" (v3, else v2)


class ReconcilerGroup(click.Group):
    """The command group: click's usage errors exit EXIT_USAGE instead of 2, for every command and subcommand.

    Usage errors surface in two places: parsing the group's own arguments (`make_context`) and resolving, parsing
    and running a subcommand (`invoke`, which covers nested groups too). `--help` and `--version` still exit 0.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with usage_exit_code():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with usage_exit_code():
            return super().invoke(ctx)


@contextmanager
def usage_exit_code() -> Iterator[None]:
    """Give any click usage error raised inside the block the exit code EXIT_USAGE."""
    try:
        yield
    except click.UsageError as exc:
        # click declares exit_code a ClassVar, but `main` reads it from the instance: set it on this error only.
        exc.exit_code = EXIT_USAGE  # type: ignore[misc]
        raise


def api_settings(api_url: str, emulator: bool) -> ApiSettings:
    """Read the API key from the environment; a missing or unusable key is a clear error, never a traceback."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    problem = credential_problem(key)
    if problem is not None:
        # Say what is wrong with the key, never the key: a pasted key may be a real one with a stray character.
        raise ConfigError(f"{API_KEY_ENV} is not a usable API key: {problem}")
    context = click.get_current_context(silent=True)
    version = str(context.meta.get(API_VERSION_META, DEFAULT_API_VERSION)) if context else DEFAULT_API_VERSION
    if emulator:
        return ApiSettings(EMULATOR_URL, key or EMULATOR_DEFAULT_KEY, emulator=True, api_version=version)
    if not key:
        raise ConfigError(f"No valid API key available: set {API_KEY_ENV}")
    return ApiSettings(api_url.rstrip("/"), key, emulator=False, api_version=version)


@asynccontextmanager
async def open_client(
    settings: ApiSettings, *, read_only: bool = False, api_version: str | None = None
) -> AsyncIterator[Any]:
    """An `IncidentIO` client for these settings (`api_version` overrides theirs); with --emulator it talks to an
    in-process emulator."""
    # Imported here so that offline commands (validate) never import the HTTP stack.
    from reconciler.api import IncidentIO

    transport = None
    if settings.emulator:
        from reconciler.api import asgi_transport
        from reconciler.emulator import create_app

        transport = asgi_transport(create_app())
    async with IncidentIO(
        settings.api_url,
        settings.api_key,
        transport=transport,
        read_only=read_only,
        route_api=api_version or settings.api_version,
        on_notice=fail,
    ) as client:
        yield client


def redact(text: str) -> str:
    """Remove the API key from text about to be shown, as a last line of defence."""
    for form in secret_forms(os.environ.get(API_KEY_ENV, "").strip()):
        text = text.replace(form, "***")
    return text


def problem_count(problems: Sequence[Problem]) -> str:
    """`1 problem in 1 file.`, `3 problems in 2 files.`: one wording for every command."""
    count, files = len(problems), len({p.location.file for p in problems})
    return f"{count} {'problem' if count == 1 else 'problems'} in {files} {'file' if files == 1 else 'files'}."


def fail(message: str) -> None:
    """Print an error message to stderr (redacted; red at a terminal)."""
    style.echo(redact(message), err=True)


def handle_errors(func: Callable[P, int | None]) -> Callable[P, None]:
    """Run a command body, turn `ReconcilerError` into a message and exit 1, and exit with its code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            code = func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                fail(str(problem))
            fail(problem_count(exc.problems))  # the same wording as `validate`
            sys.exit(EXIT_ERROR)
        except ReconcilerError as exc:
            fail(f"Error: {exc}")
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            fail("Interrupted.")
            sys.exit(130)
        sys.exit(code or EXIT_OK)

    return wrapper


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a synchronous click command."""
    import asyncio  # here, not at the top: offline commands never need the event loop

    return asyncio.run(coro)
