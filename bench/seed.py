"""Deterministic bulk seeding with SQLAlchemy Core ``executemany`` into shopcore's tables.

Past orders (users, orders, order lines) always come from here; products come from
``shopcore seed-demo``, or from :func:`seed_products` where that command is not usable.
Values are drawn from ``random.Random`` with fixed seeds and timestamps count back from
today's midnight UTC: the same sizes give the same rows.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import order_lines, orders, products, users

SEED = 20261126
BATCH = 5_000
HUGE_STOCK = 1_000_000_000
HISTORY_USERS = 2_000
STATUSES = ("delivered",) * 14 + ("shipped", "shipped", "paid", "paid", "placed", "cancelled")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "mobile": ("Phone", "Smartphone", "Phone Case", "Charger", "Screen Guard"),
    "laptop": ("Laptop", "Notebook", "Laptop Bag", "Docking Station"),
    "audio": ("Headphones", "Earbuds", "Speaker", "Soundbar"),
    "home": ("Kettle", "Mixer", "Air Fryer", "Lamp", "Ceiling Fan"),
    "fashion": ("T-Shirt", "Sneakers", "Backpack", "Watch"),
    "books": ("Novel", "Cookbook", "Atlas", "Phone Photography Guide"),
}
BRANDS = ("Acme", "Zenith", "Nova", "Orbit", "Vega", "Lumen", "Kite", "Tata", "Indus")


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """What an order line snapshots from a product."""

    id: int
    name: str
    price_minor: int


@dataclass(frozen=True, slots=True)
class History:
    """How much order history was seeded."""

    users: int
    orders: int
    order_lines: int


def anchor() -> datetime:
    """Today at midnight UTC: seeded timestamps count back from here."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def product_rows(count: int, rng: random.Random, now: datetime) -> Iterator[dict[str, Any]]:
    """``count`` demo products; about one name in ten has the word "Phone"."""
    categories = sorted(CATEGORIES)
    for index in range(count):
        category = categories[index % len(categories)]
        noun = rng.choice(CATEGORIES[category])
        created = now - timedelta(minutes=count - index)
        yield {
            "name": f"{rng.choice(BRANDS)} {noun} {rng.randint(1, 999)}",
            "description": f"{noun} for everyday use, model {index}. Ships in 2 days.",
            "price_minor": rng.randint(99, 199_999) * 100 + rng.choice((0, 50, 99)),
            "category": category, "stock": rng.randint(0, 500), "archived": False,
            "image_url": None, "thumbnail_url": None, "created_at": created,
            "updated_at": created, "rating_count": 0, "rating_total": 0,
        }


async def seed_products(url: str, count: int) -> int:
    """Insert ``count`` deterministic products (the stand-in for ``seed-demo``)."""
    rng, now = random.Random(SEED), anchor()
    rows = product_rows(count, rng, now)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for batch in _batches(rows):
                # RETURNING: multi-row INSERTs, so the product_counts trigger (migration
                # 0011) runs once per statement, not once per product (as add_many).
                await connection.execute(products.insert().returning(products.c.id), batch)
    finally:
        await engine.dispose()
    return count


async def seed_history(url: str, *, orders_count: int | None = None,
                       lines_count: int | None = None) -> History:
    """Users and past orders of 1–4 lines: ``orders_count`` orders, or orders until
    exactly ``lines_count`` lines. Popular products (low ids) sell more."""
    if (orders_count is None) == (lines_count is None):
        raise ValueError("give exactly one of orders_count and lines_count")
    rng, now = random.Random(SEED + 1), anchor()
    engine = create_engine(url)
    try:
        # Committed batch by batch (_flush): one transaction of 1,000,000 lines would
        # update the same popular product_sales rows without ever letting their old
        # versions go (quadratic on PostgreSQL).
        async with engine.connect() as connection:
            catalog = await _catalog(connection)
            user_ids = await _seed_users(connection, rng, now)
            max_orders = orders_count if orders_count is not None else sys.maxsize
            max_lines = lines_count if lines_count is not None else sys.maxsize
            made_orders = made_lines = 0
            order_batch: list[dict[str, Any]] = []
            line_batch: list[dict[str, Any]] = []
            while made_orders < max_orders and made_lines < max_lines:
                wanted = min(rng.randint(1, 4), max_lines - made_lines)
                order, lines = _order(rng, now, rng.choice(user_ids), catalog, wanted)
                order_batch.append(order)
                line_batch.extend(lines)
                made_orders, made_lines = made_orders + 1, made_lines + len(lines)
                if len(line_batch) >= BATCH:
                    await _flush(connection, order_batch, line_batch)
            await _flush(connection, order_batch, line_batch)
    finally:
        await engine.dispose()
    return History(users=len(user_ids), orders=made_orders, order_lines=made_lines)


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
                update(products).where(products.c.id.in_(list(ids))).values(stock=HUGE_STOCK))
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


async def _catalog(connection: AsyncConnection) -> list[CatalogRow]:
    result = await connection.execute(
        select(products.c.id, products.c.name, products.c.price_minor)
        .where(products.c.archived.is_(False)).order_by(products.c.id))
    catalog = [CatalogRow(row.id, row.name, row.price_minor) for row in result]
    if len(catalog) < 4:
        raise RuntimeError("seed products before the order history (need at least 4)")
    return catalog


async def _seed_users(connection: AsyncConnection, rng: random.Random,
                      now: datetime) -> list[str]:
    rows: list[dict[str, Any]] = [
        {"id": _uuid(rng), "phone": f"+9198{index:08d}", "is_admin": False,
         "created_at": now - timedelta(days=400, minutes=index)}
        for index in range(1, HISTORY_USERS + 1)]
    await connection.execute(users.insert(), rows)
    return [row["id"] for row in rows]


def _order(rng: random.Random, now: datetime, user_id: str, catalog: Sequence[CatalogRow],
           wanted: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    order_id = _uuid(rng)
    chosen: dict[int, CatalogRow] = {}
    while len(chosen) < wanted:
        row = catalog[int(len(catalog) * rng.random() ** 3)]
        chosen.setdefault(row.id, row)
    lines: list[dict[str, Any]] = [
        {"order_id": order_id, "product_id": row.id, "position": position, "name": row.name,
         "unit_price_minor": row.price_minor, "quantity": rng.randint(1, 3)}
        for position, row in enumerate(chosen.values())]
    created = now - timedelta(seconds=rng.randint(60, 365 * 86_400))
    status = rng.choice(STATUSES)
    order = {
        "id": order_id, "user_id": user_id, "status": status, "currency": "INR",
        "total_minor": sum(line["unit_price_minor"] * line["quantity"] for line in lines),
        "shipping_address": {"name": "Past Customer", "line1": "2 History Road", "line2": None,
                             "city": "Pune", "state": "Maharashtra", "postal_code": "411001",
                             "country": "IN", "phone": "+919800000000"},
        "created_at": created, "updated_at": created,
        "cancelled_at": created + timedelta(hours=1) if status == "cancelled" else None,
        "idempotency_key": None, "request_hash": None,
    }
    return order, lines


async def _flush(connection: AsyncConnection, order_batch: list[dict[str, Any]],
                 line_batch: list[dict[str, Any]]) -> None:
    if order_batch:
        await connection.execute(orders.insert(), order_batch)
        await connection.execute(order_lines.insert(), line_batch)
    await connection.commit()
    order_batch.clear()
    line_batch.clear()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
