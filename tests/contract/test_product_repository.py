"""Contract of the product repository, on every implementation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from shopcore.application.ports import ProductImport, UnitOfWorkFactory
from shopcore.domain.catalog import Product, ProductChanges, ProductDraft

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def draft(name: str = "Smartphone", stock: int = 10, price: str = "19999.00") -> ProductDraft:
    return ProductDraft.create(name, "Latest Android device", price, "mobile", stock)


async def add(uow: UnitOfWorkFactory, **kwargs: object) -> Product:
    async with uow() as work:
        product = await work.products.add(draft(**kwargs), NOW)  # type: ignore[arg-type]
        await work.commit()
    return product


async def test_added_products_get_increasing_ids_and_read_back_equal(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await add(uow), await add(uow, name="Laptop")
    assert second.id > first.id
    async with uow() as work:
        assert await work.products.get(first.id) == first
        assert await work.products.get_many([first.id, second.id, 999]) == {
            first.id: first,
            second.id: second,
        }
        assert await work.products.get(999) is None


async def test_update_stores_every_changed_field(uow: UnitOfWorkFactory) -> None:
    product = await add(uow)
    changed = product.archive(NOW + timedelta(hours=1))
    async with uow() as work:
        await work.products.update(changed)
        await work.commit()
    async with uow() as work:
        assert await work.products.get(product.id) == changed


async def test_reserve_stock_takes_units_only_when_enough_are_left(uow: UnitOfWorkFactory) -> None:
    product = await add(uow, stock=3)
    async with uow() as work:
        assert await work.products.reserve_stock(product.id, 2) is True
        assert await work.products.reserve_stock(product.id, 2) is False
        assert await work.products.reserve_stock(product.id, 1) is True
        assert await work.products.reserve_stock(999, 1) is False
        await work.commit()
    async with uow() as work:
        stored = await work.products.get(product.id)
    assert stored is not None and stored.stock == 0


async def test_archived_products_cannot_be_reserved(uow: UnitOfWorkFactory) -> None:
    product = await add(uow, stock=3)
    async with uow() as work:
        await work.products.update(product.archive(NOW))
        assert await work.products.reserve_stock(product.id, 1) is False


async def test_release_stock_puts_units_back(uow: UnitOfWorkFactory) -> None:
    product = await add(uow, stock=1)
    async with uow() as work:
        await work.products.reserve_stock(product.id, 1)
        await work.products.release_stock(product.id, 4)
        await work.commit()
    async with uow() as work:
        stored = await work.products.get(product.id)
    assert stored is not None and stored.stock == 4


async def test_rating_aggregates_move_by_deltas(uow: UnitOfWorkFactory) -> None:
    product = await add(uow)
    async with uow() as work:
        await work.products.adjust_rating(product.id, 1, 5)
        await work.products.adjust_rating(product.id, 1, 4)
        await work.products.adjust_rating(product.id, -1, -5)
        await work.commit()
    async with uow() as work:
        stored = await work.products.get(product.id)
    assert stored is not None and (stored.rating_count, stored.rating_total) == (1, 4)


async def test_prices_beyond_32_bits_survive_the_round_trip(uow: UnitOfWorkFactory) -> None:
    product = await add(uow, price="99999999.99")
    async with uow() as work:
        stored = await work.products.get(product.id)
    assert stored is not None and stored.price.minor == 9_999_999_999


async def test_concurrent_reservations_never_oversell_and_move_the_version_once_each(
    uow: UnitOfWorkFactory,
) -> None:
    product = await add(uow, stock=5)

    async def buy() -> bool:
        async with uow() as work:
            ok = await work.products.reserve_stock(product.id, 1)
            await work.commit()
            return ok

    results = await asyncio.gather(*(buy() for _ in range(12)))
    async with uow() as work:
        stored = await work.products.get(product.id)
    assert results.count(True) == 5 and stored is not None and stored.stock == 0
    assert stored.version == 1 + 5


async def test_visible_after_walks_the_catalog_by_id_without_archived_products(
    uow: UnitOfWorkFactory,
) -> None:
    products = [await add(uow, name=f"Product {n}") for n in range(5)]
    async with uow() as work:
        await work.products.update(products[2].archive(NOW))
        await work.commit()
    async with uow() as work:
        first = await work.products.visible_after(0, 2)
        rest = await work.products.visible_after(first[-1].id, 10)
        after_all = await work.products.visible_after(products[-1].id, 10)
    assert [p.id for p in (*first, *rest)] == [p.id for n, p in enumerate(products) if n != 2]
    assert len(first) == 2 and rest[0] == products[3] and after_all == []


# versions: every write of a product moves its version by one


async def version_of(uow: UnitOfWorkFactory, product: Product) -> int:
    async with uow() as work:
        stored = await work.products.get(product.id)
    assert stored is not None
    return stored.version


async def test_new_products_are_at_version_1(uow: UnitOfWorkFactory) -> None:
    product = await add(uow)
    async with uow() as work:
        await work.products.add_many([ProductImport(draft("Bulk"), NOW)])
        await work.commit()
    async with uow() as work:
        bulk = (await work.products.visible_after(product.id, 1))[0]
    assert (product.version, await version_of(uow, product), bulk.version) == (1, 1, 1)


async def test_every_write_of_a_product_moves_its_version_by_one(uow: UnitOfWorkFactory) -> None:
    product = await add(uow, stock=5)
    changed = ProductChanges.create(name="Phone").apply(product, NOW + timedelta(hours=1))
    writes = [
        lambda work: work.products.update(changed),
        lambda work: work.products.reserve_stock(product.id, 2),
        lambda work: work.products.release_stock(product.id, 1),
        lambda work: work.products.adjust_rating(product.id, 1, 5),
        lambda work: work.products.update(changed.archive(NOW + timedelta(hours=2))),
    ]
    for expected, write in enumerate(writes, start=2):
        async with uow() as work:
            await write(work)
            await work.commit()
        assert await version_of(uow, product) == expected


async def test_an_update_stores_the_version_the_changed_product_carries(
    uow: UnitOfWorkFactory,
) -> None:
    product = await add(uow, stock=5)
    async with uow() as work:  # an order takes a unit: version 2
        assert await work.products.reserve_stock(product.id, 1)
        await work.commit()
    async with uow() as work:
        read = await work.products.get_for_update(product.id)
        assert read is not None and read.version == 2
        changed = ProductChanges.create(stock=9).apply(read, NOW)
        await work.products.update(changed)
        await work.commit()
    async with uow() as work:
        assert await work.products.get(product.id) == changed
    assert changed.version == 3


async def test_a_refused_reservation_leaves_the_version_alone(uow: UnitOfWorkFactory) -> None:
    product = await add(uow, stock=1)
    async with uow() as work:
        assert await work.products.reserve_stock(product.id, 2) is False
        await work.commit()
    assert await version_of(uow, product) == 1
