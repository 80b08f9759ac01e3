"""A page of a list and its count describe one moment, on both engines, as on the
in-memory store, whose reads never interleave with a write: the product list, a
product's reviews and a user's orders. A write committed while a list is being read
(here: just before the statement that reads the page) shows in both or in neither.

SQLite reads a list in one transaction, which keeps one snapshot. PostgreSQL reads in
autocommit (READ COMMITTED would not differ), where every statement has a snapshot of
its own: a count read apart from its page could tell of a product that the page no
longer holds (an empty page 2 with a ``next`` link), or hide one it holds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.tables import products, reviews
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductFilters
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.ordering import Order, OrderLine, ShippingAddress
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import ReviewDraft
from shopcore.domain.users import User

NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
PHONES = [Phone(f"+9198765432{n:02d}") for n in range(4)]


@asynccontextmanager
async def committed_before_the_page(
    engine: AsyncEngine, write: Callable[[AsyncEngine], Awaitable[None]], *,
    before_a_count: bool = False,
) -> AsyncIterator[None]:
    """``write`` (on an engine of its own, committed) runs once, just before ``engine``
    runs the first statement that reads a page (the first with a ``LIMIT``), or with
    ``before_a_count`` the first that reads a count alone."""
    writer = create_engine(engine.url)
    done = False

    def before(_conn: object, _cursor: object, statement: str, *_: Any) -> None:
        nonlocal done
        if not done and ("LIMIT" not in statement if before_a_count else "LIMIT" in statement):
            done = True
            await_only(write(writer))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        await writer.dispose()
    assert done, "no statement read a page"


async def add_products(engine: AsyncEngine, count: int, stock: int = 5) -> list[Product]:
    async with SqlUnitOfWork(engine) as work:
        added = [await work.products.add(ProductDraft.create(f"p{n}", "", "1.00", "misc",
                                                             stock),
                                         NOW + timedelta(minutes=n)) for n in range(count)]
        await work.commit()
    return added


def archiving(product: Product) -> Callable[[AsyncEngine], Awaitable[None]]:
    async def write(writer: AsyncEngine) -> None:
        async with writer.begin() as connection:
            await connection.execute(update(products).where(products.c.id == product.id)
                                     .values(archived=True))
    return write


@pytest.mark.parametrize("filters", [ProductFilters(), ProductFilters(in_stock=True)],
                         ids=["counted by category", "counted over products"])
async def test_a_product_page_and_its_count_are_of_one_moment(
    engine: AsyncEngine, filters: ProductFilters,
) -> None:
    added = await add_products(engine, 21)  # page 2 of 20 holds the oldest, p0
    async with committed_before_the_page(engine, archiving(added[-1])):  # the newest goes
        page = await SqlProductCatalog(engine).list_products(filters, PageRequest(2, 20))
    before = ([added[0].id], 21, False)
    after: tuple[list[int], int, bool] = ([], 20, False)
    assert ([p.id for p in page.items], page.count, page.has_next) in (before, after)


async def test_a_page_found_empty_is_read_again_when_its_count_says_it_has_rows(
    engine: AsyncEngine,
) -> None:
    await add_products(engine, 20)

    async def add_an_older_one(writer: AsyncEngine) -> None:
        async with SqlUnitOfWork(writer) as work:
            await work.products.add(ProductDraft.create("older", "", "1.00", "misc", 5),
                                    NOW - timedelta(days=1))
            await work.commit()

    async with committed_before_the_page(engine, add_an_older_one, before_a_count=True):
        page = await SqlProductCatalog(engine).list_products(ProductFilters(),
                                                             PageRequest(2, 20))
    assert ([p.name for p in page.items], page.count, page.has_next) == (["older"], 21, False)


async def test_a_page_of_reviews_and_its_count_are_of_one_moment(engine: AsyncEngine) -> None:
    (product,) = await add_products(engine, 1)
    async with SqlUnitOfWork(engine) as work:
        for number, phone in enumerate(PHONES[:3]):
            await work.users.add(User(f"user-{number}", phone, False, NOW))
            await work.reviews.add(ReviewDraft.create(5), product.id, f"user-{number}", phone,
                                   NOW + timedelta(minutes=number))
        await work.commit()

    async def delete_the_newest(writer: AsyncEngine) -> None:
        async with writer.begin() as connection:
            await connection.execute(delete(reviews).where(reviews.c.user_id == "user-2"))

    async with committed_before_the_page(engine, delete_the_newest), \
            SqlUnitOfWork(engine, read_only=True) as work:
        page = await work.reviews.list_for_product(product.id, PageRequest(1, 2))
    answer = ([review.user_id for review in page.items], page.count, page.has_next)
    assert answer in ((["user-2", "user-1"], 3, True), (["user-1", "user-0"], 2, False))


async def test_a_page_of_orders_and_its_count_are_of_one_moment(engine: AsyncEngine) -> None:
    (product,) = await add_products(engine, 1)
    address = ShippingAddress.create(name="Asha Rao", line1="12 MG Road", line2=None,
                                     city="Bengaluru", state="Karnataka",
                                     postal_code="560001", phone=PHONES[0])

    def an_order(number: int) -> Order:
        return Order.place(f"order-{number:012d}", "user-0",
                           [OrderLine(product.id, product.name, product.price, 1)], address,
                           NOW + timedelta(minutes=number))

    async with SqlUnitOfWork(engine) as work:
        await work.users.add(User("user-0", PHONES[0], False, NOW))
        for number in range(2):
            await work.orders.add(an_order(number))
        await work.commit()

    async def place_another(writer: AsyncEngine) -> None:
        async with SqlUnitOfWork(writer) as work:
            await work.orders.add(an_order(2))
            await work.commit()

    async with committed_before_the_page(engine, place_another), \
            SqlUnitOfWork(engine, read_only=True) as work:
        page = await work.orders.list_for_user("user-0", PageRequest(1, 10))
    answer = ([order.id[-1] for order in page.items], page.count)
    assert answer in ((["1", "0"], 2), (["2", "1", "0"], 3))
