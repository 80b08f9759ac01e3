"""The in-memory repositories of shopping: carts, orders, wishlists and reviews."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from shopcore.adapters.memory.catalog import MemoryProductRepository
from shopcore.adapters.placing import (
    place_if_unchanged_step_by_step,
    place_step_by_step,
    set_quantity_if_available_step_by_step,
)
from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports.shopping import (
    CartLineWithProduct,
    CartSnapshot,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    KeyedOrder,
    WishlistEntry,
    WrittenCartLine,
)
from shopcore.domain.cart import Cart, CartLine
from shopcore.domain.ordering import Order, OrderStatus
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import AlreadyReviewed, Review, ReviewDraft

if TYPE_CHECKING:
    from shopcore.adapters.memory.unit_of_work import MemoryState

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredCartLine:
    """A cart line as the fake stores it (``added_at`` keeps the cart's order)."""

    quantity: int
    added_at: datetime


@dataclass(frozen=True, slots=True)
class StoredOrderKey:
    """The idempotency key an order was placed with."""

    order_id: str
    request_hash: str


def _page(items: Sequence[T], page: PageRequest) -> Page[T]:
    return Page(items=list(items[page.offset:page.offset + page.page_size]), count=len(items),
                request=page)


def _has_purchased(orders: Iterable[Order], user_id: str, product_id: int) -> bool:
    """True when one of ``orders`` is the user's, not cancelled, and contains the product."""
    return any(
        order.user_id == user_id and order.status is not OrderStatus.CANCELLED
        and any(line.product_id == product_id for line in order.lines)
        for order in orders
    )


class MemoryCartRepository:
    """Carts as dicts of lines by product id."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._carts = state.cart_lines

    def _ordered(self, user_id: str) -> list[tuple[int, StoredCartLine]]:
        lines = self._carts.get(user_id, {})
        return sorted(lines.items(), key=lambda item: (item[1].added_at, item[0]))

    def _cart(self, user_id: str) -> Cart:
        return Cart(user_id, tuple(CartLine(product_id, line.quantity)
                                   for product_id, line in self._ordered(user_id)))

    async def get(self, user_id: str) -> Cart:
        return self._cart(user_id)

    async def get_for_update(self, user_id: str, *,
                             also_product: int | None = None) -> CartSnapshot | None:
        return await self.get_snapshot(user_id, also_product=also_product)  # one at a time

    async def get_snapshot(self, user_id: str, *,
                           also_product: int | None = None) -> CartSnapshot | None:
        return self._snapshot(user_id, also_product)

    def _snapshot(self, user_id: str, also_product: int | None) -> CartSnapshot | None:
        if user_id not in self._state.users:
            return None
        cart = self._cart(user_id)
        wanted = [line.product_id for line in cart.lines]
        if also_product is not None:
            wanted.append(also_product)
        products = self._state.products
        return CartSnapshot(cart, {i: products[i] for i in wanted if i in products},
                            self._state.cart_versions.get(user_id, 0))

    async def set_quantity(self, user_id: str, product_id: int, quantity: int,
                           now: datetime) -> None:
        lines = self._carts.setdefault(user_id, {})
        existing = lines.get(product_id)
        lines[product_id] = StoredCartLine(quantity, existing.added_at if existing else now)
        self._changed(user_id)

    async def set_quantity_if_unchanged(self, user_id: str, product_id: int, quantity: int,
                                        now: datetime, *, version: int) -> int | None:
        if user_id not in self._state.users \
                or self._state.cart_versions.get(user_id, 0) != version:
            return None
        await self.set_quantity(user_id, product_id, quantity, now)
        return self._state.cart_versions[user_id]

    async def set_quantity_if_available(
        self, user_id: str, product_id: int, quantity: int, now: datetime, *, version: int,
    ) -> WrittenCartLine | None:
        return await set_quantity_if_available_step_by_step(
            self, self._snapshot(user_id, product_id), product_id, quantity, now,
            version=version)

    async def remove(self, user_id: str, product_id: int) -> None:
        if self._carts.get(user_id, {}).pop(product_id, None) is not None:
            self._changed(user_id)

    async def clear(self, user_id: str) -> None:
        if self._carts.pop(user_id, None):
            self._changed(user_id)

    def _changed(self, user_id: str) -> None:
        """The version moves with every change of a line, as the SQL tables' trigger does."""
        versions = self._state.cart_versions
        versions[user_id] = versions.get(user_id, 0) + 1

    async def lines_with_products(self, user_id: str) -> Sequence[CartLineWithProduct]:
        products = self._state.products
        return [
            CartLineWithProduct(CartLine(product_id, line.quantity), products[product_id])
            for product_id, line in self._ordered(user_id) if product_id in products
        ]


class MemoryOrderRepository:
    """Orders by id, and the idempotency keys they were placed with."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._orders = state.orders
        self._keys = state.order_keys

    async def add(self, order: Order, idempotency: IdempotencyRecord | None = None) -> None:
        if order.id in self._orders:
            raise ValueError(f"duplicate order {order.id}")
        if idempotency is not None:
            slot = (order.user_id, idempotency.key)
            if slot in self._keys:
                raise IdempotencyKeyTaken()
            self._keys[slot] = StoredOrderKey(order.id, idempotency.request_hash)
        self._orders[order.id] = order

    async def add_history(self, history: Sequence[Order]) -> None:
        for order in history:
            await self.add(order)

    async def place(self, order: Order,
                    idempotency: IdempotencyRecord | None = None) -> frozenset[int]:
        return await place_step_by_step(
            order, idempotency, products=MemoryProductRepository(self._state),
            add_order=self.add, carts=MemoryCartRepository(self._state))

    async def place_if_unchanged(self, order: Order, idempotency: IdempotencyRecord | None
                                 = None, *, cart_version: int) -> int | None:
        return await place_if_unchanged_step_by_step(
            order, idempotency, cart_version=cart_version,
            carts=MemoryCartRepository(self._state), place=self.place)

    async def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    async def get_for_update(self, order_id: str) -> Order | None:
        return await self.get(order_id)  # units of work run one at a time

    async def get_by_idempotency_key(self, user_id: str, key: str) -> KeyedOrder | None:
        stored = self._keys.get((user_id, key))
        if stored is None:
            return None
        return KeyedOrder(self._orders[stored.order_id], stored.request_hash)

    async def save_status(self, order: Order, previous: OrderStatus) -> bool:
        current = self._orders.get(order.id)
        if current is None or current.status is not previous:
            return False
        self._orders[order.id] = order
        return True

    async def list_for_user(self, user_id: str, page: PageRequest) -> Page[Order]:
        # Newest first, ties by ascending id: the sort is stable, also reversed.
        mine = sorted((o for o in self._orders.values() if o.user_id == user_id),
                      key=lambda o: o.id)
        mine.sort(key=lambda o: o.created_at, reverse=True)
        return _page(mine, page)

    async def has_purchased(self, user_id: str, product_id: int) -> bool:
        return _has_purchased(self._orders.values(), user_id, product_id)


class MemoryWishlistRepository:
    """Wishlists as dicts of ``added_at`` by product id."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._items = state.wishlist_items

    async def add(self, user_id: str, product_id: int, now: datetime) -> bool:
        items = self._items.setdefault(user_id, {})
        if product_id in items:
            return False
        items[product_id] = now
        return True

    async def remove(self, user_id: str, product_id: int) -> None:
        self._items.get(user_id, {}).pop(product_id, None)

    async def list_with_products(self, user_id: str) -> Sequence[WishlistEntry]:
        products = self._state.products
        entries = [
            WishlistEntry(products[product_id], added_at)
            for product_id, added_at in self._items.get(user_id, {}).items()
            if product_id in products and not products[product_id].archived
        ]
        return sorted(entries, key=lambda e: (-e.added_at.timestamp(), e.product.id))


class MemoryReviewRepository:
    """Reviews by id, ids from a counter (like an identity column); each review's
    ``verified_purchase`` is looked up in the orders whenever it is returned."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._reviews = state.reviews

    def _find(self, user_id: str, product_id: int) -> Review | None:
        return next((r for r in self._reviews.values()
                     if r.user_id == user_id and r.product_id == product_id), None)

    async def add(self, draft: ReviewDraft, product_id: int, user_id: str, author: Phone,
                  now: datetime) -> Review:
        if self._find(user_id, product_id) is not None:
            raise AlreadyReviewed()
        self._state.last_review_id += 1
        review = draft.to_review(self._state.last_review_id, product_id, user_id, author, now,
                                 verified_purchase=self._verified(user_id, product_id))
        self._reviews[review.id] = review
        return review

    async def exists(self, user_id: str, product_id: int) -> bool:
        return self._find(user_id, product_id) is not None

    async def delete(self, user_id: str, product_id: int) -> Review | None:
        review = self._find(user_id, product_id)
        if review is None:
            return None
        del self._reviews[review.id]
        return self._as_read(review)

    async def list_for_product(self, product_id: int, page: PageRequest) -> Page[Review]:
        found = sorted((r for r in self._reviews.values() if r.product_id == product_id),
                       key=lambda r: r.id)
        found.sort(key=lambda r: r.created_at, reverse=True)  # ties stay by ascending id
        listed = _page(found, page)
        return replace(listed, items=[self._as_read(review) for review in listed.items])

    def _verified(self, user_id: str, product_id: int) -> bool:
        return _has_purchased(self._state.orders.values(), user_id, product_id)

    def _as_read(self, review: Review) -> Review:
        """``review`` with ``verified_purchase`` as the orders are now (a stored review's
        is the one it was added with)."""
        return replace(review, verified_purchase=self._verified(review.user_id,
                                                                review.product_id))
