"""Helpers the fixtures share."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import metadata, order_lines, orders, users


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


BUYER_ID = "test-buyer"
BUYER_PHONE = "+919000000001"
