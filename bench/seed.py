"""What the harness does to a database besides ``shopcore seed-demo`` (which seeds the
products and their order history): the products' ids, a stock no run can exhaust for
the ones the carts and orders use, settling after the bulk load, and row counts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing

from sqlalchemy import func, select, update

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import order_lines, orders, products, users

HUGE_STOCK = 1_000_000_000


async def product_ids(url: str) -> list[int]:
    """Ids of the visible products, ascending."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(products.c.id).where(products.c.archived.is_(False)).order_by(products.c.id))
            return [row.id for row in result]
    finally:
        await engine.dispose()


async def stock_up(url: str, ids: Sequence[int]) -> None:
    """Give ``ids`` a stock that a benchmark run cannot exhaust."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(products).where(products.c.id.in_(list(ids)))
                .values(stock=HUGE_STOCK, version=products.c.version + 1))
    finally:
        await engine.dispose()


async def settle(url: str) -> None:
    """What one does after a bulk load, so that its after-effects (autovacuum and
    autoanalyze of the new rows, the checkpoint of the load's WAL) do not run during
    the measurements: ``VACUUM ANALYZE`` and ``CHECKPOINT`` on PostgreSQL, a WAL
    checkpoint on SQLite. Not ``ANALYZE`` on SQLite: shopcore never runs it, and with its
    statistics SQLite's planner walks every product for the best sellers (1.8 -> 16.7 ms
    at 100,000 products without sales)."""
    engine = create_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            assert engine.url.database is not None
            with closing(sqlite3.connect(engine.url.database, isolation_level=None)) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("VACUUM ANALYZE")
            await connection.exec_driver_sql("CHECKPOINT")
    finally:
        await engine.dispose()


async def count_rows(url: str) -> dict[str, int]:
    """Row counts of the seeded tables."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {table.name: int((await connection.execute(
                        select(func.count()).select_from(table))).scalar_one())
                    for table in (products, users, orders, order_lines)}
    finally:
        await engine.dispose()
