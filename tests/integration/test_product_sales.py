"""The sales tables (migration 0010) stay equal to the aggregate over the lines of
non-cancelled orders, whatever orders are placed, cancelled or un-cancelled, on SQLite
and PostgreSQL; the migration counts the orders that existed before it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.tables import (
    order_lines,
    orders,
    product_sales,
    product_sales_daily,
    products,
)
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.cancel_order import CancelOrderCommand
from shopcore.application.shopping.place_order import PlaceOrderCommand
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.ordering import OrderStatus
from tests.integration.test_order_concurrency import ADDRESS, Shop, settle
from tests.support import insert_old_products, insert_order, statements_run

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


async def add_products(engine: AsyncEngine, count: int) -> list[int]:
    ids = []
    async with SqlUnitOfWork(engine) as work:
        for number in range(count):
            product = await work.products.add(
                ProductDraft.create(f"product {number}", "", "10.00", "misc", 1000), NOW)
            ids.append(product.id)
        await work.commit()
    return ids


async def sales_aggregates(engine: AsyncEngine) -> tuple[dict[int, Any], dict[Any, Any]]:
    """(all time, per day) computed from the orders, without the sales tables."""
    day = func.date(orders.c.created_at) if engine.dialect.name == "sqlite" \
        else func.date(func.timezone("UTC", orders.c.created_at))
    counted = select(order_lines.c.product_id, func.sum(order_lines.c.quantity),
                     func.count()).join(orders, orders.c.id == order_lines.c.order_id) \
        .where(orders.c.status != OrderStatus.CANCELLED.value)
    async with engine.connect() as connection:
        total = {row[0]: (int(row[1]), int(row[2])) for row in await connection.execute(
            counted.group_by(order_lines.c.product_id))}
        daily = {(row[0], str(row[1])): (int(row[2]), int(row[3]))
                 for row in await connection.execute(
                     select(order_lines.c.product_id, day, *counted.selected_columns[1:])
                     .join(orders, orders.c.id == order_lines.c.order_id)
                     .where(orders.c.status != OrderStatus.CANCELLED.value)
                     .group_by(order_lines.c.product_id, day))}
    return total, daily


async def sales_tables(engine: AsyncEngine) -> tuple[dict[int, Any], dict[Any, Any]]:
    """(all time, per day) as the sales tables hold them, rows at zero left out."""
    async with engine.connect() as connection:
        total = {row.product_id: (row.units, row.orders)
                 for row in await connection.execute(select(product_sales))
                 if row.units or row.orders}
        daily = {(row.product_id, str(row.day)): (row.units, row.orders)
                 for row in await connection.execute(select(product_sales_daily))
                 if row.units or row.orders}
    return total, daily


async def _set_status(engine: AsyncEngine, order_id: str, status: OrderStatus) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(orders).where(orders.c.id == order_id)
                                 .values(status=status.value))


async def test_the_sales_tables_follow_placed_cancelled_and_uncancelled_orders(
    engine: AsyncEngine,
) -> None:
    ids = await add_products(engine, 6)
    draw = random.Random(6)
    placed: list[str] = []
    for number in range(40):
        lines = [(product_id, draw.randint(1, 5)) for product_id in draw.sample(ids, 3)]
        status = "cancelled" if number % 9 == 0 else draw.choice(["placed", "paid", "shipped"])
        created = NOW - timedelta(days=draw.randint(0, 4), hours=draw.randint(0, 23))
        placed.append(await insert_order(engine, lines, status=status, created_at=created))
    assert await sales_tables(engine) == await sales_aggregates(engine)

    for order_id in draw.sample(placed, 12):
        await _set_status(engine, order_id, OrderStatus.CANCELLED)
    assert await sales_tables(engine) == await sales_aggregates(engine)

    # A cancel in a transaction that rolls back leaves them as they were.
    before = await sales_tables(engine)
    async with engine.connect() as connection:
        await connection.execute(update(orders).where(orders.c.id.in_(placed))
                                 .values(status=OrderStatus.CANCELLED.value))
        await connection.rollback()
    assert await sales_tables(engine) == before

    for order_id in placed[:5]:  # back out of cancelled (the tables do not judge the move)
        await _set_status(engine, order_id, OrderStatus.PLACED)
    assert await sales_tables(engine) == await sales_aggregates(engine)


async def test_most_bought_from_the_sales_tables_equals_the_aggregate_with_a_window(
    engine: AsyncEngine,
) -> None:
    ids = await add_products(engine, 8)
    draw = random.Random(8)
    for _ in range(60):
        lines = [(product_id, draw.randint(1, 4)) for product_id in draw.sample(ids, 2)]
        created = NOW - timedelta(days=draw.randint(0, 20), hours=draw.randint(0, 23),
                                  minutes=draw.randint(0, 59))
        await insert_order(engine, lines, status=draw.choice(["placed", "cancelled", "paid"]),
                           created_at=created)
    catalog = SqlProductCatalog(engine)
    # A window holding most of the 21 days with orders is counted as the all-time sales
    # less the days before it; the others from their own days.
    from_all_time = {None: False, NOW - timedelta(days=3, hours=7, minutes=13): False,
                     NOW - timedelta(days=10): False, NOW + timedelta(days=1): False,
                     NOW - timedelta(days=14, hours=2): True,
                     NOW - timedelta(days=19, hours=23): True,
                     NOW - timedelta(days=60): True}
    for since, less_the_days_before in from_all_time.items():
        expected = await _aggregate_best_sellers(engine, since)
        with statements_run(engine) as seen:
            got = [(seller.product.id, seller.units_sold, seller.orders)
                   for seller in await catalog.most_bought(100, since)]
        assert got == expected, since
        (ranked,) = [run.sql for run in seen if "ORDER BY" in run.sql]
        assert ("FROM product_sales_daily" in ranked
                and "FROM product_sales " in ranked) is less_the_days_before, since


async def _aggregate_best_sellers(engine: AsyncEngine, since: datetime | None
                                  ) -> list[tuple[int, int, int]]:
    counted = [orders.c.status != OrderStatus.CANCELLED.value]
    if since is not None:
        counted.append(orders.c.created_at >= since)
    query = (select(order_lines.c.product_id, func.sum(order_lines.c.quantity).label("units"),
                    func.count().label("n"))
             .join(orders, orders.c.id == order_lines.c.order_id)
             .join(products, products.c.id == order_lines.c.product_id)
             .where(*counted).group_by(order_lines.c.product_id))
    async with engine.connect() as connection:
        rows = [(row.product_id, int(row.units), int(row.n))
                for row in await connection.execute(query)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


async def test_the_migration_counts_the_orders_placed_before_it(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade_database(engine, "0009")
        ids = await insert_old_products(engine, ["misc"] * 3, created_at=NOW)
        await insert_order(engine, [(ids[0], 2), (ids[1], 1)], created_at=NOW)
        await insert_order(engine, [(ids[0], 5)], created_at=NOW - timedelta(days=1))
        await insert_order(engine, [(ids[2], 7)], status="cancelled", created_at=NOW)
        await upgrade_database(engine)
        assert await sales_tables(engine) == await sales_aggregates(engine)
        total, _ = await sales_tables(engine)
        assert total == {ids[0]: (7, 2), ids[1]: (1, 1)}
    finally:
        await engine.dispose()


async def test_concurrent_orders_and_cancels_through_the_use_cases_keep_the_tables_exact(
    engine: AsyncEngine,
) -> None:
    shop = Shop(engine)
    users = await shop.users(12)
    first = await shop.product(stock=100, name="Kettle")
    second = await shop.product(stock=100, name="Toaster")
    earlier = []
    for user in users[:6]:
        await shop.add_to_cart(AddToCartCommand(user, first.id, 2))
        await shop.add_to_cart(AddToCartCommand(user, second.id, 1))
        earlier.append((await shop.place_order(PlaceOrderCommand(user, ADDRESS))).order)
    for user in users[6:]:  # the other product first: lines in another order
        await shop.add_to_cart(AddToCartCommand(user, second.id, 3))
        await shop.add_to_cart(AddToCartCommand(user, first.id, 1))
    results = await settle(
        *(shop.cancel_order(CancelOrderCommand(o.user_id, o.id)) for o in earlier[:4]),
        *(shop.place_order(PlaceOrderCommand(user, ADDRESS)) for user in users[6:]),
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await sales_tables(engine) == await sales_aggregates(engine)
    total, _ = await sales_tables(engine)
    assert total == {first.id: (2 * 2 + 6, 2 + 6), second.id: (2 + 3 * 6, 2 + 6)}
