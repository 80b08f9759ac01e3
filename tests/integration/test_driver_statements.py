"""Driver statements on SQLite and PostgreSQL: the same rows as through the engine, part of
the connection's transaction (also when they come first), the engine's errors, counts of
affected rows, and every statement told to the engine's listeners."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.concurrency import lost_a_race
from shopcore.adapters.sql.driver import DriverStatement
from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import cart_lines, products, users
from tests.support import empty_engine, sqlite_copy, statements_run

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

PRODUCT = DriverStatement(select(products).where(products.c.id == bindparam("id")))
ADD_USER = DriverStatement(users.insert().values(
    id=bindparam("id"), phone=bindparam("phone"), is_admin=bindparam("is_admin"),
    created_at=bindparam("created_at")))
ADD_LINE = DriverStatement(cart_lines.insert().values(
    {column.name: bindparam(column.name) for column in cart_lines.c}))
TAKE_STOCK = DriverStatement(
    update(products).where(products.c.stock >= bindparam("units"))
    .values(stock=products.c.stock - bindparam("units")))
CLEAR = DriverStatement(delete(cart_lines).where(cart_lines.c.user_id == bindparam("user_id")))


def a_product(name: str, stock: int) -> dict[str, Any]:
    return {"name": name, "description": "d", "price_minor": 1999, "category": "c",
            "stock": stock, "archived": False, "image_url": None, "thumbnail_url": None,
            "created_at": NOW, "updated_at": NOW, "rating_count": 0, "rating_total": 0}


async def add_products(engine: AsyncEngine, *stocks: int) -> list[int]:
    async with engine.begin() as connection:
        result = await connection.execute(
            products.insert().returning(products.c.id),
            [a_product(f"P{number}", stock) for number, stock in enumerate(stocks)])
        return sorted(row.id for row in result)


async def test_rows_hold_the_values_the_engine_reads(engine: AsyncEngine) -> None:
    [made] = await add_products(engine, 5)
    async with engine.connect() as connection:
        through_engine = (await connection.execute(
            select(products).where(products.c.id == made))).one()
        [direct] = await PRODUCT.fetch(connection, {"id": made})
        assert await PRODUCT.fetch(connection, {"id": made + 1}) == []
    assert tuple(direct) == tuple(through_engine)
    assert direct.created_at == NOW and direct.archived is False and direct.name == "P0"


async def test_writes_are_part_of_the_transaction_even_when_they_come_first(
    engine: AsyncEngine,
) -> None:
    user = {"id": "u1", "phone": "+919876543210", "is_admin": False, "created_at": NOW}
    async with engine.connect() as connection:
        await connection.begin()
        assert await ADD_USER.execute(connection, user) == 1
        await connection.rollback()
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(users)) == 0
    async with engine.connect() as connection:
        await ADD_USER.execute(connection, user)  # begins, as execute() would
        assert connection.in_transaction()
        await connection.commit()
    async with engine.connect() as connection:
        assert await connection.scalar(select(users.c.phone)) == "+919876543210"


async def test_counts_and_many_rows(engine: AsyncEngine) -> None:
    ids = await add_products(engine, 1, 5, 9)
    async with engine.begin() as connection:
        await ADD_USER.execute(connection, {"id": "u1", "phone": "+91987", "is_admin": False,
                                            "created_at": NOW})
        await ADD_LINE.execute_many(connection, [
            {"user_id": "u1", "product_id": product_id, "quantity": 2, "added_at": NOW}
            for product_id in ids])
        await ADD_LINE.execute_many(connection, [])
        assert await TAKE_STOCK.execute(connection, {"units": 4}) == 2
        assert await CLEAR.execute(connection, {"user_id": "u1"}) == 3
        assert await CLEAR.execute(connection, {"user_id": "u1"}) == 0
        stocks = (await connection.execute(
            select(products.c.stock).order_by(products.c.id))).scalars().all()
    assert stocks == [1, 1, 5]


async def test_errors_are_the_engines(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.begin()
        with pytest.raises(IntegrityError) as raised:
            await ADD_LINE.execute(connection, {
                "user_id": "nobody", "product_id": 1, "quantity": 1, "added_at": NOW})
        assert not lost_a_race(raised.value)
        await connection.rollback()
        # the connection is still usable
        assert await connection.scalar(select(func.count()).select_from(users)) == 0


async def test_listeners_are_told_of_each_statement(engine: AsyncEngine) -> None:
    with statements_run(engine) as seen:
        async with engine.connect() as connection:
            await PRODUCT.fetch(connection, {"id": 1})
            await ADD_LINE.execute_many(connection, [])
            await CLEAR.execute(connection, {"user_id": "u1"})
    assert [(run.verb, run.executemany) for run in seen if run.verb != "BEGIN"] == [
        ("SELECT", False), ("DELETE", False)]


async def test_other_drivers_go_through_the_connection(
    sqlite_template: Path, tmp_path: Path,
) -> None:
    on_thread = create_engine(sqlite_copy(sqlite_template, tmp_path), on_thread=True)
    try:
        [made] = await add_products(on_thread, 3)
        async with on_thread.begin() as connection:
            [row] = await PRODUCT.fetch(connection, {"id": made})
            assert await TAKE_STOCK.execute(connection, {"units": 2}) == 1
            await ADD_USER.execute_many(connection, [
                {"id": f"u{n}", "phone": f"+9198{n}", "is_admin": True, "created_at": NOW}
                for n in range(2)])
        assert row.created_at == NOW and row.stock == 3
        async with on_thread.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(users)) == 2
    finally:
        await on_thread.dispose()


SET_STOCK = DriverStatement(
    update(products).where(products.c.id == bindparam("id")).values(stock=bindparam("stock")))


async def test_a_deadlock_on_postgresql_is_a_lost_race(postgres_url: str) -> None:
    # (SQLite runs one writer at a time: no deadlocks there)
    engine = await empty_engine(postgres_url)
    try:
        await _deadlock(engine)
    finally:
        await engine.dispose()


async def _deadlock(engine: AsyncEngine) -> None:
    first, second = await add_products(engine, 1, 1)
    both_locked = asyncio.Barrier(2)

    async def lock(one: int, other: int) -> BaseException | None:
        async with engine.connect() as connection:
            await connection.begin()
            await SET_STOCK.execute(connection, {"id": one, "stock": 2})
            await both_locked.wait()
            try:
                await SET_STOCK.execute(connection, {"id": other, "stock": 3})
            except DBAPIError as error:
                return error
            await connection.commit()
        return None

    outcomes = await asyncio.gather(lock(first, second), lock(second, first))
    [error] = [outcome for outcome in outcomes if outcome is not None]
    assert lost_a_race(error)
