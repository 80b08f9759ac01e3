"""A page of a user's orders and of a product's reviews is read through an index kept in
the list's order (newest first, ties by ascending id: migration 0029), on SQLite and
PostgreSQL: the page is the first entries of the index, never a sort of the user's
orders or of the product's reviews. With the indexes of before, all ascending, SQLite
sorted each moment's ties in a temporary B-tree and PostgreSQL added a sort."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.repositories.shopping import (
    SqlOrderRepository,
    SqlReviewRepository,
)
from shopcore.adapters.sql.tables import orders, products, reviews, users
from shopcore.application.pagination import PageRequest
from tests.integration.test_best_sellers_plan import explain_prefix
from tests.support import statements_run

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
BUYERS, ORDERS = 40, 40_000
"""Order ``n`` is ``user-(n % 40)``'s, placed ``n // 400`` minutes before ``NOW``: each
buyer placed 1,000 orders, ten at each moment."""
REVIEWERS = 3000
"""Review ``n`` is ``user-n``'s, of product 1 (written ``n // 10`` minutes before
``NOW``, ten at each moment); users 0..999 also reviewed product 2."""
ADDRESS = {"name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru",
           "state": "Karnataka", "postal_code": "560001", "phone": "+919876543210"}


async def add_orders_and_reviews(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(users), [
            {"id": f"user-{n}", "phone": f"+9190000{n:05d}", "is_admin": False,
             "created_at": NOW} for n in range(REVIEWERS)])
        await connection.execute(insert(products), [
            {"name": f"Product {n}", "description": "", "price_minor": 100,
             "category": "things", "stock": 5, "archived": False, "created_at": NOW,
             "updated_at": NOW, "rating_count": 0, "rating_total": 0} for n in range(2)])
        await connection.execute(insert(orders), [
            {"id": f"order-{n}", "user_id": f"user-{n % BUYERS}", "status": "placed",
             "total_minor": 100, "currency": "INR", "shipping_address": ADDRESS,
             "created_at": NOW - timedelta(minutes=n // 400), "updated_at": NOW}
            for n in range(ORDERS)])
        await connection.execute(insert(reviews), [
            {"product_id": 1 + n // REVIEWERS, "user_id": f"user-{n % REVIEWERS}",
             "rating": 5, "comment": "", "created_at": NOW - timedelta(minutes=n // 10)}
            for n in range(REVIEWERS + 1000)])
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE"))


async def first_page_and_plan(engine: AsyncEngine, which: str) -> tuple[list[Any], str]:
    """The ids of the first page (20) of ``user-0``'s orders or of product 1's reviews,
    and the plan of the statement that read it."""
    async with engine.connect() as connection:
        with statements_run(engine) as seen:
            if which == "orders":
                ids = [order.id for order in (await SqlOrderRepository(connection)
                                              .list_for_user("user-0", PageRequest(1, 20))).items]
            else:
                ids = [review.id for review in (await SqlReviewRepository(connection)
                                                .list_for_product(1, PageRequest(1, 20))).items]
        (statement, parameters, _), = [run for run in seen if "LIMIT" in run.sql]
        rows = (await connection.exec_driver_sql(explain_prefix(engine) + statement,
                                                 parameters)).all()
    return ids, "\n".join(str(row[-1]) for row in rows)


async def test_a_page_of_a_users_orders_is_read_in_its_index_order(
    engine: AsyncEngine,
) -> None:
    await add_orders_and_reviews(engine)
    ids, plan = await first_page_and_plan(engine, "orders")
    # the two newest moments of user-0 (orders 0..399 and 400..799), ties by id
    assert ids == sorted(f"order-{n}" for n in range(0, 400, BUYERS)) + sorted(
        f"order-{n}" for n in range(400, 800, BUYERS))
    if engine.dialect.name == "sqlite":
        assert "SEARCH orders USING INDEX ix_orders_user_created (user_id=?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert re.search(r"->  Index Scan using ix_orders_user_created on orders\s+\(.*\n"
                         r"\s+Index Cond: \(\(user_id\)::text = 'user-0'::text\)",
                         plan), plan
        assert "Sort" not in plan, plan


async def test_a_page_of_a_products_reviews_is_read_in_its_index_order(
    engine: AsyncEngine,
) -> None:
    await add_orders_and_reviews(engine)
    ids, plan = await first_page_and_plan(engine, "reviews")
    assert ids == list(range(1, 21))  # inserted newest first, ten at each moment
    if engine.dialect.name == "sqlite":
        assert "SEARCH reviews USING INDEX ix_reviews_product_created (product_id=?)" \
            in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert re.search(r"Index Scan using ix_reviews_product_created on reviews", plan), plan
        assert "Sort" not in plan and "Backward" not in plan, plan
