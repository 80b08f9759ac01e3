"""The SQL unit of work: a transaction (on SQLite, for writers, a savepoint of a shared
one), explicit commit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from shopcore.adapters.sql.concurrency import lost_a_race
from shopcore.adapters.sql.driver import AutocommitConnection
from shopcore.adapters.sql.postgres_direct import PostgresDirectConnections
from shopcore.adapters.sql.repositories.auth import (
    SqlOtpChallengeRepository,
    SqlRefreshTokenRepository,
    SqlUserRepository,
)
from shopcore.adapters.sql.repositories.catalog import SqlProductRepository
from shopcore.adapters.sql.repositories.payments import SqlPaymentRepository
from shopcore.adapters.sql.repositories.shopping import (
    SqlCartRepository,
    SqlOrderRepository,
    SqlReviewRepository,
    SqlWishlistRepository,
)
from shopcore.adapters.sql.sqlite_writers import (
    SqliteWriters,
    end_transaction,
    sqlite_writers,
)
from shopcore.application.ports.unit_of_work import ConcurrentUpdate


class SqlUnitOfWork:
    """A transaction on ``engine``; leaving without ``commit()`` rolls back.

    On SQLite the write units of work of a process take turns, and consecutive ones
    share a transaction (:mod:`sqlite_writers`): while its block lasts, a unit of work
    must not wait for another write unit of work to return."""

    users: SqlUserRepository
    otp_challenges: SqlOtpChallengeRepository
    refresh_tokens: SqlRefreshTokenRepository
    products: SqlProductRepository
    # shopping
    carts: SqlCartRepository
    orders: SqlOrderRepository
    wishlists: SqlWishlistRepository
    reviews: SqlReviewRepository
    # payments
    payments: SqlPaymentRepository

    def __init__(self, engine: AsyncEngine, currency: str = "INR", *,
                 read_only: bool = False, autocommit: bool = False,
                 on_commit: Callable[[], None] | None = None) -> None:
        """``read_only``: for use cases that only read; ``commit()`` is refused. On SQLite
        its transaction begins ``DEFERRED`` and so never takes (or queues for) the write
        lock; on PostgreSQL it runs in autocommit, without the ``BEGIN`` and ``COMMIT``
        round trips: under READ COMMITTED each statement has a snapshot of its own inside
        a transaction too, so the answers are the same.

        ``autocommit``: for a use case whose one write is a single statement conditional
        on what it read (``CartRepository.set_quantity_if_unchanged``). On PostgreSQL
        each statement commits on its own (no ``BEGIN`` and ``COMMIT`` round trips, no
        lock held between the read and the write); on SQLite, whose writers run one at a
        time anyway, it is an ordinary write transaction. ``commit()`` still ends the
        work. On PostgreSQL both kinds run their driver statements on the engine's
        direct connections (:class:`~shopcore.adapters.sql.driver.AutocommitConnection`)
        and check out a connection of the engine's pool only for a statement through the
        engine. ``on_commit`` is called after every ``commit()``, also a failed one (the
        read cache forgets its results), and when an autocommit unit of work on
        PostgreSQL ends without one (an error or a cancellation after a statement that
        committed on its own)."""
        if read_only and autocommit:
            raise ValueError("a unit of work is read-only or autocommit, not both")
        self._engine = engine
        self._currency = currency
        self._read_only = read_only
        self._autocommit = autocommit and engine.dialect.name == "postgresql"
        self._on_commit = on_commit
        self._committed = False
        # Every statement commits on its own on PostgreSQL: driver statements go to a
        # connection of the engine's direct set (driver.AutocommitConnection).
        direct = PostgresDirectConnections.of(engine) \
            if (read_only or self._autocommit) and engine.dialect.name == "postgresql" else None
        self._direct = direct if direct is not None and direct.available else None
        self._connection: AsyncConnection | None = None
        self._writers: SqliteWriters | None = None

    async def __aenter__(self) -> Self:
        self._committed = False
        if not self._read_only and self._engine.dialect.name == "sqlite":
            # The writers of this process take turns, and share transactions
            # (sqlite_writers): until commit() or the end of the block.
            self._writers = sqlite_writers(self._engine)
            connection = AsyncConnection(self._engine, await self._writers.take_turn(self._engine))
        elif self._direct is not None:
            connection = AutocommitConnection(self._engine, self._direct)
        else:
            # One hop into SQLAlchemy's synchronous core rather than one per step (each
            # hop is a greenlet, ~10 µs of CPU: a unit of work costs ~35 µs less).
            connection = AsyncConnection(self._engine, await greenlet_spawn(self._begin))
        self._connection = connection
        self.users = SqlUserRepository(connection)
        self.otp_challenges = SqlOtpChallengeRepository(connection)
        self.refresh_tokens = SqlRefreshTokenRepository(connection)
        self.products = SqlProductRepository(connection, self._currency)
        # shopping
        self.carts = SqlCartRepository(connection, self._currency)
        self.orders = SqlOrderRepository(connection)
        self.wishlists = SqlWishlistRepository(connection, self._currency)
        self.reviews = SqlReviewRepository(connection)
        # payments
        self.payments = SqlPaymentRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if self._autocommit and not self._committed and self._on_commit is not None:
            self._on_commit()  # its statements may have committed
        if connection is None:
            return
        writers, self._writers = self._writers, None
        if writers is not None:
            connection.sync_connection = None  # shared: this unit's repositories are done
            await writers.end_turn(release=False)
        elif connection.sync_connection is not None:
            await greenlet_spawn(end_transaction, connection.sync_connection, commit=False)
        if lost_a_race(exc):
            # A deadlock or serialization failure: the use case may run it again.
            raise ConcurrentUpdate() from exc

    async def commit(self) -> None:
        """Make the work of this block durable."""
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work")
        if self._read_only:
            raise RuntimeError("commit() in a read-only unit of work")
        writers, self._writers = self._writers, None
        try:
            if writers is not None:
                connection, self._connection = self._connection, None
                connection.sync_connection = None  # shared: this unit's repositories are done
                outcome = await writers.end_turn(release=True)
                assert outcome is not None
                await asyncio.shield(outcome)  # returns once it is durable
            else:
                await self._connection.commit()
        except DBAPIError as error:
            if lost_a_race(error):
                raise ConcurrentUpdate() from error
            raise
        finally:
            self._committed = True
            if self._on_commit is not None:
                self._on_commit()

    def _begin(self) -> Connection:
        """A connection of the pool with this unit's transaction begun (synchronous: in
        a greenlet)."""
        connection = self._engine.sync_engine.connect()
        try:
            if self._read_only and self._engine.dialect.name == "sqlite":
                connection.execution_options(sqlite_begin="DEFERRED")
            elif self._read_only or self._autocommit:
                connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.begin()
        except BaseException:
            connection.close()
            raise
        return connection
