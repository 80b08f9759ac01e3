"""Concurrent orders, cancellations, reviews and wishlist additions through the real use
cases on the SQL unit of work, on SQLite and PostgreSQL: stock never oversells, nothing
is counted twice, and no request fails with an unexpected error."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.adapters.recent_carts import InProcessRecentCarts
from shopcore.adapters.sql.repositories.shopping import SqlWishlistRepository
from shopcore.adapters.sql.tables import orders, reviews, wishlist_items
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.adapters.system import SystemClock, Uuid4Ids
from shopcore.application.ports.unit_of_work import ConcurrentUpdate
from shopcore.application.shopping.add_review import AddReview, AddReviewCommand
from shopcore.application.shopping.add_to_cart import AddToCart, AddToCartCommand
from shopcore.application.shopping.add_to_wishlist import (
    MAX_WISHLIST_ITEMS,
    AddToWishlist,
    AddToWishlistCommand,
)
from shopcore.application.shopping.addresses import ShippingAddressInput
from shopcore.application.shopping.cancel_order import CancelOrder, CancelOrderCommand
from shopcore.application.shopping.place_order import PlacedOrder, PlaceOrder, PlaceOrderCommand
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.ordering import InsufficientStock, InvalidState, OrderStatus
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import AlreadyReviewed
from shopcore.domain.users import User
from tests.support import empty_engine

T = TypeVar("T")
ADDRESS = ShippingAddressInput(name="Asha Rao", line1="12 MG Road", city="Bengaluru",
                               state="Karnataka", postal_code="560001", phone="9876543210")
clock = SystemClock()


class Shop:
    """The shopping use cases wired to the SQL unit of work on ``engine`` (as the
    container does on PostgreSQL: adding to a cart and placing an order try without a
    lock first, placing the cart the last addition remembered, unless ``locked_only``,
    as on SQLite)."""

    def __init__(self, engine: AsyncEngine, *, locked_only: bool = False) -> None:
        self.uow = lambda: SqlUnitOfWork(engine)
        unlocked = None if locked_only else lambda: SqlUnitOfWork(engine, autocommit=True)
        recent = InProcessRecentCarts()
        self.add_to_cart = AddToCart(self.uow, clock, unlocked_uow=unlocked, recent=recent)
        self.place_order = PlaceOrder(self.uow, clock, Uuid4Ids(), PhonenumbersPhoneParser(),
                                      unlocked_uow=unlocked, recent=recent)
        self.cancel_order = CancelOrder(self.uow, clock)
        self.add_review = AddReview(self.uow, clock)
        self.add_to_wishlist = AddToWishlist(self.uow, clock)

    async def users(self, count: int) -> list[str]:
        ids = [f"user-{i:04d}" for i in range(count)]
        async with self.uow() as uow:
            for i, user_id in enumerate(ids):
                await uow.users.add(User(user_id, Phone(f"+9198{i:08d}"), False, clock.now()))
            await uow.commit()
        return ids

    async def product(self, stock: int, name: str = "Smartphone") -> Product:
        async with self.uow() as uow:
            product = await uow.products.add(
                ProductDraft.create(name, "", "199.00", "mobile", stock), clock.now())
            await uow.commit()
        return product

    async def stock(self, product: Product) -> int:
        async with self.uow() as uow:
            found = await uow.products.get(product.id)
        assert found is not None
        return found.stock

    async def count(self, engine: AsyncEngine, table: Any, *where: Any) -> int:
        async with engine.connect() as connection:
            return int((await connection.execute(
                select(func.count()).select_from(table).where(*where))).scalar_one())


async def settle(*calls: Awaitable[T]) -> list[T | BaseException]:
    """Run ``calls`` at the same moment; their results or exceptions."""
    return await asyncio.gather(*calls, return_exceptions=True)


def unexpected(results: list[Any], *expected: type[BaseException]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, expected)]


@pytest.mark.parametrize("locked_only", [False, True], ids=["unlocked-first", "locked"])
async def test_forty_buyers_of_ten_units_make_exactly_ten_orders(
    engine: AsyncEngine, locked_only: bool
) -> None:
    shop = Shop(engine, locked_only=locked_only)
    buyers = await shop.users(40)
    phone = await shop.product(stock=10)
    for buyer in buyers:
        await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 1))
    results = await settle(*(shop.place_order(PlaceOrderCommand(b, ADDRESS)) for b in buyers))
    assert unexpected(results, InsufficientStock) == []
    placed = [r for r in results if isinstance(r, PlacedOrder)]
    short = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(placed) == 10 and len(short) == 30
    assert all(s.shortages[0].available == 0 for s in short)
    assert await shop.stock(phone) == 0
    assert await shop.count(engine, orders) == 10


@pytest.mark.parametrize("locked_only", [False, True], ids=["unlocked-first", "locked"])
async def test_a_short_line_anywhere_fails_the_whole_order_under_contention(
    engine: AsyncEngine, locked_only: bool
) -> None:
    shop = Shop(engine, locked_only=locked_only)
    buyers = await shop.users(12)
    scarce, plenty = await shop.product(stock=3, name="Scarce"), await shop.product(stock=100)
    for buyer in buyers:
        await shop.add_to_cart(AddToCartCommand(buyer, plenty.id, 2))
        await shop.add_to_cart(AddToCartCommand(buyer, scarce.id, 1))
    results = await settle(*(shop.place_order(PlaceOrderCommand(b, ADDRESS)) for b in buyers))
    assert unexpected(results, InsufficientStock) == []
    assert sum(isinstance(r, PlacedOrder) for r in results) == 3
    assert (await shop.stock(scarce), await shop.stock(plenty)) == (0, 100 - 3 * 2)


@pytest.mark.parametrize("locked_only", [False, True], ids=["unlocked-first", "locked"])
async def test_one_users_concurrent_additions_all_count(
    engine: AsyncEngine, locked_only: bool
) -> None:
    # Each addition must read the cart as the one before it left it (on PostgreSQL the
    # lines are read after the owner's lock was granted, not with the snapshot of a
    # statement that waited for it; an unlocked addition whose cart changed after its
    # read writes nothing and adds again under the lock).
    shop = Shop(engine, locked_only=locked_only)
    (buyer,) = await shop.users(1)
    phone, case = await shop.product(stock=50), await shop.product(stock=50, name="Case")
    results = await settle(*(shop.add_to_cart(AddToCartCommand(buyer, product.id, 1))
                             for _ in range(6) for product in (phone, case)))
    assert unexpected(results) == []
    async with shop.uow() as uow:
        cart = await uow.carts.get(buyer)
    assert sorted(line.quantity for line in cart.lines) == [6, 6]
    assert max(total.total_quantity for total in results) == 12  # type: ignore[union-attr]


@pytest.mark.parametrize("locked_only", [False, True], ids=["unlocked-first", "locked"])
async def test_an_order_and_concurrent_additions_take_turns(
    engine: AsyncEngine, locked_only: bool
) -> None:
    shop = Shop(engine, locked_only=locked_only)
    (buyer,) = await shop.users(1)
    phone = await shop.product(stock=50)
    await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 2))
    results = await settle(shop.place_order(PlaceOrderCommand(buyer, ADDRESS)),
                           *(shop.add_to_cart(AddToCartCommand(buyer, phone.id, 1))
                             for _ in range(4)))
    assert unexpected(results) == []
    ordered = sum(line.quantity for r in results if isinstance(r, PlacedOrder)
                  for line in r.order.lines)
    async with shop.uow() as uow:
        left = (await uow.carts.get(buyer)).total_quantity
    assert ordered + left == 6 and await shop.stock(phone) == 50 - ordered


@pytest.mark.parametrize("locked_only", [False, True], ids=["unlocked-first", "locked"])
async def test_ten_requests_with_one_key_make_one_order(
    engine: AsyncEngine, locked_only: bool
) -> None:
    shop = Shop(engine, locked_only=locked_only)
    (buyer,) = await shop.users(1)
    phone = await shop.product(stock=10)
    await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 3))
    results = await settle(*(shop.place_order(PlaceOrderCommand(buyer, ADDRESS, "tap"))
                             for _ in range(10)))
    assert unexpected(results) == []
    placed = [r for r in results if isinstance(r, PlacedOrder)]
    assert sorted(p.replayed for p in placed) == [False] + [True] * 9
    assert len({p.order.id for p in placed}) == 1
    assert await shop.stock(phone) == 7 and await shop.count(engine, orders) == 1


@pytest.mark.parametrize("locked_only", [False, True], ids=["unlocked-first", "locked"])
async def test_cancelling_while_others_order_keeps_every_unit_accounted_for(
    engine: AsyncEngine, locked_only: bool
) -> None:
    shop = Shop(engine, locked_only=locked_only)
    users = await shop.users(30)
    phone = await shop.product(stock=20)
    first, rest = users[:10], users[10:]
    for user in rest:  # carts filled while there is stock
        await shop.add_to_cart(AddToCartCommand(user, phone.id, 1))
    earlier = []
    for user in first:
        await shop.add_to_cart(AddToCartCommand(user, phone.id, 2))
        earlier.append((await shop.place_order(PlaceOrderCommand(user, ADDRESS))).order)
    assert await shop.stock(phone) == 0
    results = await settle(
        *(shop.cancel_order(CancelOrderCommand(o.user_id, o.id)) for o in earlier),
        *(shop.place_order(PlaceOrderCommand(user, ADDRESS)) for user in rest),
    )
    assert unexpected(results, InsufficientStock) == []
    async with engine.connect() as connection:
        ordered = (await connection.execute(text(
            "SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o "
            "ON o.id = l.order_id WHERE o.status <> 'cancelled'"))).scalar_one()
    stock = await shop.stock(phone)
    assert stock >= 0 and stock + ordered == 20


async def test_two_cancellations_of_one_order_give_the_stock_back_once(
    engine: AsyncEngine,
) -> None:
    shop = Shop(engine)
    (buyer,) = await shop.users(1)
    phone = await shop.product(stock=5)
    await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 4))
    order = (await shop.place_order(PlaceOrderCommand(buyer, ADDRESS))).order
    results = await settle(*(shop.cancel_order(CancelOrderCommand(buyer, order.id))
                             for _ in range(5)))
    assert unexpected(results, InvalidState) == []
    assert sum(getattr(r, "status", None) is OrderStatus.CANCELLED for r in results) == 1
    assert await shop.stock(phone) == 5


async def test_concurrent_reviews_by_one_buyer_keep_one(engine: AsyncEngine) -> None:
    shop = Shop(engine)
    (buyer,) = await shop.users(1)
    phone = await shop.product(stock=5)
    await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 1))
    await shop.place_order(PlaceOrderCommand(buyer, ADDRESS))
    results = await settle(*(shop.add_review(AddReviewCommand(buyer, phone.id, 5))
                             for _ in range(6)))
    assert unexpected(results, AlreadyReviewed) == []
    assert await shop.count(engine, reviews) == 1
    async with shop.uow() as uow:
        rated = await uow.products.get(phone.id)
    assert rated is not None and (rated.rating_count, rated.rating_total) == (1, 5)


async def test_concurrent_wishlist_additions_keep_one_entry(engine: AsyncEngine) -> None:
    shop = Shop(engine)
    (user,) = await shop.users(1)
    phone = await shop.product(stock=5)
    results = await settle(*(shop.add_to_wishlist(AddToWishlistCommand(user, phone.id))
                             for _ in range(6)))
    assert unexpected(results) == []
    assert sum(getattr(r, "created", False) for r in results) == 1
    assert await shop.count(engine, wishlist_items) == 1


async def test_concurrent_additions_to_a_nearly_full_wishlist_keep_its_cap(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each addition counts the wishlist after its insert. Here every insert waits for the
    # others' (for half a second at most) before its count: on PostgreSQL each would
    # then count its own row and none of the others' uncommitted ones, unless additions
    # to one wishlist take turns.
    additions = 6
    all_inserted = asyncio.Barrier(additions)
    insert = SqlWishlistRepository.add

    async def insert_then_wait_for_the_others(self: SqlWishlistRepository, *args: Any) -> bool:
        created = await insert(self, *args)
        with contextlib.suppress(TimeoutError, asyncio.BrokenBarrierError):
            await asyncio.wait_for(all_inserted.wait(), 0.5)
        return created

    shop = Shop(engine)
    (user,) = await shop.users(1)
    for i in range(MAX_WISHLIST_ITEMS - 1):
        product = await shop.product(stock=1, name=f"Kept {i}")
        await shop.add_to_wishlist(AddToWishlistCommand(user, product.id))
    wanted = [await shop.product(stock=1, name=f"Wanted {i}") for i in range(additions)]
    monkeypatch.setattr(SqlWishlistRepository, "add", insert_then_wait_for_the_others)
    results = await settle(*(shop.add_to_wishlist(AddToWishlistCommand(user, product.id))
                             for product in wanted))
    assert sorted(type(r).__name__ for r in results) == \
        ["InvalidInput"] * (additions - 1) + ["WishlistAdded"]
    assert await shop.count(engine, wishlist_items) == MAX_WISHLIST_ITEMS


async def test_a_deadlock_surfaces_as_concurrent_update(postgres_url: str) -> None:
    # PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE and cannot deadlock.
    engine = await empty_engine(postgres_url)
    try:
        await _deadlock_becomes_concurrent_update(Shop(engine))
    finally:
        await engine.dispose()


async def _deadlock_becomes_concurrent_update(shop: Shop) -> None:
    first, second = await shop.product(stock=5), await shop.product(stock=5)
    both_locked = asyncio.Barrier(2)

    async def take(one: Product, other: Product) -> None:
        async with shop.uow() as uow:
            await uow.products.reserve_stock(one.id, 1)
            await both_locked.wait()
            await uow.products.reserve_stock(other.id, 1)
            await uow.commit()

    results = await settle(take(first, second), take(second, first))
    assert sum(isinstance(r, ConcurrentUpdate) for r in results) == 1
    assert unexpected(results, ConcurrentUpdate) == []
    assert isinstance(next(r for r in results if r is not None).__cause__, Exception)
    assert await shop.stock(first) + await shop.stock(second) == 8
