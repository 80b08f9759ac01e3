"""Migration 0025 on both engines: every product, old or inserted by code that does not
know the column, is at version 1; the release before keeps reading carts (PostgreSQL:
``cart_for_update`` stays beside ``locked_cart``); the downgrade leaves the schema of
0024."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.tables import cart_lines, products, users
from tests.postgres_databases import downgrade, on_both_engines

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
AS_0024_KNEW_IT = {"description": "", "price_minor": 100, "category": "mobile", "stock": 5,
                   "archived": False, "created_at": NOW, "updated_at": NOW,
                   "rating_count": 0, "rating_total": 0}
"""A product's columns without ``version`` (what the release before inserts)."""


async def test_the_product_version_migration_round_trip_on_both_engines(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "product_version", _round_trip)


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0024")
    old = await _insert_product(engine, "Old phone")
    async with engine.begin() as connection:
        await connection.execute(insert(users).values(
            id="user-1", phone="+919876543210", is_admin=False, created_at=NOW))
        await connection.execute(insert(cart_lines).values(
            user_id="user-1", product_id=old, quantity=2, added_at=NOW))

    await upgrade_database(engine)
    new = await _insert_product(engine, "New phone")  # by the release before, say
    assert await _versions(engine) == {old: 1, new: 1}
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            before = (await connection.execute(text(  # the release before reads carts so
                "SELECT owner, quantity, id FROM cart_for_update('user-1', NULL)"))).all()
            now = (await connection.execute(text(
                "SELECT owner, quantity, id, version FROM locked_cart('user-1', :also)"),
                {"also": new})).all()
        assert [tuple(row) for row in before] == [("user-1", 2, old)]
        assert [tuple(row) for row in now] == [("user-1", 2, old, 1), (None, None, new, 1)]

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0024")
        await connection.commit()
        columns = await connection.run_sync(
            lambda sync: [column["name"] for column in inspect(sync).get_columns("products")])
        if engine.dialect.name == "postgresql":
            functions = (await connection.execute(text(
                "SELECT proname FROM pg_proc WHERE proname IN "
                "('locked_cart', 'cart_for_update')"))).scalars().all()
            assert functions == ["cart_for_update"]
    assert "version" not in columns
    await upgrade_database(engine)
    assert await _versions(engine) == {old: 1, new: 1}


async def _insert_product(engine: AsyncEngine, name: str) -> int:
    async with engine.begin() as connection:
        product_id: int = (await connection.execute(
            insert(products).values(name=name, **AS_0024_KNEW_IT).returning(products.c.id)
        )).scalar_one()
    return product_id


async def _versions(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(products.c.id, products.c.version))).all()
    return {row.id: row.version for row in rows}
