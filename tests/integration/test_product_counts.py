"""``product_counts`` (migrations 0011, 0026, 0028) stays equal to the number of visible
products per category and of those in stock, whatever products are created, archived,
un-archived, re-categorised, restocked, sold out or deleted, on SQLite and PostgreSQL;
the migrations count the products that existed before them, their downgrades drop what
they added; the product list's total comes from it and is exact."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.queries.product_counts import kept_count
from shopcore.adapters.sql.tables import product_counts, products
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.adapters.system import SystemClock
from shopcore.application.catalog.archive_product import ArchiveProduct
from shopcore.application.catalog.update_product import UpdateProduct, UpdateProductCommand
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductFilters, ProductImport
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.cancel_order import CancelOrderCommand
from shopcore.application.shopping.place_order import PlaceOrderCommand
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.money import Money
from tests.integration.test_order_concurrency import ADDRESS, Shop, settle
from tests.postgres_databases import downgrade, on_both_engines
from tests.support import insert_old_products, insert_order

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
CATEGORIES = ("books", "garden", "mobile", "toys")


def _draft(number: int, category: str, price: str = "10.00") -> ProductDraft:
    return ProductDraft.create(f"product {number}", "", price, category, number % 3)


async def _add(engine: AsyncEngine, categories: list[str]) -> list[int]:
    """One product per entry of ``categories``, one by one, in one transaction."""
    async with SqlUnitOfWork(engine) as work:
        ids = [(await work.products.add(_draft(number, category), NOW)).id
               for number, category in enumerate(categories)]
        await work.commit()
    return ids


async def _aggregate(engine: AsyncEngine) -> dict[str, tuple[int, int]]:
    """(visible, in stock) products per category, counted from ``products``."""
    in_stock = func.count().filter(products.c.stock > 0)
    async with engine.connect() as connection:
        return {row[0]: (int(row[1]), int(row[2])) for row in await connection.execute(
            select(products.c.category, func.count(), in_stock)
            .where(products.c.archived.is_(False)).group_by(products.c.category))}


async def _kept(engine: AsyncEngine) -> dict[str, tuple[int, int]]:
    """``product_counts`` as it is (visible, in stock), rows at zero left out (they may
    stay)."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(product_counts))).all()
    assert all(row.visible >= row.in_stock >= 0 for row in rows), rows
    return {row.category: (row.visible, row.in_stock) for row in rows if row.visible}


def _visible(counts: dict[str, tuple[int, int]]) -> dict[str, int]:
    return {category: visible for category, (visible, _) in counts.items()}


async def _set(engine: AsyncEngine, product_ids: list[int], **values: object) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(products).where(products.c.id.in_(product_ids))
                                 .values(**values))


async def test_the_counts_follow_created_archived_unarchived_moved_and_deleted_products(
    engine: AsyncEngine,
) -> None:
    draw = random.Random(11)
    ids = await _add(engine, [draw.choice(CATEGORIES) for _ in range(30)])
    async with SqlUnitOfWork(engine) as work:  # the bulk path (seed-demo), 2 statements
        await work.products.add_many([
            ProductImport(_draft(number, CATEGORIES[number % 3]),
                          NOW - timedelta(seconds=number), None, None)
            for number in range(1_500)])
        await work.commit()
    assert await _kept(engine) == await _aggregate(engine)
    clock = SystemClock()

    archive = ArchiveProduct(lambda: SqlUnitOfWork(engine), clock)
    for product_id in ids[:8]:
        await archive(product_id)
    assert await _kept(engine) == await _aggregate(engine)

    await _set(engine, ids[:3], archived=False)  # un-archived (no use case does it)
    assert await _kept(engine) == await _aggregate(engine)

    move = UpdateProduct(lambda: SqlUnitOfWork(engine), clock)
    for number, product_id in enumerate(ids[10:20]):  # a visible product changes category
        await move(UpdateProductCommand(product_id, category=CATEGORIES[number % 4],
                                        stock=5, price="12.00"))
    await _set(engine, ids[3:6], category="archived-only")  # archived ones move: no count
    await _set(engine, [ids[6]], category="kitchen", archived=False)  # both at once
    await _set(engine, [ids[20]], category="kitchen", archived=True)
    assert await _kept(engine) == await _aggregate(engine)

    await _set(engine, ids[::2], stock=0)  # sold out, archived ones too
    await _set(engine, ids[1::4], stock=7)  # restocked, or more stock
    await _set(engine, [ids[12]], stock=0, category="kitchen")  # sold out while moving
    await _set(engine, [ids[14]], stock=3, archived=True)  # restocked while archived
    assert await _kept(engine) == await _aggregate(engine)

    before = await _kept(engine)
    await _set(engine, ids[1::4], stock=99)  # in stock either way: nothing to count
    await _set(engine, ids, price_minor=100, rating_count=1, rating_total=4)
    async with engine.connect() as connection:  # a transaction that rolls back
        await connection.execute(update(products).values(archived=True))
        await connection.execute(products.insert().values(
            name="x", description="", price_minor=1, category="books", stock=1,
            archived=False, created_at=NOW, updated_at=NOW, rating_count=0, rating_total=0))
        await connection.rollback()
    assert await _kept(engine) == before == await _aggregate(engine)

    # shopcore never deletes products; the database still counts a deletion.
    async with engine.begin() as connection:
        await connection.execute(delete(products).where(products.c.id.in_(ids[25:30])))
    assert await _kept(engine) == await _aggregate(engine)


async def _add_many(engine: AsyncEngine, categories: list[str]) -> None:
    """The bulk path (seed-demo): one multi-row INSERT."""
    async with SqlUnitOfWork(engine) as work:
        await work.products.add_many([ProductImport(_draft(number, category), NOW, None, None)
                                      for number, category in enumerate(categories)])
        await work.commit()


async def test_concurrent_creations_moves_and_orders_keep_the_counts_exact(
    engine: AsyncEngine,
) -> None:
    """Creations (one product a transaction, as CreateProduct; bulk inserts in opposite
    category orders), category moves both ways and orders moving stock, all at once: on
    PostgreSQL they overlap (SQLite runs them one at a time); none deadlocks or is
    lost."""
    shop = Shop(engine)
    buyers = await shop.users(6)
    phone = await shop.product(stock=100)  # category "mobile"
    for buyer in buyers:
        await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 1))
    ids = await _add(engine, ["books", "toys"] * 10)
    move = UpdateProduct(lambda: SqlUnitOfWork(engine), SystemClock())
    results = await settle(
        *(_add(engine, [CATEGORIES[n % 4]]) for n in range(12)),
        _add_many(engine, [*CATEGORIES, *CATEGORIES]),
        _add_many(engine, [*reversed(CATEGORIES), *reversed(CATEGORIES)]),
        *(move(UpdateProductCommand(product_id, category="toys" if n % 2 == 0 else "books"))
          for n, product_id in enumerate(ids)),  # books -> toys and toys -> books
        *(shop.place_order(PlaceOrderCommand(buyer, ADDRESS)) for buyer in buyers),
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await _kept(engine) == await _aggregate(engine)
    assert _visible(await _kept(engine)) == {"books": 10 + 3 + 4, "toys": 10 + 3 + 4,
                                             "garden": 3 + 4, "mobile": 1 + 3 + 4}
    assert await shop.stock(phone) == 100 - 6


async def test_orders_and_cancels_selling_out_products_of_several_categories_at_once(
    engine: AsyncEngine,
) -> None:
    """Twenty orders, each of the last unit of one "books" and one "toys" product, the
    two taken in opposite orders by neighbouring buyers, then cancelled half at once: the
    counters of both categories move in every order and cancel, and stay exact."""
    shop = Shop(engine)
    buyers = await shop.users(20)
    books = await _add(engine, ["books"] * 20)
    toys = await _add(engine, ["toys"] * 20)
    await _set(engine, books + toys, stock=1)
    for n, buyer in enumerate(buyers):
        pair = (books[n], toys[n]) if n % 2 == 0 else (toys[n], books[n])
        for product_id in pair:
            await shop.add_to_cart(AddToCartCommand(buyer, product_id, 1))
    assert await _kept(engine) == {"books": (20, 20), "toys": (20, 20)}
    placed = await settle(*(shop.place_order(PlaceOrderCommand(buyer, ADDRESS))
                            for buyer in buyers))
    assert [r for r in placed if isinstance(r, BaseException)] == []
    assert await _kept(engine) == await _aggregate(engine) == {"books": (20, 0),
                                                               "toys": (20, 0)}
    cancelled = await settle(*(shop.cancel_order(CancelOrderCommand(buyer, result.order.id))
                               for buyer, result in zip(buyers[::2], placed[::2], strict=True)
                               if not isinstance(result, BaseException)))
    assert [r for r in cancelled if isinstance(r, BaseException)] == []
    assert await _kept(engine) == await _aggregate(engine) == {"books": (20, 10),
                                                               "toys": (20, 10)}


async def test_the_list_total_is_the_real_count_with_and_without_filters(
    engine: AsyncEngine,
) -> None:
    draw = random.Random(4)
    async with SqlUnitOfWork(engine) as work:
        for number in range(60):
            await work.products.add(_draft(number, draw.choice(CATEGORIES[:3]),
                                           f"{draw.randint(1, 90)}.00"), NOW)
        await work.commit()
    await _set(engine, list(range(1, 60, 7)), archived=True)
    catalog = SqlProductCatalog(engine)
    expected = await _aggregate(engine)
    for filters in (ProductFilters(), *(ProductFilters(category=c) for c in CATEGORIES),
                    ProductFilters(category="nothing-here"),
                    *(ProductFilters(category=c, in_stock=stocked)
                      for c in (*CATEGORIES, "nothing-here") for stocked in (True, False)),
                    ProductFilters(min_price=inr(30)), ProductFilters(max_price=inr(50)),
                    ProductFilters(category="books", min_price=inr(20), max_price=inr(70)),
                    ProductFilters(in_stock=True), ProductFilters(in_stock=False)):
        page = await catalog.list_products(filters, PageRequest(1, 5))
        async with engine.connect() as connection:
            real = int(await connection.scalar(
                select(func.count()).select_from(products).where(
                    products.c.archived.is_(False),
                    *catalog._filter_conditions(filters))) or 0)
        assert page.count == real, filters
        assert len(page.items) == min(5, real)
        narrowed = filters.min_price or filters.max_price
        assert (kept_count(filters) is None) == bool(narrowed), filters
    assert (await catalog.list_products(ProductFilters(), PageRequest(1, 5))).count \
        == sum(_visible(expected).values())


def inr(rupees: int) -> Money:
    return Money(rupees * 100, "INR")


async def _migration_round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0010")
    ids = await insert_old_products(
        engine, ["books", "books", "toys", "garden", "toys", "books"], created_at=NOW)
    await insert_order(engine, [(ids[0], 1)], created_at=NOW)  # an order changes nothing
    await _set(engine, [ids[1], ids[3]], archived=True)
    await upgrade_database(engine)
    assert await _kept(engine) == await _aggregate(engine)
    assert _visible(await _kept(engine)) == {"books": 2, "toys": 2}
    await _add(engine, ["garden"])
    assert _visible(await _kept(engine)) == {"books": 2, "toys": 2, "garden": 1}

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0010")
        await connection.commit()
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "product_counts" not in tables
    await insert_old_products(engine, ["books"], created_at=NOW)  # no trigger writes to it
    await upgrade_database(engine)
    assert _visible(await _kept(engine)) == {"books": 3, "toys": 2, "garden": 1}
    assert await _kept(engine) == await _aggregate(engine)


async def test_the_migration_counts_existing_products_and_its_downgrade_drops_the_table(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "counts", _migration_round_trip)


async def _in_stock_round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0025")
    ids = await insert_old_products(engine, ["books", "books", "toys", "toys"], created_at=NOW)
    await _set(engine, [ids[0], ids[2]], stock=0)
    await _set(engine, [ids[3]], archived=True)
    await upgrade_database(engine)
    assert await _kept(engine) == await _aggregate(engine) == {"books": (2, 1), "toys": (1, 0)}

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0025")
        await connection.commit()
        columns = await connection.run_sync(
            lambda sync: [c["name"] for c in inspect(sync).get_columns("product_counts")])
    assert columns == ["category", "visible"]
    await _set(engine, [ids[1], ids[3]], stock=0, archived=False)  # 0011's triggers again
    async with engine.connect() as connection:
        kept = {row.category: row.visible for row in await connection.execute(
            select(product_counts.c.category, product_counts.c.visible))}
    assert kept == {"books": 2, "toys": 2}
    await upgrade_database(engine)
    assert await _kept(engine) == await _aggregate(engine) == {"books": (2, 0), "toys": (2, 0)}


async def test_the_in_stock_migration_counts_existing_products_and_downgrades_cleanly(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "in-stock", _in_stock_round_trip)


async def _at_commit_round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0027")
    ids = await insert_old_products(engine, ["books", "toys", "toys"], created_at=NOW)
    await _set(engine, [ids[0]], stock=0)
    await upgrade_database(engine)
    assert await _kept(engine) == await _aggregate(engine) == {"books": (1, 0), "toys": (2, 2)}
    async with engine.begin() as connection:  # a sell-out and a move in one transaction
        await connection.execute(update(products).where(products.c.id == ids[1])
                                 .values(stock=0))
        await connection.execute(update(products).where(products.c.id == ids[2])
                                 .values(category="books"))
    assert await _kept(engine) == await _aggregate(engine) == {"books": (2, 1), "toys": (1, 0)}

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0027")
        await connection.commit()
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "product_count_changes" not in tables
    await _set(engine, [ids[0], ids[1]], stock=3)  # 0026's trigger again
    assert await _kept(engine) == await _aggregate(engine) == {"books": (2, 2), "toys": (1, 1)}
    await upgrade_database(engine)
    await _set(engine, [ids[2]], stock=0, category="toys")
    assert await _kept(engine) == await _aggregate(engine) == {"books": (1, 1), "toys": (2, 1)}


async def test_counts_applied_at_commit_stay_exact_through_the_migration_and_back(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "at-commit", _at_commit_round_trip)


async def _sold_out(engine: AsyncEngine, **categories: str) -> dict[str, int]:
    """A product of each given category, by name, with no stock left (as after an order of
    its last unit); and "kept", an "alpha" product in stock."""
    async with SqlUnitOfWork(engine) as work:
        ids = {name: (await work.products.add(
            ProductDraft.create(name, "", "10.00", category, 0), NOW)).id
            for name, category in categories.items()}
        ids["kept"] = (await work.products.add(
            ProductDraft.create("kept", "", "10.00", "alpha", 5), NOW)).id
        await work.commit()
    return ids


async def test_an_admin_change_waiting_on_a_cancellation_s_counters_is_made(
    engine: AsyncEngine,
) -> None:
    """A cancellation puts units back line by line (a statement each), bringing products
    of two categories back in stock, while an admin moves a product between those two
    categories. Before 0028 each line's counter was locked at once and held: on
    PostgreSQL the two waited on each other (a deadlock, one run again); now counters
    are locked at commit, in category order, and both are made."""
    ids = await _sold_out(engine, first="beta", second="alpha")
    move = UpdateProduct(lambda: SqlUnitOfWork(engine), SystemClock())
    async with SqlUnitOfWork(engine) as cancel:  # CancelOrder's statements, in its order
        await cancel.products.release_stock(ids["first"], 1)  # beta's counter
        admin = asyncio.create_task(move(UpdateProductCommand(ids["kept"], category="beta")))
        await asyncio.sleep(0.3)  # PostgreSQL: alpha's counter taken, waiting for beta's
        await cancel.products.release_stock(ids["second"], 1)  # waits for alpha's
        await cancel.commit()
    moved = await admin
    assert moved.category == "beta"
    assert await _kept(engine) == await _aggregate(engine) == {"alpha": (1, 1),
                                                               "beta": (2, 2)}


async def test_an_admin_archiving_waiting_on_a_cancellation_s_counter_is_made(
    engine: AsyncEngine,
) -> None:
    """The same with an archiving: the admin holds the product's row; the cancellation's
    next line is that product (before 0028, the admin waited for the counter the
    cancellation held since its first line)."""
    ids = await _sold_out(engine, first="alpha")
    archive = ArchiveProduct(lambda: SqlUnitOfWork(engine), SystemClock())
    async with SqlUnitOfWork(engine) as cancel:
        await cancel.products.release_stock(ids["first"], 1)  # alpha's counter
        admin = asyncio.create_task(archive(ids["kept"]))
        await asyncio.sleep(0.3)  # PostgreSQL: the product locked, waiting for alpha's
        await cancel.products.release_stock(ids["kept"], 2)  # waits for the product
        await cancel.commit()
    await admin
    async with SqlUnitOfWork(engine) as work:
        kept = await work.products.get(ids["kept"])
    assert kept is not None and kept.archived and kept.stock == 7
    assert await _kept(engine) == await _aggregate(engine) == {"alpha": (1, 1)}
