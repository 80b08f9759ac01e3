"""Statements run on a unit of work's driver connection, past the engine's execution path.

A statement through ``AsyncConnection.execute`` spends most of its time in SQLAlchemy
itself (a greenlet switch, the execution context, the cursor adapter, the result
object): measured on a read of a cart, ~174 µs of CPU on PostgreSQL where asyncpg
alone takes ~76 µs, ~83 µs on SQLite where ``sqlite3`` takes ~9 µs. The statements of
adding to a cart and placing an order (the shop's busiest writes) are therefore
:class:`DriverStatement` s: built once at import, compiled once per dialect
(:mod:`prepared`: the SQL, the parameters' order, bind and result processing), and run
on the driver connection that the ``AsyncConnection`` holds, in its transaction (begun
first if there is none, as ``execute`` would):

- asyncpg: the dialect's connection adapter begins its transaction lazily, at the
  first statement; a driver statement that comes first begins it the same way. The
  driver's errors are translated as the dialect translates them and raised as
  SQLAlchemy's ``DBAPIError`` s, so callers (and :func:`concurrency.lost_a_race`) see
  what the engine would raise; a lost connection invalidates the ``AsyncConnection``.
- the inline SQLite dialect (:mod:`sqlite_inline`): ``sqlite3`` directly, waiting out
  ``SQLITE_BUSY`` as the dialect does.
- any other driver (aiosqlite): ``exec_driver_sql`` on the connection.

In a unit of work whose every statement commits on its own (autocommit and read-only
ones, on PostgreSQL), the connection is an :class:`AutocommitConnection`: a driver
statement runs on one of the engine's direct connections (:mod:`postgres_direct`), and
the engine's pool is only used for statements through the engine.

Listeners of the engine's ``before_cursor_execute`` event (logging, tracing, tests that
count statements) are told of every statement, with neither cursor nor context.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from shopcore.adapters.sql import sqlite_inline
from shopcore.adapters.sql.postgres_direct import (
    Lease,
    PostgresDirectConnections,
    is_connection_error,
)
from shopcore.adapters.sql.prepared import Prepared, prepare

_ASYNCPG_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)
"""What the dialect's DBAPI adapter translates (the rest it raises as they are)."""


class DriverStatement:
    """A Core statement (or a function building it for a dialect) run on the driver.

    Declare one at module level; its parameters are named ``bindparam`` s."""

    def __init__(self, statement: Executable | Callable[[Dialect], Executable]) -> None:
        self._statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, Prepared] = (
            weakref.WeakKeyDictionary())

    def compiled(self, dialect: Dialect) -> Prepared:
        """The statement compiled for ``dialect`` (once)."""
        prepared = self._compiled.get(dialect)
        if prepared is None:
            statement = self._statement if isinstance(self._statement, Executable) \
                else self._statement(dialect)
            prepared = self._compiled[dialect] = self.check(prepare(statement, dialect))
        return prepared

    def check(self, prepared: Prepared) -> Prepared:
        """Hook for subclasses: refuse a compiled form they cannot run."""
        return prepared

    async def fetch(self, connection: AsyncConnection, parameters: Mapping[str, Any]
                    ) -> list[Any]:
        """The rows the statement returns (a select's, or a write's ``RETURNING``)."""
        prepared = self.compiled(connection.dialect)
        raw = await _run(connection, prepared, _FETCH, prepared.arguments(parameters))
        return prepared.rows(raw)

    async def execute(self, connection: AsyncConnection, parameters: Mapping[str, Any]
                      ) -> int:
        """Run the write; the number of rows it inserted, updated or deleted."""
        prepared = self.compiled(connection.dialect)
        count: int = await _run(connection, prepared, _EXECUTE,
                                prepared.arguments(parameters))
        return count

    async def execute_many(self, connection: AsyncConnection,
                           parameter_sets: Sequence[Mapping[str, Any]]) -> None:
        """Run the write once for each of ``parameter_sets`` (nothing when empty)."""
        if not parameter_sets:
            return
        prepared = self.compiled(connection.dialect)
        await _run(connection, prepared, _MANY,
                   [prepared.arguments(parameters) for parameters in parameter_sets])


_FETCH, _EXECUTE, _MANY = "fetch", "execute", "many"


async def _run(connection: AsyncConnection, prepared: Prepared, kind: str,
               arguments: list[Any]) -> Any:
    if isinstance(connection, AutocommitConnection):
        lease = await connection.direct.acquire()
        if lease is not None:
            return await _on_lease(connection, lease, prepared.sql, kind, arguments)
        await connection.started()  # no direct connection here: through the engine's
    sync = connection.sync_connection
    assert sync is not None, "the connection is not open"
    if not sync.in_transaction():
        await connection.begin()  # as the engine's execute would (autobegin)
    driver = connection.dialect.driver
    if driver == "asyncpg":
        announce(sync, prepared.sql, arguments, kind)
        return await _on_asyncpg(sync, prepared.sql, kind, arguments)
    if driver == sqlite_inline.DRIVER:
        announce(sync, prepared.sql, arguments, kind)
        try:  # directly: a greenlet per statement would cost more than SQLite's work
            return _on_sqlite(sync, prepared.sql, kind, arguments, wait=False)
        except _Busy:  # another process holds the lock: wait for it on the event loop
            return await greenlet_spawn(_on_sqlite, sync, prepared.sql, kind, arguments, True)
    parameters = [tuple(row) for row in arguments] if kind == _MANY else tuple(arguments)
    result = await connection.exec_driver_sql(prepared.sql, parameters)
    if kind == _FETCH:
        return result.fetchall()
    return result.rowcount


class AutocommitConnection(AsyncConnection):
    """The connection of a unit of work whose every statement commits on its own, on
    PostgreSQL (autocommit and read-only units of work): its driver statements run on a
    connection of ``direct`` taken for that one statement (:mod:`postgres_direct`); a
    connection of the engine's pool, in autocommit, is checked out only for the first
    statement through the engine (``execute``, ``scalar``, ``scalars``,
    ``exec_driver_sql``), or for driver statements when ``direct`` has no connection.
    As every statement is a transaction of its own, which connection runs it does not
    change what it sees or what it leaves behind. A unit of work that runs only driver
    statements costs no checkout: ~130 -> ~8 µs of CPU."""

    def __init__(self, engine: AsyncEngine, direct: PostgresDirectConnections) -> None:
        super().__init__(engine)
        self.direct = direct

    @property
    def dialect(self) -> Dialect:
        """The engine's dialect (known before a connection is checked out)."""
        return self.sync_engine.dialect

    @dialect.setter
    def dialect(self, dialect: Dialect) -> None:
        raise AttributeError("the dialect is the engine's")

    async def started(self) -> None:
        """Check out the engine's connection, in autocommit, if not yet done."""
        if self.sync_connection is None:
            await self.start()
            await self.execution_options(isolation_level="AUTOCOMMIT")

    async def execute(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        await self.started()
        return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        await self.started()
        return await super().scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        await self.started()
        return await super().scalars(*args, **kwargs)

    async def exec_driver_sql(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        await self.started()
        return await super().exec_driver_sql(*args, **kwargs)

    async def commit(self) -> None:
        """Nothing to commit (each statement committed); the engine's connection's
        ``commit`` if one was checked out."""
        if self.sync_connection is not None:
            await super().commit()


async def _on_lease(connection: AutocommitConnection, lease: Lease, sql: str, kind: str,
                    arguments: list[Any]) -> Any:
    """One statement on a direct connection; its errors raised as the engine would."""
    engine = connection.sync_engine
    if engine._has_events:
        engine.dispatch.before_cursor_execute(None, None, sql, arguments, None, kind == _MANY)
    try:
        result = await _on_driver(lease.connection, sql, kind, arguments)
    except BaseException as error:
        connection.direct.release(lease, error)
        if isinstance(error, _ASYNCPG_ERRORS):
            raise _translated(engine.dialect, sql, arguments, error,
                              lost=is_connection_error(error)) from error
        raise
    connection.direct.release(lease)
    return result


def _translated(dialect: Dialect, sql: str, arguments: Any, error: Any, *, lost: bool
                ) -> BaseException:
    """An asyncpg error as the engine raises it: translated by the dialect's DBAPI
    adapter (as its connection's ``_handle_exception`` does), then a ``DBAPIError``
    (``connection_invalidated`` when the connection was ``lost``, as for the engine's
    connection after a disconnect)."""
    dbapi: Any = dialect.loaded_dbapi
    for cls in type(error).__mro__:
        translate = dbapi._asyncpg_error_translate.get(cls)
        if translate is not None:
            translated = translate(f"{type(error)}: {error}")
            translated.pgcode = translated.sqlstate = getattr(error, "sqlstate", None)
            translated.__cause__ = error
            return as_engine_error(dialect, sql, arguments, translated, invalidated=lost)
    return error  # type: ignore[no-any-return]


def announce(sync: Connection, sql: str, arguments: Any, kind: str = _EXECUTE) -> None:
    """Tell the engine's ``before_cursor_execute`` listeners of a statement run on the
    driver (with neither cursor nor context)."""
    if sync._has_events or sync.engine._has_events:
        sync.dispatch.before_cursor_execute(sync, None, sql, arguments, None, kind == _MANY)


async def _on_asyncpg(sync: Connection, sql: str, kind: str, arguments: list[Any]) -> Any:
    pooled = sync.connection
    adapter: Any = pooled.dbapi_connection  # the dialect's AsyncAdapt_asyncpg_connection
    driver: Any = pooled.driver_connection
    dialect = sync.dialect
    try:
        try:
            if not adapter._started:
                await adapter._start_transaction()
            return await _on_driver(driver, sql, kind, arguments)
        except _ASYNCPG_ERRORS as error:
            adapter._handle_exception(error)  # raises the dialect's translation
            raise
    except dialect.loaded_dbapi.Error as error:
        raise await _wrapped(sync, sql, arguments, error) from error


async def _on_driver(driver: Any, sql: str, kind: str, arguments: list[Any]) -> Any:
    """The statement on an asyncpg connection: its rows, or the rows it affected."""
    if kind == _FETCH:
        return await driver.fetch(sql, *arguments)
    if kind == _MANY:
        return await driver.executemany(sql, arguments)
    return _affected(await driver.execute(sql, *arguments))


def _affected(status: str) -> int:
    """Rows affected, from a command status such as ``UPDATE 1`` or ``INSERT 0 1``."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else -1


class _Busy(Exception):
    """SQLite answered ``SQLITE_BUSY`` to a statement run without waiting (it did nothing)."""


def _on_sqlite(sync: Connection, sql: str, kind: str, arguments: list[Any], wait: bool) -> Any:
    """``wait``: in a greenlet, with the dialect's cursor that waits out ``SQLITE_BUSY``;
    otherwise with a plain cursor, raising :class:`_Busy`."""
    driver: Any = sync.connection.driver_connection
    cursor = driver.cursor() if wait else driver.cursor(sqlite3.Cursor)
    try:
        try:
            if kind == _MANY:
                cursor.executemany(sql, arguments)
                return None
            cursor.execute(sql, arguments)
            return cursor.fetchall() if kind == _FETCH else cursor.rowcount
        finally:
            cursor.close()
    except sqlite3.Error as error:
        if not wait and isinstance(error, sqlite3.OperationalError) and \
                sqlite_inline.is_busy(error):
            raise _Busy() from error
        raise as_engine_error(sync.dialect, sql, arguments, error) from error


def as_engine_error(dialect: Dialect, sql: str, arguments: Any, error: Any,
                    *, invalidated: bool = False) -> BaseException:
    """The driver's ``error`` as the engine would raise it (a ``DBAPIError``)."""
    wrapped: BaseException = DBAPIError.instance(
        sql, arguments, error, dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated, dialect=dialect)
    return wrapped


async def _wrapped(sync: Connection, sql: str, arguments: list[Any],
                   error: Any) -> BaseException:
    lost = sync.dialect.is_disconnect(error, sync.connection.dbapi_connection, None)
    if lost:
        await greenlet_spawn(sync.invalidate, error)
    return as_engine_error(sync.dialect, sql, arguments, error, invalidated=lost)
