"""Short PostgreSQL statements in one round trip on raw asyncpg connections.

The fast path of a product by id on PostgreSQL (the ids asked for in one turn of the
event loop read by one statement: ``coalesced_reads``), and of the driver statements
of units of work whose statements each commit on their own (autocommit and read-only
ones: ``driver.AutocommitConnection``). Through the engine, such a statement costs far
more than PostgreSQL's work: the pool's checkout (and its ping of a connection that
sat idle), SQLAlchemy's connection, statement and result machinery and its asyncpg
adapter. :class:`PostgresDirectConnections` runs them on a small set of asyncpg
connections of its own instead: one round trip (Bind, Execute, Sync; asyncpg keeps the
statement prepared on each connection after its first Parse), no ping, and no reset
when a connection is given back (these connections only run single statements in
autocommit, which leave no transaction open, and never change their session). The set
is a list of idle connections and a queue of waiting statements, not an
``asyncpg.Pool``: a pool's acquire and release (its queue, the proxy, the reset and the
``asyncio.shield`` task of every release) cost about as much client CPU as the read
itself (in-process, 16 reads at a time: ~96 µs per read on a pool without reset, ~48
µs on the list). A statement in autocommit has its own snapshot and sees every
transaction committed before it started, as a statement through the engine does under
READ COMMITTED. The SQL and the result processing are the engine's (``prepared``), so
the rows hold the same values. Measured in-process (``SqlProductCatalog.get_visible``,
20,000 random ids among 10,000 products, a shared 2-CPU machine): ~660 -> ~160 µs of
client CPU per read one at a time, ~670 -> ~125 µs with 16 at a time; a unit of work
that checks out no engine connection: ~130 -> ~8 µs.

:meth:`PostgresDirectConnections.of` gives each engine one set (the catalog's reads
and the units of work share it). It connects with the arguments the engine's dialect
gives asyncpg (user, password, host, port, database, URL options such as ``ssl``),
holds 1 to the engine's ``pool_size`` connections (``application_name``: ``shopcore
direct``; one more is opened when every open one is busy, and each stays open, as the
engine's own pool keeps its connections), and is created in the running event loop by
the first statement (statements meanwhile use the engine). A statement cancelled while
it runs closes its connection (asyncpg would still be cancelling it server-side).
Whenever no connection can be had (while the set is being created, in another event
loop, after a connection error, which also closes the set; a new one is made
``RETRY_AFTER_S`` later) :meth:`~PostgresDirectConnections.fetch` answers ``None`` and
:meth:`~PostgresDirectConnections.acquire` gives none, for the caller to use the
engine: only speed changes. ``fetch`` also answers ``None`` on a database error (the
engine then reports it); a caller of ``acquire`` gets the driver's errors. The set is
closed when the engine is disposed (``engine.dispose()``, which ``close_container``
calls). Only statements with a small, bounded cost belong here. Each process holds up
to ``pool_size`` more connections: count them in the server's ``max_connections``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
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
APPLICATION_NAME = "shopcore direct"
"""How the pool's connections show in ``pg_stat_activity``."""

_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.InterfaceError,
                      asyncpg.InternalClientError, asyncpg.PostgresConnectionError,
                      asyncpg.exceptions.AdminShutdownError,
                      asyncpg.exceptions.CrashShutdownError,
                      asyncpg.exceptions.CannotConnectNowError)
"""The pool's connections are gone or unusable: close it, retry later."""
_ADAPTER_ONLY = ("async_fallback", "async_creator_fn", "prepared_statement_name_func")
"""Options of SQLAlchemy's asyncpg adapter, which asyncpg.connect does not take."""


class PostgresDirectConnections:
    """Statements on asyncpg connections of its own (asyncpg engines only)."""

    def __init__(self, engine: AsyncEngine, *, max_size: int | None = None) -> None:
        self._dialect = engine.dialect
        self._connect = _connect_arguments(engine)
        self._max_size = max_size or _pool_size(engine)
        self._pool: _Connections | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: asyncio.Task[_Connections | None] | None = None
        self._generation = 0  # one more at every dispose: a pool started before is closed
        self._resting_until = 0.0
        if self._connect is not None:
            event.listen(engine.sync_engine, "engine_disposed", self._on_dispose)

    @classmethod
    def of(cls, engine: AsyncEngine) -> PostgresDirectConnections:
        """The connections of ``engine``, shared by everything that runs on it."""
        shared = _SHARED.get(engine.sync_engine)
        if shared is None:
            shared = _SHARED[engine.sync_engine] = cls(engine)
        return shared

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
        lease = await self.acquire()
        if lease is None:
            return None
        try:
            raw = await lease.connection.fetch(prepared.sql,
                                               *prepared.arguments(parameters))
        except BaseException as error:
            self.release(lease, error)
            if is_connection_error(error) or isinstance(error, asyncpg.PostgresError):
                return None  # the engine answers (and reports a database error itself)
            raise  # cancelled, or a bug
        self.release(lease)
        return prepared.rows(raw)

    async def acquire(self) -> Lease | None:
        """A connection for one statement (give it back with :meth:`release`), or None
        when none can be had here: use the engine."""
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = await self._ready_pool()
            if pool is None:
                return None
        idle = pool.idle
        connection = idle.pop() if idle else None
        if connection is None or connection.is_closed():
            connection = await pool.wait(connection)
            if connection is None:
                return None
        return Lease(pool, connection)

    def release(self, lease: Lease, error: BaseException | None = None) -> None:
        """Give back a connection of :meth:`acquire`, after its statement raised
        ``error`` if given: kept after a database error, closed after anything else (a
        connection error also closes the set for ``RETRY_AFTER_S``)."""
        if is_connection_error(error):
            lease.pool.drop(lease.connection)
            self._discard(lease.pool)
        elif error is None or isinstance(error, asyncpg.PostgresError):
            lease.pool.give_back(lease.connection)
        else:
            lease.pool.drop(lease.connection)

    async def _ready_pool(self) -> _Connections | None:
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

    async def _create(self, loop: asyncio.AbstractEventLoop) -> _Connections | None:
        generation = self._generation
        assert self._connect is not None
        pool = _Connections(self._connect, self._max_size, self._discard)
        try:
            await pool.open_first()
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

    def _discard(self, pool: _Connections) -> None:
        """Close ``pool`` after a connection error; the engine answers for a while."""
        self._resting_until = time.monotonic() + RETRY_AFTER_S
        if self._pool is pool:
            self._pool = None
            pool.terminate()

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
            pool.terminate()


def is_connection_error(error: BaseException | None) -> bool:
    """True when ``error`` means the connection is gone or unusable (not a database
    error of one statement): a connection ended by the server, a broken socket, or a
    protocol left mid-message (an ``InternalClientError``, e.g. an idle connection that
    received the server's goodbye just before it was taken)."""
    return isinstance(error, _CONNECTION_ERRORS)


_SHARED: weakref.WeakKeyDictionary[Any, PostgresDirectConnections] = \
    weakref.WeakKeyDictionary()


class Lease:
    """An asyncpg connection taken from a set of :class:`PostgresDirectConnections`."""

    __slots__ = ("connection", "pool")

    def __init__(self, pool: _Connections, connection: Any) -> None:
        self.pool = pool
        self.connection = connection


class _Connections:
    """Up to ``max_size`` asyncpg connections of one event loop: the idle ones (last
    given back, first taken), and the reads waiting for one, served in order."""

    def __init__(self, connect: dict[str, Any], max_size: int,
                 on_connection_error: Callable[[_Connections], None]) -> None:
        self._connect = connect
        self._max_size = max_size
        self._on_connection_error = on_connection_error
        self.idle: list[Any] = []
        self._open = 0  # connections open or being opened, idle or not
        self._waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._opening: set[asyncio.Task[None]] = set()
        self._closed = False

    async def open_first(self) -> None:
        """Open one connection (its errors are the caller's)."""
        self._open += 1
        try:
            connection = await asyncpg.connect(**self._connect)
        except BaseException:
            self._open -= 1
            raise
        self.idle.append(connection)

    async def wait(self, closed: Any = None) -> Any:
        """An idle connection once there is one (one more is opened if the set is not
        full), or None when the set is closed meanwhile. ``closed``: a connection taken
        from the idle ones and found closed (ended by the server), replaced."""
        if closed is not None:
            self.drop(closed)
        while self.idle:
            connection = self.idle.pop()
            if not connection.is_closed():
                return connection
            self.drop(connection)
        if self._closed:
            return None
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._open_for_waiters()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                self.give_back(waiter.result())  # handed over just as it was cancelled
            raise

    def _open_for_waiters(self) -> None:
        """Open one more connection for the waiting reads, if the set is not full."""
        if self._waiting and not self._closed and self._open < self._max_size:
            self._open += 1
            task = asyncio.get_running_loop().create_task(self._open_one())
            self._opening.add(task)
            task.add_done_callback(self._opening.discard)

    async def _open_one(self) -> None:
        try:
            connection = await asyncpg.connect(**self._connect)
        except (*_CONNECTION_ERRORS, asyncpg.PostgresError):
            self._open -= 1
            self._on_connection_error(self)  # closes this set: the waiters get None
            self._shut()
            return
        except BaseException:
            self._open -= 1
            raise
        if self._closed:
            self._open -= 1
            _terminate(connection)
            return
        self.give_back(connection)

    def give_back(self, connection: Any) -> None:
        """``connection`` is free again: to the first read still waiting, else idle."""
        if self._closed:
            self.drop(connection)
            return
        waiting = self._waiting
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():  # a waiting read may have been cancelled
                waiter.set_result(connection)
                return
        self.idle.append(connection)

    def drop(self, connection: Any) -> None:
        """Close ``connection`` at once; another is opened if reads are waiting."""
        self._open -= 1
        _terminate(connection)
        self._open_for_waiters()

    async def close(self) -> None:
        """Close the idle connections properly; those in use are closed when given
        back, the waiting reads get None."""
        idle = self._shut()
        for connection in idle:
            try:
                await connection.close()
            except (*_CONNECTION_ERRORS, asyncpg.PostgresError):
                _terminate(connection)

    def terminate(self) -> None:
        """Close every connection at once (no goodbye to the server)."""
        for connection in self._shut():
            _terminate(connection)

    def _shut(self) -> list[Any]:
        self._closed = True
        idle, self.idle = self.idle, []
        self._open -= len(idle)
        waiting, self._waiting = self._waiting, collections.deque()
        for waiter in waiting:
            if not waiter.done():
                waiter.set_result(None)
        for task in list(self._opening):
            with contextlib.suppress(RuntimeError):  # its event loop is closed
                task.cancel()
        return idle


def _terminate(connection: Any) -> None:
    with contextlib.suppress(RuntimeError):  # its event loop is closed: nothing to close
        connection.terminate()


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
