"""Running requests side by side without leaving any behind.

`asyncio.gather` returns on the first failure and leaves the other requests running: they outlive the client they
use, and `asyncio.run` prints their failures as tracebacks at shutdown. `gather_all` cancels the rest and waits
for them before raising the first failure (a plain exception, not an ExceptionGroup).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar, cast

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


async def gather_all(*awaitables: Awaitable[T]) -> list[T]:
    """Run concurrently; on the first failure cancel the rest, wait for them, and raise that failure."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_wrap(aw)) for aw in awaitables]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Two reads at once, with `gather_all`'s rule."""
    a, b = await gather_all(first, second)
    return cast(A, a), cast(B, b)
