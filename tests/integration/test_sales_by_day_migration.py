"""Migration 0018 on both engines: the daily sales keep their rows when their key turns
to ``(day, product_id)`` (on SQLite, in a table without rowid) and when it turns back,
and the sales triggers of migration 0010 keep them exact on either side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.tables import orders
from shopcore.domain.ordering import OrderStatus
from tests.integration.test_product_sales import sales_aggregates, sales_tables
from tests.postgres_databases import downgrade, on_both_engines
from tests.support import insert_old_products, insert_order

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


async def test_the_sales_by_day_migration_round_trip_on_both_engines(tmp_path: Path) -> None:
    await on_both_engines(tmp_path, "sales_by_day", _round_trip)


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0017")
    first, second = await insert_old_products(engine, ["misc"] * 2, created_at=NOW)
    await insert_order(engine, [(first, 2), (second, 1)], created_at=NOW)
    await insert_order(engine, [(first, 3)], created_at=NOW - timedelta(days=1))
    before = await sales_tables(engine)

    await upgrade_database(engine)
    sqlite = engine.dialect.name == "sqlite"
    assert await _layout(engine) == (["day", "product_id"], [], sqlite)
    assert await sales_tables(engine) == before
    # a sale of a product already sold that day, one new to its day, and a cancel
    await insert_order(engine, [(first, 1)], created_at=NOW)
    cancelled = await insert_order(engine, [(second, 4)], created_at=NOW - timedelta(days=2))
    async with engine.begin() as connection:
        await connection.execute(update(orders).where(orders.c.id == cancelled)
                                 .values(status=OrderStatus.CANCELLED.value))
    assert await sales_tables(engine) == await sales_aggregates(engine)
    after = await sales_tables(engine)
    assert after[1][(first, str(NOW.date()))] == (3, 2)

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0017")
        await connection.commit()
    assert await _layout(engine) == (["product_id", "day"], ["ix_product_sales_daily_day"],
                                     False)
    assert await sales_tables(engine) == after
    await insert_order(engine, [(second, 2)], created_at=NOW)
    assert await sales_tables(engine) == await sales_aggregates(engine)


async def _layout(engine: AsyncEngine) -> tuple[list[str], list[str], bool]:
    """The daily table's key columns, its other indexes, and whether SQLite keeps it
    without rowid (always False on PostgreSQL)."""
    async with engine.connect() as connection:
        key, indexes = await connection.run_sync(lambda sync: (
            inspect(sync).get_pk_constraint("product_sales_daily")["constrained_columns"],
            [index["name"] for index in inspect(sync).get_indexes("product_sales_daily")]))
        without_rowid = False
        if engine.dialect.name == "sqlite":
            sql = (await connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'product_sales_daily'"))).scalar_one()
            without_rowid = "WITHOUT ROWID" in sql
    return key, indexes, without_rowid
