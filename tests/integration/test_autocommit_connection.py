"""Units of work whose every statement commits on its own (autocommit and read-only, on
PostgreSQL): driver statements on the engine's direct connections with no checkout of
the engine's pool, a checkout only for a statement through the engine, the engine's
errors and listeners, and the engine's connections whenever no direct one can be had."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.concurrency import lost_a_race, was_refused
from shopcore.adapters.sql.driver import AutocommitConnection, DriverStatement
from shopcore.adapters.sql.postgres_direct import APPLICATION_NAME, PostgresDirectConnections
from shopcore.adapters.sql.tables import cart_lines, products, users
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.ports.unit_of_work import ConcurrentUpdate
from shopcore.domain.catalog import ProductDraft
from tests.support import empty_engine, statements_run

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
STOCK = DriverStatement(select(products.c.stock).where(products.c.id == bindparam("id")))
ADD_USER = DriverStatement(users.insert().values(
    id=bindparam("id"), phone=bindparam("phone"), is_admin=bindparam("is_admin"),
    created_at=bindparam("created_at")))
ADD_LINE = DriverStatement(cart_lines.insert().values(
    {column.name: bindparam(column.name) for column in cart_lines.c}))
SLEEP = DriverStatement(select(func.pg_sleep(bindparam("seconds")).label("slept")))


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await empty_engine(postgres_url)
    yield engine
    await engine.dispose()


@contextmanager
def checkouts(engine: AsyncEngine) -> Iterator[list[object]]:
    """The connections checked out of the engine's pool inside the block."""
    seen: list[object] = []

    def record(connection: object, *_: object) -> None:
        seen.append(connection)

    event.listen(engine.sync_engine, "checkout", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "checkout", record)


async def a_product(engine: AsyncEngine, stock: int) -> int:
    async with SqlUnitOfWork(engine) as work:
        product = await work.products.add(
            ProductDraft.create("Kettle", "steel", "999.50", "kitchen", stock), NOW)
        await work.commit()
    return product.id


async def direct_set_made(engine: AsyncEngine, product_id: int) -> PostgresDirectConnections:
    """The engine's direct connections, made by a first read (of a product of 2 units)."""
    async with SqlUnitOfWork(engine, read_only=True) as work:
        assert await STOCK.fetch(work.carts._connection, {"id": product_id}) == [(2,)]
    direct = PostgresDirectConnections.of(engine)
    assert direct._pool is not None
    return direct


async def direct_connections(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = :name"
        ).bindparams(name=APPLICATION_NAME)) or 0)


@pytest.mark.parametrize("kind", ["autocommit", "read_only"])
async def test_driver_statements_check_out_no_engine_connection(
    engine: AsyncEngine, kind: str
) -> None:
    product_id = await a_product(engine, 7)
    async with SqlUnitOfWork(engine, **{kind: True}) as work:  # the set is made
        assert await STOCK.fetch(work.carts._connection, {"id": product_id}) != []
    with checkouts(engine) as seen:
        async with SqlUnitOfWork(engine, **{kind: True}) as work:
            connection = work.carts._connection
            assert isinstance(connection, AutocommitConnection)
            assert await STOCK.fetch(connection, {"id": product_id}) == [(7,)]
            assert seen == []
            assert connection.dialect.name == "postgresql"  # known without a checkout
            # A statement through the engine checks one out, in autocommit.
            assert (await work.products.get(product_id)).stock == 7  # type: ignore[union-attr]
            assert len(seen) == 1
            assert connection.sync_connection is not None
            assert connection.sync_connection.get_execution_options()[
                "isolation_level"] == "AUTOCOMMIT"
            assert await STOCK.fetch(connection, {"id": product_id}) == [(7,)]
            assert len(seen) == 1
            if kind == "autocommit":
                await work.commit()


async def test_a_direct_write_is_committed_at_once_and_seen_by_the_engine(
    engine: AsyncEngine
) -> None:
    async with SqlUnitOfWork(engine, autocommit=True) as work:
        await ADD_USER.execute(work.carts._connection, {
            "id": "u1", "phone": "+919800000001", "is_admin": False, "created_at": NOW})
        async with engine.connect() as other:  # before commit(): each statement commits
            assert await other.scalar(select(func.count()).select_from(users)) == 1
        await work.commit()
    async with SqlUnitOfWork(engine, read_only=True) as work:
        assert await work.users.get("u1") is not None


async def test_an_autocommit_unit_left_without_commit_still_tells_of_its_writes(
    engine: AsyncEngine
) -> None:
    told: list[str] = []
    with pytest.raises(asyncio.CancelledError):  # the request timed out after the write
        async with SqlUnitOfWork(engine, autocommit=True,
                                 on_commit=lambda: told.append("written")) as work:
            await ADD_USER.execute(work.carts._connection, {
                "id": "u1", "phone": "+919800000001", "is_admin": False, "created_at": NOW})
            raise asyncio.CancelledError
    assert told == ["written"]  # the read cache forgets: the user row is there
    async with SqlUnitOfWork(engine, read_only=True) as work:
        assert await work.users.get("u1") is not None

    async with SqlUnitOfWork(engine, autocommit=True,
                             on_commit=lambda: told.append("committed")) as work:
        await work.commit()
    assert told == ["written", "committed"]  # once per unit


async def test_direct_errors_are_the_engines_and_leave_the_connection_usable(
    engine: AsyncEngine
) -> None:
    product_id = await a_product(engine, 3)
    async with SqlUnitOfWork(engine, autocommit=True) as work:
        connection = work.carts._connection
        with checkouts(engine) as seen:
            with pytest.raises(IntegrityError) as raised:  # no such user
                await ADD_LINE.execute(connection, {
                    "user_id": "nobody", "product_id": product_id, "quantity": 1,
                    "added_at": NOW})
            assert not lost_a_race(raised.value)
            assert getattr(raised.value.orig, "sqlstate", None) == "23503"
            assert await STOCK.fetch(connection, {"id": product_id}) == [(3,)]
            assert seen == []  # neither the error nor the next statement checked one out


async def test_listeners_are_told_of_direct_statements(engine: AsyncEngine) -> None:
    product_id = await a_product(engine, 3)
    async with SqlUnitOfWork(engine, read_only=True) as work:
        await STOCK.fetch(work.carts._connection, {"id": product_id})
        with statements_run(engine) as seen:
            await STOCK.fetch(work.carts._connection, {"id": product_id})
    assert [run.verb for run in seen] == ["SELECT"]


async def test_without_direct_connections_the_engine_runs_the_statements(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = await a_product(engine, 4)
    direct = PostgresDirectConnections.of(engine)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        closed_port = listener.getsockname()[1]
    monkeypatch.setitem(direct._connect, "port", closed_port)  # type: ignore[arg-type]
    with checkouts(engine) as seen:
        async with SqlUnitOfWork(engine, autocommit=True) as work:
            assert await STOCK.fetch(work.carts._connection, {"id": product_id}) == [(4,)]
            with pytest.raises(IntegrityError):
                await ADD_LINE.execute(work.carts._connection, {
                    "user_id": "nobody", "product_id": product_id, "quantity": 1,
                    "added_at": NOW})
    assert len(seen) == 1  # one engine connection for the unit of work's statements
    assert direct._pool is None


async def test_a_cancelled_direct_statement_closes_its_connection(engine: AsyncEngine) -> None:
    direct = PostgresDirectConnections.of(engine)
    async with SqlUnitOfWork(engine, read_only=True) as work:
        await SLEEP.fetch(work.carts._connection, {"seconds": 0})  # the set is made
        assert direct._pool is not None
        (connection,) = direct._pool.idle
        running = asyncio.ensure_future(SLEEP.fetch(work.carts._connection, {"seconds": 1}))
        await asyncio.sleep(0.2)
        assert direct._pool.idle == []  # taken by the running statement
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    # Closed (asyncpg might still be cancelling it on the server), not given back...
    assert connection.is_closed() and direct._pool.idle == []
    async with SqlUnitOfWork(engine, read_only=True) as work:  # ...and another opened
        assert await SLEEP.fetch(work.carts._connection, {"seconds": 0}) == [(None,)]
    assert len(direct._pool.idle) == 1 and direct._pool.idle[0] is not connection


async def test_a_connection_ended_by_the_server_fails_its_statement_as_the_engine_would(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = await a_product(engine, 2)
    direct = await direct_set_made(engine, product_id)
    async with engine.connect() as connection:
        await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = :name"
        ).bindparams(name=APPLICATION_NAME))
    for _ in range(100):
        if await direct_connections(engine) == 0:
            break
        await asyncio.sleep(0.02)
    async with SqlUnitOfWork(engine, read_only=True) as work:
        try:  # the client may or may not have seen the end before this statement
            rows = await STOCK.fetch(work.carts._connection, {"id": product_id})
        except DBAPIError as error:
            assert error.connection_invalidated
        else:
            assert rows == [(2,)]
    monkeypatch.setattr(direct, "_resting_until", 0.0)
    async with SqlUnitOfWork(engine, read_only=True) as work:
        assert await STOCK.fetch(work.carts._connection, {"id": product_id}) == [(2,)]
    assert await direct_connections(engine) == 1


async def test_a_refused_statement_on_a_direct_connection_is_recognised(
    engine: AsyncEngine
) -> None:
    refuse = DriverStatement(select(func.refuse_statement(bindparam("reason")).label("ok")))
    async with SqlUnitOfWork(engine, autocommit=True) as work:
        await STOCK.fetch(work.carts._connection, {"id": 0})  # the set is made
        with checkouts(engine) as seen:
            with pytest.raises(DBAPIError) as raised:
                await refuse.fetch(work.carts._connection, {"reason": "a line is short"})
            assert seen == []  # raised by the direct connection, not the engine's
    assert was_refused(raised.value) and not lost_a_race(raised.value)
    assert "a line is short" in str(raised.value)


async def test_a_deadlock_on_a_direct_connection_is_a_lost_race(engine: AsyncEngine) -> None:
    deadlock = DriverStatement(select(func.raise_deadlock().label("ok")))
    async with engine.begin() as connection:
        await connection.execute(text(
            "CREATE FUNCTION raise_deadlock() RETURNS boolean AS $$ BEGIN "
            "RAISE EXCEPTION USING ERRCODE = '40P01'; END $$ LANGUAGE plpgsql"))
    with pytest.raises(ConcurrentUpdate):
        async with SqlUnitOfWork(engine, autocommit=True) as work:
            await STOCK.fetch(work.carts._connection, {"id": 0})
            await deadlock.fetch(work.carts._connection, {})


class Unusable:
    """An idle connection whose protocol is left mid-message (the server's goodbye
    arrived while it sat idle): asyncpg refuses the next statement before sending it."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def is_closed(self) -> bool:
        return False

    async def fetch(self, *_: object) -> list[Any]:
        raise asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress")

    def terminate(self) -> None:
        self.real.terminate()


async def test_an_unusable_direct_connection_fails_as_a_lost_one_and_is_replaced(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = await a_product(engine, 2)
    direct = await direct_set_made(engine, product_id)
    pool = direct._pool
    assert pool is not None
    (real,) = pool.idle
    pool.idle[0] = Unusable(real)
    async with SqlUnitOfWork(engine, read_only=True) as work:
        with pytest.raises(DBAPIError) as raised:
            await STOCK.fetch(work.carts._connection, {"id": product_id})
        assert raised.value.connection_invalidated and not lost_a_race(raised.value)
        assert real.is_closed() and direct._pool is None  # closed; the set rests
        with checkouts(engine) as seen:  # meanwhile the engine answers
            assert await STOCK.fetch(work.carts._connection, {"id": product_id}) == [(2,)]
        assert len(seen) == 1
    monkeypatch.setattr(direct, "_resting_until", 0.0)
    async with SqlUnitOfWork(engine, read_only=True) as work:
        with checkouts(engine) as seen:
            assert await STOCK.fetch(work.carts._connection, {"id": product_id}) == [(2,)]
        assert seen == []  # a new set
