"""One apply at a time per incident.io host on this machine: an exclusive file lock around plan-check-and-write.

Does file I/O (a lock file in the system's temporary folder). Two applies of one plan started together would both
find a route missing and both create it (a create has no idempotency key); holding this lock from the moment apply
reads live state until its last write makes the second run wait, then find the plan already applied. Across machines
the GitHub workflow's concurrency group plays this part. The operating system releases the lock when the process
dies, so a killed apply never leaves it behind.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from reconciler.errors import ConfigError


def lock_path(api_url: str) -> Path:
    """The lock file for applies to `api_url` (its scheme and host; never a key)."""
    digest = hashlib.sha256(api_url.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"reconciler-apply-{digest}.lock"


@contextmanager
def apply_lock(
    api_url: str, *, timeout: float, on_wait: Callable[[], None] | None = None, in_process: bool = False
) -> Iterator[None]:
    """Hold the apply lock for `api_url`; wait at most `timeout` seconds for another apply to finish.

    `in_process`: the API is the emulator embedded in this process (`--emulator`), which no other process can reach:
    there is nothing to share, so no lock is taken. Keyed by the embedded emulator's fixed URL, the lock would only
    make unrelated runs on one machine wait for each other.
    """
    if in_process:
        yield
        return
    lock = FileLock(lock_path(api_url))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait()
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise ConfigError(
                f"another reconciler apply to {api_url} is still running after {timeout:g} s; "
                "try again when it has finished"
            ) from None
    try:
        yield
    finally:
        lock.release()
