"""The best sellers of a window of days read the orders of its first, partial day
through ``ix_orders_created`` (migration 0017), on SQLite and PostgreSQL: never by
walking every order (the index it replaced led with ``status``, which no query asks
for, so the range on ``created_at`` could not narrow it). Its whole days are one range
of the daily sales' key (migration 0018), on SQLite the table itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.queries.catalog import _SALES_DAYS, SqlProductCatalog
from shopcore.adapters.sql.tables import order_lines, orders, users
from tests.integration.test_place_order_plan import add_analyzed_catalog
from tests.support import statements_run

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


async def add_a_year_of_orders(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(users).values(
            id="user-1", phone="+919876543210", is_admin=False, created_at=NOW))
        await add_analyzed_catalog(connection, count=50)
        await connection.execute(insert(orders), [
            {"id": f"order-{n}", "user_id": "user-1",
             "status": ("placed", "paid", "delivered", "cancelled")[n % 4],
             "total_minor": 100, "currency": "INR", "shipping_address": {},
             "created_at": NOW - timedelta(hours=3 * n), "updated_at": NOW}
            for n in range(3000)])  # a year of orders, eight a day
        await connection.execute(insert(order_lines), [
            {"order_id": f"order-{n}", "product_id": 1 + n % 50, "position": 0,
             "name": "Product", "unit_price_minor": 100, "quantity": 1}
            for n in range(3000)])
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE"))  # SQLite's stay as shopcore leaves them


def explain_prefix(engine: AsyncEngine) -> str:
    return "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "


async def plan_of_best_sellers_since(engine: AsyncEngine, since: datetime) -> str:
    """The plan of the statement that ranks the best sellers since ``since``."""
    with statements_run(engine) as seen:
        await SqlProductCatalog(engine).most_bought(20, since)
    (statement, parameters, _), = [run for run in seen if "order_lines" in run.sql]
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(explain_prefix(engine) + statement,
                                                 parameters)).all()
    return "\n".join(str(row[-1]) for row in rows)


async def test_a_window_finds_its_first_day_of_orders_by_their_time(
    engine: AsyncEngine,
) -> None:
    await add_a_year_of_orders(engine)
    plan = await plan_of_best_sellers_since(engine, NOW - timedelta(days=3, hours=5))
    if engine.dialect.name == "postgresql":
        assert "ix_orders_created" in plan, plan
        assert "Seq Scan on orders" not in plan, plan
        assert "Index Cond: (day >=" in plan and "pk_product_sales_daily" in plan, plan
    else:
        assert "SEARCH orders USING INDEX ix_orders_created (created_at>? AND created_at<?)" \
            in plan, plan
        assert "SEARCH product_sales_daily USING PRIMARY KEY (day>?)" in plan, plan


async def test_a_window_of_most_of_the_history_reads_the_days_before_it_by_key(
    engine: AsyncEngine,
) -> None:
    await add_a_year_of_orders(engine)
    plan = await plan_of_best_sellers_since(engine, NOW - timedelta(days=300, hours=5))
    if engine.dialect.name == "postgresql":
        assert "ix_orders_created" in plan, plan
        assert "Index Cond: (day <" in plan and "pk_product_sales_daily" in plan, plan
    else:
        assert "SEARCH product_sales_daily USING PRIMARY KEY (day<?)" in plan, plan
        assert "SCAN product_sales" in plan, plan  # one row per product sold


    # Which way to count it is read off the two ends of the daily key.
    days = str(_SALES_DAYS.compile(engine.sync_engine))
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(explain_prefix(engine) + days)).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    if engine.dialect.name == "postgresql":
        assert plan.count("Limit") == 2 and "Index Only Scan Backward" in plan, plan
        assert "Seq Scan" not in plan, plan
    else:
        assert plan.count("SEARCH product_sales_daily USING PRIMARY KEY") == 2, plan
        assert "SCAN product_sales_daily" not in plan, plan
