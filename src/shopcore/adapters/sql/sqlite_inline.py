"""SQLite for the async engine, run on the event loop's own thread.

aiosqlite gives every connection a worker thread and hands each call (cursor, execute,
fetch, close, commit) to it and the result back: four thread hand-offs per statement,
about thirty for placing an order, where SQLite itself needs microseconds per statement.
:class:`InlineSqliteDialect` is the ``sqlite+aiosqlite`` dialect with the driver's
thread taken out: SQLAlchemy's async engine calls ``sqlite3`` directly.

The one thing a thread was good for is waiting: a statement that finds the database
locked by another process (another server, the CLI) waits in SQLite's busy handler,
which here would freeze the event loop. So the connections' busy timeout is 0, and a
statement answered ``SQLITE_BUSY`` is run again after an ``asyncio.sleep`` (1 ms,
doubling up to 50 ms) until :data:`BUSY_TIMEOUT_S` has passed, then raised. A
statement that fails with ``SQLITE_BUSY`` has done nothing, so running it again is
safe; so is running ``COMMIT`` again. Within one process the writers already queue on
the unit of work's lock, so the waits are only for other processes.

Statements block the event loop while SQLite runs them: keep them short (an index
lookup, a write of one order). Every query shopcore sends is.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

BUSY_TIMEOUT_S = 30.0
DRIVER = "shopcore_inline"
_FIRST_DELAY_S = 0.001
_LONGEST_DELAY_S = 0.05
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, 261})  # 261: SQLITE_BUSY_RECOVERY

_T = TypeVar("_T")


def is_busy(error: sqlite3.OperationalError) -> bool:
    """True for ``SQLITE_BUSY``: the statement did nothing and may run again."""
    return getattr(error, "sqlite_errorcode", None) in _BUSY_CODES


def _waiting_while_busy(call: Callable[[], _T]) -> _T:
    """``call()``; while it fails with ``SQLITE_BUSY``, again after growing sleeps on the
    event loop, until :data:`BUSY_TIMEOUT_S` has passed."""
    try:
        return call()
    except sqlite3.OperationalError as first:
        if not is_busy(first):
            raise
        error = first
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = _FIRST_DELAY_S
    while time.monotonic() < deadline:
        await_only(asyncio.sleep(delay))
        delay = min(delay * 2, _LONGEST_DELAY_S)
        try:
            return call()
        except sqlite3.OperationalError as busy:
            if not is_busy(busy):
                raise
            error = busy
    raise error


class _Ready:
    """An awaitable that is done at once."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield  # a generator, so that ``await`` accepts it


_READY = _Ready()


def _hand_over() -> None:
    # The async engine checks that every statement awaited something (it guards
    # against sync drivers); awaiting a done awaitable passes through the event loop's
    # side of the greenlet and straight back.
    if in_greenlet():
        await_only(_READY)


class InlineCursor(sqlite3.Cursor):
    """A cursor whose statements wait out ``SQLITE_BUSY`` without blocking the loop."""

    def execute(self, sql: str, parameters: Any = (), /) -> InlineCursor:
        _hand_over()
        return _waiting_while_busy(lambda: sqlite3.Cursor.execute(self, sql, parameters))

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> InlineCursor:
        rows = list(seq_of_parameters)  # an iterator would be spent by the first try
        _hand_over()
        return _waiting_while_busy(lambda: sqlite3.Cursor.executemany(self, sql, rows))

    async def _async_soft_close(self) -> None:
        """What the async engine awaits after a statement; rows are read on demand."""


class InlineConnection(sqlite3.Connection):
    """A ``sqlite3`` connection with :class:`InlineCursor` cursors and a commit that
    waits out ``SQLITE_BUSY`` the same way."""

    def cursor(self, factory: Any = InlineCursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def commit(self) -> None:
        _waiting_while_busy(lambda: sqlite3.Connection.commit(self))


class InlineSqliteDialect(SQLiteDialect_pysqlite):
    """``sqlite+aiosqlite`` without aiosqlite's thread: see the module's docstring."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    has_terminate = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        cparams.update(factory=InlineConnection, timeout=0, check_same_thread=False)
        return sqlite3.connect(*cargs, **cparams)

    def do_terminate(self, dbapi_connection: Any) -> None:
        dbapi_connection.close()


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSqliteDialect")
