"""Migration 0013 on both engines: existing carts get a version that every later change
of their lines moves (whatever writes them), and its downgrade leaves the schema of 0012."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.tables import cart_lines, products, users
from tests.postgres_databases import downgrade, on_both_engines

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def test_the_cart_version_migration_round_trip_on_both_engines(tmp_path: Path) -> None:
    await on_both_engines(tmp_path, "cart_version", _round_trip)


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0012")
    async with engine.begin() as connection:
        await connection.execute(insert(users).values(  # as 0012 knew the table
            id="user-1", phone="+919876543210", is_admin=False, created_at=NOW))
        product_id = (await connection.execute(insert(products).values(
            name="Phone", description="", price_minor=100, category="mobile", stock=5,
            archived=False, created_at=NOW, updated_at=NOW, rating_count=0, rating_total=0,
        ).returning(products.c.id))).scalar_one()
        await connection.execute(insert(cart_lines).values(
            user_id="user-1", product_id=product_id, quantity=2, added_at=NOW))

    await upgrade_database(engine)
    assert await _version(engine) == 0  # an existing cart starts at 0
    async with engine.begin() as connection:  # plain SQL, no repository: the trigger counts
        await connection.execute(update(cart_lines).values(quantity=3))
    assert await _version(engine) == 1
    async with engine.begin() as connection:
        await connection.execute(delete(cart_lines))
    assert await _version(engine) == 2

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0012")
        await connection.commit()
        columns = await connection.run_sync(
            lambda sync: [column["name"] for column in inspect(sync).get_columns("users")])
    assert "cart_version" not in columns
    async with engine.begin() as connection:  # no trigger is left behind to write to it
        await connection.execute(insert(cart_lines).values(
            user_id="user-1", product_id=product_id, quantity=1, added_at=NOW))
        if connection.dialect.name == "postgresql":  # 0012's function is back
            rows = (await connection.execute(
                text("SELECT owner, quantity FROM cart_for_update('user-1', NULL)"))).all()
            assert [tuple(row) for row in rows] == [("user-1", 1)]
    await upgrade_database(engine)
    assert await _version(engine) == 0


async def _version(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        version: int = (await connection.execute(
            select(users.c.cart_version).where(users.c.id == "user-1"))).scalar_one()
    return version
