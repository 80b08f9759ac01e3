"""A page of reviews tells whether each author bought the product (``verified_purchase``)
in the statement that reads the page, by reading each author's orders and looking each
one's line of the product up by key, on SQLite and PostgreSQL: never by reading the
product's lines, which a popular product has by the ten thousand.

The shop below makes a plain ``EXISTS`` over a join of orders and lines go wrong on
either engine: SQLite (left without ``ANALYZE`` statistics) started from the product's
lines, and so did PostgreSQL, whose statistics say that a product has a few lines (a
large catalog) and a buyer many orders. Measured on this shop, the page took 19 ms on
SQLite and 400 ms on PostgreSQL that way, 0.05 ms and 0.8 ms as it is read now."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import CTE, JSON, Integer, String, case, cast, insert, literal, null, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shopcore.adapters.sql.repositories.shopping import SqlReviewRepository
from shopcore.adapters.sql.tables import order_lines, orders, products, reviews, users
from shopcore.adapters.sql.types import UtcDateTime
from shopcore.application.pagination import PageRequest
from tests.integration.test_best_sellers_plan import explain_prefix
from tests.support import statements_run

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
PRODUCTS, BUYERS, ORDERS = 20_000, 1_000, 50_000
POPULAR = 1
"""In every order: 50,000 lines; every other product has 5 on average."""
REVIEWERS = 20
"""Buyers 0..19 review the popular product; a buyer ``n`` with ``n % 4 == 3`` cancelled
each of their 50 orders."""


def _numbers(count: int) -> CTE:
    """The numbers 0 .. count - 1 (column ``n``), by a recursive CTE."""
    numbers = select(literal(0, Integer).label("n")).cte("numbers", recursive=True)
    return numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < count - 1))


async def add_a_popular_product_and_frequent_buyers(connection: AsyncConnection) -> None:
    """Order ``n`` is buyer ``n % 1000``'s, of the popular product and of product
    ``2 + n % 19,999``."""
    now = literal(NOW, UtcDateTime)
    await connection.execute(insert(users), [
        {"id": f"buyer-{n}", "phone": f"+9190000{n:05d}", "is_admin": False,
         "created_at": NOW} for n in range(BUYERS)])
    numbers = _numbers(PRODUCTS)
    await connection.execute(insert(products).from_select(
        ["name", "description", "price_minor", "category", "stock", "archived",
         "created_at", "updated_at", "rating_count", "rating_total"],
        select(literal("Product ") + cast(numbers.c.n, String), literal(""), literal(100),
               literal("things"), literal(5), literal(False), now, now, literal(0),
               literal(0))))
    numbers = _numbers(ORDERS)
    order_id = literal("order-") + cast(numbers.c.n, String)
    cancelled = numbers.c.n % 4 == 3  # the buyer's number % 4 (1,000 is a multiple of 4)
    await connection.execute(insert(orders).from_select(
        ["id", "user_id", "status", "total_minor", "currency", "shipping_address",
         "created_at", "updated_at", "cancelled_at"],
        select(order_id, literal("buyer-") + cast(numbers.c.n % BUYERS, String),
               case((cancelled, "cancelled"), else_="placed"), literal(200), literal("INR"),
               literal({}, JSON), now, now, case((cancelled, now), else_=null()))))
    for position, product_id in enumerate([literal(POPULAR),
                                           2 + numbers.c.n % (PRODUCTS - 1)]):
        await connection.execute(insert(order_lines).from_select(
            ["order_id", "product_id", "position", "name", "unit_price_minor", "quantity"],
            select(order_id, product_id, literal(position), literal("Product"),
                   literal(100), literal(1))))
    await connection.execute(insert(reviews), [
        {"product_id": POPULAR, "user_id": f"buyer-{n}", "rating": 5, "comment": "",
         "created_at": NOW} for n in range(REVIEWERS)])
    if connection.dialect.name == "postgresql":
        await connection.execute(text("ANALYZE"))  # SQLite's stay as shopcore leaves them


async def test_a_page_of_reviews_reads_each_authors_orders_not_the_products_lines(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await add_a_popular_product_and_frequent_buyers(connection)
    async with engine.connect() as connection:
        with statements_run(engine) as seen:
            page = await SqlReviewRepository(connection).list_for_product(
                POPULAR, PageRequest(1, 20))
        (statement, parameters, _), = [run for run in seen if run.verb == "SELECT"]
        rows = (await connection.exec_driver_sql(explain_prefix(engine) + statement,
                                                 parameters)).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    assert {review.user_id: review.verified_purchase for review in page.items} == {
        f"buyer-{n}": n % 4 != 3 for n in range(REVIEWERS)}
    if engine.dialect.name == "postgresql":
        # The author's orders by an index leading with user_id (which one is the
        # planner's choice), each order's line by an index on (order_id, product_id).
        assert re.search(r"Index Scan using \w+ on orders .*\n *Index Cond: "
                         r"\(\(user_id\)::text = \(reviews.user_id\)::text\)", plan), plan
        assert re.search(r"Index Cond: \(\(product_id = reviews.product_id\) AND "
                         r"\(order_id = \(orders.id\)::text\)\)|Index Cond: \(\(order_id = "
                         r"\(orders.id\)::text\) AND \(product_id = reviews.product_id\)\)",
                         plan), plan
        assert "Index Cond: (product_id = reviews.product_id)" not in plan, plan
        assert "Seq Scan on order_lines" not in plan and "Seq Scan on orders" not in plan, plan
    else:
        assert "SEARCH orders USING INDEX ix_orders_user_created (user_id=?)" in plan, plan
        assert "sqlite_autoindex_order_lines_1 (order_id=? AND product_id=?)" in plan, plan
        assert "ix_order_lines_product" not in plan, plan
