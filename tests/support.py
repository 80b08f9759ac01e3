"""Helpers the fixtures share."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import column, event, select, table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import metadata, order_lines, orders, products, users


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table (PostgreSQL), resetting identity counters."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a private copy of the migrated SQLite template."""
    path = folder / "shop.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def empty_engine(url: str) -> AsyncEngine:
    """An engine on ``url`` with every table emptied."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        await truncate_all(engine)
    return engine


class RunStatement(NamedTuple):
    """A statement as the engine's ``before_cursor_execute`` listeners are told of it."""

    sql: str
    parameters: Any
    executemany: bool

    @property
    def verb(self) -> str:
        """The statement's first word (``SELECT``, ``BEGIN``...)."""
        return self.sql.split()[0]


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[RunStatement]]:
    """Every statement ``engine`` runs inside the block, in order."""
    seen: list[RunStatement] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any,
               _context: object, executemany: bool) -> None:
        seen.append(RunStatement(statement, parameters, executemany))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def insert_order(
    engine: AsyncEngine,
    lines: Sequence[tuple[int, int]],
    *,
    status: str = "placed",
    created_at: datetime | None = None,
) -> str:
    """Insert an order of ``(product_id, quantity)`` lines straight into the tables, as
    the ordering feature stores them (for tests of queries over orders)."""
    now = created_at or datetime.now(UTC)
    order_id = str(uuid.uuid4())
    async with engine.begin() as connection:
        if await connection.scalar(select(users.c.id).where(users.c.id == BUYER_ID)) is None:
            await connection.execute(users.insert().values(
                id=BUYER_ID, phone=BUYER_PHONE, is_admin=False, created_at=now))
        await connection.execute(orders.insert().values(
            id=order_id, user_id=BUYER_ID, status=status, total_minor=100 * sum(
                q for _, q in lines), currency="INR", shipping_address={}, created_at=now,
            updated_at=now, cancelled_at=now if status == "cancelled" else None))
        await connection.execute(order_lines.insert(), [
            {"order_id": order_id, "product_id": product_id, "position": position,
             "name": f"product {product_id}", "unit_price_minor": 100, "quantity": quantity}
            for position, (product_id, quantity) in enumerate(lines)])
    return order_id


PRODUCTS_SINCE_0002 = table("products", *(
    column(c.name, c.type) for c in products.c
    if not c.name.startswith("search_") and c.name != "sort_name"))
"""The columns ``products`` has had since migration 0002 (the search words came in 0021,
the name's sort key in 0022)."""


async def insert_old_products(engine: AsyncEngine, categories: Sequence[str], *,
                              created_at: datetime) -> list[int]:
    """One product per entry of ``categories`` ("product 0", "product 1", ...) inserted
    with the columns of migration 0002 only: for migration tests, on a schema older than
    ``tables.py`` (the product repository writes the columns of today's)."""
    async with engine.begin() as connection:
        result = await connection.execute(PRODUCTS_SINCE_0002.insert().returning(
            PRODUCTS_SINCE_0002.c.id), [
            {"name": f"product {number}", "description": "", "price_minor": 1000,
             "category": category, "stock": 1000, "archived": False, "image_url": None,
             "thumbnail_url": None, "created_at": created_at, "updated_at": created_at,
             "rating_count": 0, "rating_total": 0}
            for number, category in enumerate(categories)])
        return sorted(row.id for row in result)


BUYER_ID = "test-buyer"
BUYER_PHONE = "+919000000001"
