"""Short PostgreSQL reads in one round trip on a raw asyncpg connection.

The fast path of a product by id on PostgreSQL. Through the engine, such a read costs
far more than PostgreSQL's index lookup: the pool's checkout (and its ping of a
connection that sat idle), SQLAlchemy's connection, statement and result machinery and
its asyncpg adapter. :class:`PostgresDirectReader` runs the statement on a small asyncpg
pool of its own instead: one round trip (Bind, Execute, Sync; asyncpg keeps the
statement prepared on each connection after its first Parse), no ping, and no reset
query when a connection goes back to the pool (these connections only run single
SELECTs in autocommit and never change their session). A statement in autocommit has
its own snapshot and sees every transaction committed before it started, as a read
through the engine does under READ COMMITTED. The SQL and the result processing are
the engine's (``prepared``), so the rows hold the same values. Measured in-process
(``SqlProductCatalog.get_visible``, 20,000 random ids among 10,000 products, a shared
2-CPU machine): ~660 -> ~160 µs of client CPU per read one at a time, ~670 -> ~125 µs
with 16 at a time.

The pool connects with the arguments the engine's dialect gives asyncpg (user,
password, host, port, database, URL options such as ``ssl``), holds 1 to the engine's
``pool_size`` connections (``application_name``: ``shopcore direct reads``), and is
created in the running event loop by the first read (reads meanwhile use the engine).
:meth:`PostgresDirectReader.fetch` answers ``None``, for the caller to read through the
engine, whenever it cannot answer: while the pool is being created, in another event
loop, on a database error, and on a connection error, which also closes the pool (a new
one is made on a read ``RETRY_AFTER_S`` later). Those errors never reach the caller:
only speed changes. The pool is closed when the engine is disposed (``engine.dispose()``,
which ``close_container`` calls). Only statements with a small, bounded cost (an index
lookup) belong here. Each process holds up to ``pool_size`` more connections: count
them in the server's ``max_connections``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Select, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

from shopcore.adapters.sql.prepared import Prepared, prepare

RETRY_AFTER_S = 5.0
"""After a connection error, the engine answers alone for this long."""
CONNECT_TIMEOUT_S = 5.0
"""Opening one connection of the pool gives up after this long (unless the URL says)."""
DEFAULT_MAX_SIZE = 10
APPLICATION_NAME = "shopcore direct reads"
"""How the pool's connections show in ``pg_stat_activity``."""

_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.InterfaceError,
                      asyncpg.InternalClientError, asyncpg.PostgresConnectionError,
                      asyncpg.exceptions.AdminShutdownError,
                      asyncpg.exceptions.CrashShutdownError,
                      asyncpg.exceptions.CannotConnectNowError)
"""The pool's connections are gone or unusable: close it, retry later."""
_ADAPTER_ONLY = ("async_fallback", "async_creator_fn", "prepared_statement_name_func")
"""Options of SQLAlchemy's asyncpg adapter, which asyncpg.connect does not take."""


class PostgresDirectReader:
    """Reads of prepared statements on an asyncpg pool of its own (asyncpg engines)."""

    def __init__(self, engine: AsyncEngine, *, max_size: int | None = None) -> None:
        self._dialect = engine.dialect
        self._connect = _connect_arguments(engine)
        self._max_size = max_size or _pool_size(engine)
        self._pool: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: asyncio.Task[Any] | None = None
        self._generation = 0  # one more at every dispose: a pool started before is closed
        self._resting_until = 0.0
        if self._connect is not None:
            event.listen(engine.sync_engine, "engine_disposed", self._on_dispose)

    @property
    def available(self) -> bool:
        """False for engines that do not talk to PostgreSQL through asyncpg."""
        return self._connect is not None

    def prepare(self, statement: Select[Any]) -> Prepared:
        """``statement`` compiled once for :meth:`fetch`; bind parameters by name."""
        return prepare(statement, self._dialect)

    async def fetch(self, prepared: Prepared, parameters: Mapping[str, Any]
                    ) -> Sequence[Any] | None:
        """The rows of ``prepared``, or None when the engine must answer instead."""
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = await self._ready_pool()
            if pool is None:
                return None
        try:
            async with pool.acquire() as connection:
                raw = await connection.fetch(prepared.sql, *prepared.arguments(parameters))
        except _CONNECTION_ERRORS:
            self._discard(pool)
            return None
        except asyncpg.PostgresError:  # the engine gets (and reports) the same error
            return None
        return prepared.rows(raw)

    async def _ready_pool(self) -> Any:
        """This loop's pool, created by the first caller (the others meanwhile get
        None), or None while resting after an error or when none can be had here."""
        if self._connect is None:
            return None
        loop = asyncio.get_running_loop()
        if self._pool is not None:
            if self._loop is loop:
                return self._pool
            if self._loop is not None and not self._loop.is_closed():
                return None  # another loop's pool, still in use there
            self._pool = None  # its loop is gone, and its connections with it
        if self._starting is not None or time.monotonic() < self._resting_until:
            return None
        starting = self._starting = loop.create_task(self._create(loop))
        # Shielded: a cancelled request does not leave a half-made pool behind.
        return await asyncio.shield(starting)

    async def _create(self, loop: asyncio.AbstractEventLoop) -> Any:
        generation = self._generation
        assert self._connect is not None
        try:
            pool = await asyncpg.create_pool(
                min_size=1, max_size=self._max_size, reset=_keep_session, **self._connect)
        except (*_CONNECTION_ERRORS, asyncpg.PostgresError):  # refused: the engine answers
            self._resting_until = time.monotonic() + RETRY_AFTER_S
            return None
        finally:
            self._starting = None
        if generation != self._generation:  # disposed meanwhile
            await pool.close()
            return None
        self._pool, self._loop = pool, loop
        return pool

    def _discard(self, pool: Any) -> None:
        """Close ``pool`` after a connection error; the engine answers for a while."""
        self._resting_until = time.monotonic() + RETRY_AFTER_S
        if self._pool is pool:
            self._pool = None
            _terminate(pool)

    def _on_dispose(self, _engine: Any) -> None:
        """``engine_disposed``: ``AsyncEngine.dispose`` runs its listeners in a greenlet
        of its event loop, where the pool can be closed properly; elsewhere it is
        terminated."""
        self._generation += 1
        self._resting_until = 0.0
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            same_loop = self._loop is asyncio.get_running_loop()
        except RuntimeError:
            same_loop = False
        if same_loop and in_greenlet():
            await_only(pool.close())
        else:
            _terminate(pool)


async def _keep_session(_connection: Any) -> None:
    """The pool's reset on release: nothing (asyncpg's default is a round trip running
    ``RESET ALL``, ``UNLISTEN *``... for sessions these connections never change)."""


def _terminate(pool: Any) -> None:
    with contextlib.suppress(RuntimeError):  # its event loop is closed: nothing to close
        pool.terminate()


def _connect_arguments(engine: AsyncEngine) -> dict[str, Any] | None:
    """What the engine's dialect passes to ``asyncpg.connect``, or None (no asyncpg)."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "asyncpg":
        return None
    _, options = engine.dialect.create_connect_args(engine.url)
    arguments: dict[str, Any] = {key: value for key, value in options.items()
                                 if key not in _ADAPTER_ONLY}
    if arguments.pop("prepared_statement_cache_size", None) == 0:
        arguments["statement_cache_size"] = 0  # e.g. behind pgbouncer: no named statements
    arguments.setdefault("timeout", CONNECT_TIMEOUT_S)
    arguments["server_settings"] = {"application_name": APPLICATION_NAME,
                                    **arguments.get("server_settings", {})}
    return arguments


def _pool_size(engine: AsyncEngine) -> int:
    size = getattr(engine.sync_engine.pool, "size", None)
    return int(size()) if callable(size) else DEFAULT_MAX_SIZE
