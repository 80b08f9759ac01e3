"""SQLite's write units of work of one process: turns, and group commit.

SQLite lets one writer work at a time. The write units of work of one engine in one
event loop therefore take turns here, first come first served, instead of queueing in
SQLite's busy handler (which sleeps with a growing back-off). And because they run one
after the other anyway, consecutive turns share one transaction on one connection
(*group commit*): each unit of work is a savepoint of it (but the first, whose rollback
is the transaction's), released on ``commit()`` or rolled back when it ends without
one; the transaction itself commits when the last unit of work in line ends its turn
(or after :data:`MOST_UNITS_PER_COMMIT`). A ``commit()`` returns only once that
transaction has committed, so what it wrote is durable and seen by every reader before
its caller goes on; if that commit fails, it fails in every unit of work released into
it.

Under load this is most of a write's cost saved: a ``COMMIT`` writes every page the
transaction changed to the WAL (a user's row, the sales of a product, the indexes'
pages) and one transaction of sixteen orders changes far fewer pages than sixteen; the
connection is checked out and ``BEGIN IMMEDIATE`` run once for all of them. (The
savepoints' journal is kept in memory: ``temp_store=MEMORY``, see ``engine.py``.)

One rule comes with it: a unit of work must not, while its turn lasts, wait for another
write unit of work to *return* (that one waits for the turn to end, as it waited for
the lock before).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from dataclasses import dataclass
from functools import partial

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from shopcore.adapters.sql.driver import DriverStatement

MOST_UNITS_PER_COMMIT = 32
"""Units of work released into one transaction before it commits, also with writers in line."""

_SAVEPOINT = DriverStatement(text("SAVEPOINT shopcore_unit"))
_RELEASE = DriverStatement(text("RELEASE shopcore_unit"))
_ROLLBACK_TO = DriverStatement(text("ROLLBACK TO shopcore_unit"))


class TransactionLost(RuntimeError):
    """SQLite rolled the shared transaction back (a disk full or I/O error in a unit of
    work): the units of work released into it are not committed."""


@dataclass(eq=False)
class _Transaction:
    connection: AsyncConnection
    outcome: asyncio.Future[None]
    released: int = 0
    """Units of work whose work was released into it."""
    in_savepoint: bool = False
    """The unit of work whose turn it is runs in a savepoint (the first one needs none:
    its rollback is the transaction's)."""
    lost: BaseException | None = None
    """Why it cannot be committed, when it cannot."""


class SqliteWriters:
    """The turns of the write units of work on one SQLite engine in one event loop."""

    def __init__(self) -> None:
        self._taken = False
        self._line: deque[asyncio.Future[None]] = deque()
        self._transaction: _Transaction | None = None
        self._ending: set[asyncio.Task[None]] = set()

    async def take_turn(self, engine: AsyncEngine) -> Connection:
        """Wait for the turn, then join the shared transaction (in a savepoint, unless
        this unit of work begins it, on a connection of ``engine``, the engine these
        writers are of); the connection it runs on."""
        await self._wait_for_turn()
        try:
            transaction = self._transaction
            if transaction is None:
                connection = AsyncConnection(engine, await greenlet_spawn(_begin, engine))
                transaction = self._transaction = _Transaction(
                    connection, asyncio.get_running_loop().create_future())
            else:
                await _SAVEPOINT.execute(transaction.connection, {})
                transaction.in_savepoint = True
        except BaseException as error:
            if self._transaction is not None:  # the savepoint failed: do not go on in it
                self._transaction.lost = error
            self._pass_turn()
            raise
        assert transaction.connection.sync_connection is not None
        return transaction.connection.sync_connection

    async def end_turn(self, *, release: bool) -> asyncio.Future[None] | None:
        """End the turn: release this unit's work into the shared transaction, or roll it
        back; hand the turn on. For released work, the future of the commit; rolled
        back work returns once the transaction it ended (if it did) has ended."""
        transaction = self._transaction
        if transaction is None:  # its beginning failed
            self._pass_turn()
            return None
        ending = None
        in_savepoint, transaction.in_savepoint = transaction.in_savepoint, False
        try:
            if in_savepoint and _in_transaction(transaction.connection):
                if not release:
                    await _ROLLBACK_TO.execute(transaction.connection, {})
                await _RELEASE.execute(transaction.connection, {})
            transaction.released += release
        except BaseException as error:
            transaction.lost = error
            raise
        finally:
            if transaction.lost is None and not _in_transaction(transaction.connection):
                transaction.lost = TransactionLost("SQLite rolled it back itself")
            # Rolled back without a savepoint: the whole transaction, with nothing else in it.
            ending = self._pass_turn(end=not release and not in_savepoint)
        if release:
            return transaction.outcome
        if ending is not None:  # so that its connection is back before the caller goes on
            await asyncio.wait([ending])
        return None

    async def _wait_for_turn(self) -> None:
        if not self._taken and not self._line:
            self._taken = True
            return
        turn = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_turn()  # it was handed to this writer: hand it on
            else:
                self._line.remove(turn)
            raise

    def _pass_turn(self, *, end: bool = False) -> asyncio.Task[None] | None:
        """Hand the turn on, the shared transaction with it; or end the transaction
        first (when told to, nobody waits, it holds enough, or it is lost): the task
        ending it."""
        transaction = self._transaction
        if transaction is not None and (
                end or transaction.lost is not None or not self._line_waits()
                or transaction.released >= MOST_UNITS_PER_COMMIT):
            self._transaction = None
            # A task of its own: no caller's cancellation may interrupt a commit. And
            # it is how groups form: writers that arrive before the task runs line up
            # for the next turn (a lone writer committing at once, with no pause,
            # left every writer alone under W6, which fell back to ~800 requests/s).
            ending = asyncio.get_running_loop().create_task(self._end(transaction))
            self._ending.add(ending)
            ending.add_done_callback(self._ending.discard)
            ending.add_done_callback(partial(_settle, transaction.outcome))
            return ending
        self._hand_on()
        return None

    def _line_waits(self) -> bool:
        return any(not turn.done() for turn in self._line)

    def _hand_on(self) -> None:
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)  # the turn stays taken: it passes to that writer
                return
        self._taken = False

    async def _end(self, transaction: _Transaction) -> None:
        """Commit ``transaction`` (roll it back when nothing was released into it or it
        was lost), give its connection back and hand the turn on."""
        try:
            await greenlet_spawn(end_transaction, transaction.connection.sync_connection,
                                 commit=transaction.released > 0 and transaction.lost is None)
        finally:
            self._hand_on()
        if transaction.lost is not None:
            raise TransactionLost("the transaction these units of work shared was rolled "
                                  "back") from transaction.lost


def _settle(outcome: asyncio.Future[None], ending: asyncio.Task[None]) -> None:
    """Tell the units of work released into a transaction how its ``ending`` went."""
    if ending.cancelled():
        outcome.cancel()
    elif (error := ending.exception()) is not None:
        outcome.set_exception(error)
        outcome.exception()  # retrieved: none of them may be waiting any more
    else:
        outcome.set_result(None)


def _begin(engine: AsyncEngine) -> Connection:
    """A connection of the pool with a write transaction begun (in a greenlet)."""
    connection = engine.sync_engine.connect()
    try:
        connection.begin()  # BEGIN IMMEDIATE: see engine.py
    except BaseException:
        connection.close()
        raise
    return connection


def _in_transaction(connection: AsyncConnection) -> bool:
    """False once SQLite itself has rolled the transaction back."""
    assert connection.sync_connection is not None
    return bool(getattr(connection.sync_connection.connection.driver_connection,
                        "in_transaction", True))


def end_transaction(connection: Connection | None, *, commit: bool) -> None:
    """Commit ``connection``'s transaction (or roll it back) and give the connection back
    to the pool (synchronous: in a greenlet)."""
    if connection is None:
        return
    try:
        if commit:
            connection.commit()
    finally:
        try:
            # Also after a failed commit: SQLAlchemy then keeps the transaction, inactive,
            # and closing would skip the pool's rollback, so that SQLite's transaction,
            # and the write lock, would stay open on the pooled connection.
            if connection.get_transaction() is not None:
                connection.rollback()
        finally:
            connection.close()


_WRITERS: weakref.WeakKeyDictionary[Engine, weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, SqliteWriters]] = weakref.WeakKeyDictionary()


def sqlite_writers(engine: AsyncEngine) -> SqliteWriters:
    """The writers of ``engine`` in this event loop."""
    per_loop = _WRITERS.setdefault(engine.sync_engine, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    writers = per_loop.get(loop)
    if writers is None:
        # Not holding the engine: a value of a weak-keyed mapping keeps its key alive.
        writers = per_loop[loop] = SqliteWriters()
    return writers
