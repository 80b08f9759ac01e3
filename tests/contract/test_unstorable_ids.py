"""Product ids no product can have (0, negative, beyond the column's 32 bits, beyond 64
bits) behave like unknown ids in every repository method taking one, on every store:
nothing found, nothing changed, and no driver error (the id never reaches the database).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopcore.application.pagination import PageRequest
from shopcore.application.ports import UnitOfWorkFactory
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.phone import Phone
from shopcore.domain.users import User

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
USER = "user-ids"
UNSTORABLE = [0, -1, 2**31, 2**63, 2**64 + 1, -(2**70)]


async def a_user_and_product(uow: UnitOfWorkFactory) -> int:
    async with uow() as work:
        await work.users.add(User(USER, Phone("+919876543210"), False, NOW))
        product = await work.products.add(
            ProductDraft.create("Kettle", "", "10", "kitchen", 5), NOW)
        await work.commit()
    return product.id


@pytest.mark.parametrize("product_id", UNSTORABLE)
async def test_reads_find_nothing(uow: UnitOfWorkFactory, product_id: int) -> None:
    await a_user_and_product(uow)
    async with uow() as work:
        assert await work.products.get(product_id) is None
        assert await work.products.get_for_update(product_id) is None
        assert await work.products.get_many([product_id]) == {}
        assert await work.orders.has_purchased(USER, product_id) is False
        assert await work.reviews.exists(USER, product_id) is False
        page = await work.reviews.list_for_product(product_id, PageRequest())
        assert (list(page.items), page.count) == ([], 0)


@pytest.mark.parametrize("product_id", UNSTORABLE)
async def test_removals_change_nothing(uow: UnitOfWorkFactory, product_id: int) -> None:
    kept = await a_user_and_product(uow)
    async with uow() as work:
        await work.carts.set_quantity(USER, kept, 2, NOW)
        assert await work.wishlists.add(USER, kept, NOW)
        await work.commit()
    async with uow() as work:
        await work.carts.remove(USER, product_id)
        await work.wishlists.remove(USER, product_id)
        assert await work.reviews.delete(USER, product_id) is None
        assert await work.products.reserve_stock(product_id, 1) is False
        await work.commit()
    async with uow() as work:
        assert [line.product_id for line in (await work.carts.get(USER)).lines] == [kept]
        assert [e.product.id for e in await work.wishlists.list_with_products(USER)] == [kept]
