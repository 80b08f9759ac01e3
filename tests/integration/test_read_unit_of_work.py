"""The read-only unit of work: on SQLite it reads while a writer holds the write lock
(its transaction begins DEFERRED), on PostgreSQL it reads in autocommit (no BEGIN and
COMMIT round trips), and it refuses to commit, on both engines. The autocommit unit of
work (the first try of adding to a cart and of placing an order): its own transaction
per statement on PostgreSQL, an ordinary write transaction on SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.driver import AutocommitConnection
from shopcore.adapters.sql.postgres_direct import PostgresDirectConnections
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.shopping.get_cart import GetCart, GetCartQuery
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.phone import Phone
from shopcore.domain.users import User
from shopcore.entrypoints.container import build_container
from shopcore.entrypoints.settings import Settings
from tests.support import empty_engine, sqlite_copy

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def test_a_read_only_unit_of_work_does_not_wait_for_a_writer(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as writer:  # SQLite: BEGIN IMMEDIATE, lock held
        await writer.carts.clear("someone")

        async def read() -> int:
            async with SqlUnitOfWork(engine, read_only=True) as reader:
                return len(await reader.carts.lines_with_products("someone"))

        assert await asyncio.wait_for(read(), timeout=5) == 0
        cart = await asyncio.wait_for(
            GetCart(lambda: SqlUnitOfWork(engine, read_only=True))(GetCartQuery("someone")),
            timeout=5)
        assert cart.lines == ()


def assert_ran_on_direct_connections(engine: AsyncEngine, connection: object) -> None:
    """The unit of work's statements ran on the engine's direct connections, which hold
    no transaction open, and it checked out no connection of the engine's pool."""
    assert isinstance(connection, AutocommitConnection)
    assert connection.sync_connection is None
    pool = PostgresDirectConnections.of(engine)._pool
    assert pool is not None and pool.idle
    assert not any(direct.is_in_transaction() for direct in pool.idle)


async def test_on_postgresql_a_read_only_unit_of_work_opens_no_transaction(
    postgres_url: str,
) -> None:
    engine = await empty_engine(postgres_url)
    try:
        for read_only in (True, False):
            async with SqlUnitOfWork(engine, read_only=read_only) as work:
                await work.carts.lines_with_products("someone")
                connection = work.carts._connection
                if read_only:
                    assert_ran_on_direct_connections(engine, connection)
                else:
                    raw = await connection.get_raw_connection()  # the UoW's own
                    assert raw.driver_connection is not None
                    assert raw.driver_connection.is_in_transaction()
    finally:
        await engine.dispose()


async def test_a_read_only_unit_of_work_refuses_to_commit(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine, read_only=True) as reader:
        with pytest.raises(RuntimeError, match="read-only"):
            await reader.commit()


@pytest.mark.parametrize("name", ["get_cart", "list_orders", "get_order", "list_wishlist",
                                  "list_reviews", "get_current_user"])
def test_the_container_gives_reading_use_cases_the_read_only_unit_of_work(name: str) -> None:
    container = build_container(Settings.load(environ={
        "SHOPCORE_DATABASE_URL": "sqlite+aiosqlite:///unused.db",
        "SHOPCORE_SECRET_KEY": "x" * 48}))
    work = getattr(container, name)()._uow()
    assert isinstance(work, SqlUnitOfWork) and work._read_only


# the autocommit unit of work: each statement its own transaction on PostgreSQL

async def test_on_postgresql_an_autocommit_unit_of_work_writes_outside_a_transaction(
    postgres_url: str,
) -> None:
    engine = await empty_engine(postgres_url)
    try:
        async with SqlUnitOfWork(engine) as setup:
            await setup.users.add(User("user-1", Phone("+919876543210"), False, NOW))
            product = await setup.products.add(
                ProductDraft.create("Phone", "", "10.00", "mobile", 5), NOW)
            await setup.commit()
        async with SqlUnitOfWork(engine, autocommit=True) as work:
            snapshot = await work.carts.get_snapshot("user-1")
            assert snapshot is not None
            assert await work.carts.set_quantity_if_unchanged(
                "user-1", product.id, 2, NOW, version=snapshot.version)
            assert_ran_on_direct_connections(engine, work.carts._connection)
            async with SqlUnitOfWork(engine, read_only=True) as other:  # already committed
                assert (await other.carts.get("user-1")).total_quantity == 2
            await work.commit()  # ends the work; nothing left to commit
    finally:
        await engine.dispose()


async def test_on_sqlite_an_autocommit_unit_of_work_is_a_write_transaction(
    sqlite_template: Path, tmp_path: Path,
) -> None:
    engine = await empty_engine(sqlite_copy(sqlite_template, tmp_path))
    try:
        async with SqlUnitOfWork(engine, autocommit=True) as work:
            await work.carts.clear("someone")
            assert work.carts._connection.in_transaction()
            raw = await work.carts._connection.get_raw_connection()
            assert raw.driver_connection is not None and raw.driver_connection.in_transaction
    finally:
        await engine.dispose()


def test_a_unit_of_work_is_not_both_read_only_and_autocommit(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="not both"):
        SqlUnitOfWork(engine, read_only=True, autocommit=True)


@pytest.mark.parametrize("url, unlocked", [
    ("postgresql+asyncpg://postgres@127.0.0.1:5432/unused", True),
    ("sqlite+aiosqlite:///unused.db", False),
])
def test_the_container_adds_to_carts_and_orders_without_the_lock_first_on_postgresql_only(
    url: str, unlocked: bool,
) -> None:
    container = build_container(Settings.load(environ={
        "SHOPCORE_DATABASE_URL": url, "SHOPCORE_SECRET_KEY": "x" * 48}))
    for first in (container.add_to_cart()._unlocked_uow, container.place_order()._unlocked_uow):
        assert (first is not None) is unlocked
        if first is not None:
            work = first()
            assert isinstance(work, SqlUnitOfWork) and work._autocommit
