"""The read-only unit of work: on SQLite it reads while a writer holds the write lock
(its transaction begins DEFERRED), on PostgreSQL it reads in autocommit (no BEGIN and
COMMIT round trips), and it refuses to commit, on both engines."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.shopping.get_cart import GetCart, GetCartQuery
from shopcore.entrypoints.container import build_container
from shopcore.entrypoints.settings import Settings
from tests.support import empty_engine


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


async def test_on_postgresql_a_read_only_unit_of_work_opens_no_transaction(
    postgres_url: str,
) -> None:
    engine = await empty_engine(postgres_url)
    try:
        for read_only in (True, False):
            async with SqlUnitOfWork(engine, read_only=read_only) as work:
                await work.carts.lines_with_products("someone")
                raw = await work.carts._connection.get_raw_connection()  # the UoW's own
                assert raw.driver_connection is not None
                assert raw.driver_connection.is_in_transaction() is not read_only
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
