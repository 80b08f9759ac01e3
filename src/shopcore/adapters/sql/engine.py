"""Creating the async engine with the per-engine settings each database needs."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from shopcore.adapters.sql import driver, sqlite_inline

DATABASE_UNAVAILABLE = (SQLAlchemyError, OSError, TimeoutError,
                        asyncpg.PostgresError, asyncpg.InterfaceError)
"""What connecting to the database of the engines built here raises when it does not
answer or refuses the connection: asyncpg's own errors (a missing database, an unknown
role or a wrong password, a rejected SSL setting, a server starting up or shutting down)
and socket errors come through unwrapped from the connect."""


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pool_timeout: float = 30,
    pool_recycle: int = 1800,
    on_thread: bool = False,
) -> AsyncEngine:
    """An async engine for ``url``.

    On PostgreSQL each process keeps up to ``pool_size`` connections open and opens up
    to ``max_overflow`` more under load (default: ``pool_size``); a request waits at
    most ``pool_timeout`` seconds for a connection; connections older than
    ``pool_recycle`` seconds (0: never) are replaced, and a connection that sat in the
    pool for :data:`PING_AFTER_IDLE_S` or longer is pinged before use (replaced if dead).
    The engine's direct connections (``postgres_direct``: the catalog's reads by id and
    the statements of autocommit and read-only units of work) are a pool of their own of
    up to ``pool_size`` more: size the pools so that processes x (2 x pool_size +
    max_overflow) stays below the server's ``max_connections``.

    On SQLite the statements run on the event loop's thread (``sqlite_inline``: no
    driver thread; a locked database is waited for without blocking the loop, up to
    30 s) — or, with ``on_thread``, on aiosqlite's worker thread, for queries whose cost
    grows with the data, so that the event loop goes on serving meanwhile. Every write
    transaction starts with ``BEGIN IMMEDIATE``, WAL lets readers go on while one writer
    works, foreign keys are enforced and temporary storage is in memory.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {"echo": echo, "json_serializer": json_text,
                               "json_deserializer": msgspec.json.decode}
    if parsed.get_backend_name() == "sqlite":
        if on_thread:
            busy_timeout_s = sqlite_inline.BUSY_TIMEOUT_S  # waited for on the thread
            engine = create_async_engine(parsed.set(drivername="sqlite+aiosqlite"),
                                         connect_args={"timeout": busy_timeout_s}, **options)
        else:
            busy_timeout_s = 0
            engine = create_async_engine(
                parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}"), **options)
        _configure_sqlite(engine, busy_timeout_s)
        return engine
    options.update(pool_size=pool_size,
                   max_overflow=pool_size if max_overflow is None else max_overflow,
                   pool_timeout=pool_timeout, pool_recycle=pool_recycle or -1)
    engine = create_async_engine(url, **options)
    _ping_after_idle(engine)
    return engine


def json_text(value: Any) -> str:
    """``value`` as JSON text for a ``JSON`` column or parameter: msgspec's encoder, which
    takes a fraction of the standard library's time (the lines and the address of every
    order placed go through it)."""
    return msgspec.json.encode(value).decode()


PING_AFTER_IDLE_S = 2.0
"""A pooled connection idle this long is pinged before it is handed out."""


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Ping connections that were idle, not every checkout.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one more round trip for
    every unit of work (~10% of placing an order). The connections that die unseen
    (a server restart, an idle-connection timeout, a network cut) are the idle ones;
    one in steady use that breaks fails its statement, and the pool is then refilled.
    """
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_S:
            return  # just opened, or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out another (or a new) one.
            raise DisconnectionError() from error

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()


def _configure_sqlite(engine: AsyncEngine, busy_timeout_s: float) -> None:
    memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Temporary files in memory: the savepoints of shared write transactions
        # (sqlite_writers) otherwise spill their journal to a temporary file, which
        # doubled the writes per order; what else goes there (a sort too large for
        # its cache) is bounded by shopcore's queries.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # On the driver's cursor: through exec_driver_sql it cost ~45 µs, ten times
        # SQLite's own work (a unit of work's every transaction starts here).
        statement = f"BEGIN {mode}"
        driver.announce(connection, statement, ())
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        except connection.dialect.loaded_dbapi.Error as error:
            raise driver.as_engine_error(connection.dialect, statement, (), error) from error
        finally:
            cursor.close()


def is_sqlite(engine: AsyncEngine) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


@asynccontextmanager
async def read_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection that only reads. SQLite: a ``BEGIN DEFERRED`` transaction, which
    takes no write lock, ended by closing it. PostgreSQL: autocommit, no BEGIN and
    ROLLBACK round trips; under READ COMMITTED each statement has its own snapshot
    inside a transaction too, so the answers are the same."""
    async with engine.connect() as connection:
        if is_sqlite(engine):
            await connection.execution_options(sqlite_begin="DEFERRED")
        else:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
