"""Running a whole unit of work again when it lost a race with another transaction."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shopcore.application.ports.unit_of_work import ConcurrentUpdate

T = TypeVar("T")
log = logging.getLogger("shopcore.retry")

DEFAULT_ATTEMPTS = 3
_BASE_DELAY_SECONDS = 0.02


async def retry_on_concurrent_update(
    work: Callable[[], Awaitable[T]],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = _BASE_DELAY_SECONDS,
) -> T:
    """Await ``work()``; when it raises ``ConcurrentUpdate`` (a deadlock, a serialization
    failure, a row changed under it) run it again, at most ``attempts`` times in all,
    after a short randomised pause. The last ``ConcurrentUpdate`` propagates.

    ``work`` must open its own unit of work, so that every attempt starts afresh.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except ConcurrentUpdate:
            if attempt == attempts:
                raise
            log.info("concurrent update, retrying (attempt %d of %d)", attempt + 1, attempts)
            # Jitter keeps the transactions that collided from colliding again in step.
            await asyncio.sleep(random.uniform(0, base_delay * attempt))  # noqa: S311
    raise AssertionError("unreachable")
