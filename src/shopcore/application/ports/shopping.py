"""Ports of shopping: the cart, orders, the wishlist and reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shopcore.application.pagination import Page, PageRequest
from shopcore.domain.cart import Cart, CartLine
from shopcore.domain.catalog import Product
from shopcore.domain.ordering import Order, OrderStatus
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import Review, ReviewDraft


@dataclass(frozen=True, slots=True)
class CartLineWithProduct:
    """A cart line and its product as it is now (read side of the cart)."""

    line: CartLine
    product: Product


@dataclass(frozen=True, slots=True)
class CartSnapshot:
    """A cart as one read saw it, with the products its changes and pricing need.

    ``products`` holds the product of every line and, when one was asked for, the
    product about to be added (when it exists), each as it is now (archived ones too).
    ``version`` changes with every change to the cart's lines: a write conditional on
    it (``CartRepository.set_quantity_if_unchanged``) fails if anything changed the
    cart after this read.
    """

    cart: Cart
    products: Mapping[int, Product]
    version: int = 0


LockedCart = CartSnapshot
"""The name ``CartRepository.get_for_update``'s result had before it carried a version."""


@dataclass(frozen=True, slots=True)
class WrittenCartLine:
    """What ``CartRepository.set_quantity_if_available`` wrote and read: the cart's
    version after the write, and the products asked for as they were at the write."""

    version: int
    products: Mapping[int, Product]


class CartRepository(Protocol):
    """Stores each user's cart as one line per product, in the order lines were added."""

    async def get(self, user_id: str) -> Cart:
        """The user's cart (empty when the user has none)."""
        ...

    async def get_for_update(self, user_id: str, *,
                             also_product: int | None = None) -> CartSnapshot | None:
        """The user's cart with its lines' products, held against concurrent changes
        until the transaction ends (two requests changing one cart, or ordering it, take
        turns); ``None`` when there is no such user (the account was deleted).

        ``also_product`` (the product being added) is read with them, whether or not the
        cart has a line of it; an id that names no product is simply not in
        ``products``. Lines and products come from one read after the lock.
        """
        ...

    async def get_snapshot(self, user_id: str, *,
                           also_product: int | None = None) -> CartSnapshot | None:
        """What ``get_for_update`` reads, without taking the lock: the cart as last
        committed, for a write conditional on its ``version``."""
        ...

    async def set_quantity_if_unchanged(self, user_id: str, product_id: int, quantity: int,
                                        now: datetime, *, version: int) -> int | None:
        """``set_quantity``, only if the cart's version is still ``version`` (nothing
        changed the cart since the snapshot that read it): the cart's version after the
        write; ``None``, having written nothing, otherwise. One statement: it needs no
        transaction around it."""
        ...

    async def set_quantity_if_available(
        self, user_id: str, product_id: int, quantity: int, now: datetime, *, version: int,
    ) -> WrittenCartLine | None:
        """``set_quantity_if_unchanged``, only if ``product_id`` also has ``quantity``
        units available now (``Product.available``), reading with the write that product
        and those of the cart's lines as they are: for a cart known from its last write,
        whose next addition then needs no read before it. ``None``, having written
        nothing, when the cart changed or the product lacks the units. One statement on
        PostgreSQL: no transaction is needed."""
        ...

    async def set_quantity(self, user_id: str, product_id: int, quantity: int,
                           now: datetime) -> None:
        """Create the line (added at ``now``) or change its quantity (keeping its place)."""
        ...

    async def remove(self, user_id: str, product_id: int) -> None:
        """Delete the line of ``product_id`` if there is one."""
        ...

    async def clear(self, user_id: str) -> None:
        """Delete every line of the user's cart."""
        ...

    async def lines_with_products(self, user_id: str) -> Sequence[CartLineWithProduct]:
        """The cart's lines with their products, in cart order, in one query."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The ``Idempotency-Key`` an order was placed with, and the hash of its request."""

    key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class KeyedOrder:
    """An order found by its idempotency key, with the hash of the request that made it."""

    order: Order
    request_hash: str


class IdempotencyKeyTaken(Exception):
    """Raised by ``OrderRepository.add``: the user already has an order with this key
    (a concurrent request with the same key got there first). Nothing was written."""


class RecentCarts(Protocol):
    """Carts as this process last wrote them, so that their owner's next step (placing
    the order, or adding to the cart an order emptied) can skip reading the cart again.
    A hint, never the truth: what uses one has the database check that it is still
    current (``place_if_unchanged`` checks the cart's version and each product's name,
    price and stock; ``set_quantity_if_available`` the version and the added product's
    units)."""

    def remember(self, snapshot: CartSnapshot) -> None:
        """Keep ``snapshot`` as its owner's latest cart (replacing an earlier one)."""
        ...

    def take(self, user_id: str) -> CartSnapshot | None:
        """The user's remembered cart, forgotten as it is handed out; ``None`` if none."""
        ...

    def forget(self, user_id: str) -> None:
        """Drop the user's remembered cart (a write that did not remember one)."""
        ...


class OrderRepository(Protocol):
    """Stores orders with their lines; status changes are conditional."""

    async def add(self, order: Order, idempotency: IdempotencyRecord | None = None) -> None:
        """Insert the order and its lines; ``IdempotencyKeyTaken`` when the user already
        has an order with ``idempotency.key``."""
        ...

    async def add_history(self, history: Sequence[Order]) -> None:
        """Insert past orders and their lines in bulk, as they are (any status, no
        idempotency key); no stock moves and no cart changes (demo data, imports)."""
        ...

    async def place(self, order: Order,
                    idempotency: IdempotencyRecord | None = None) -> frozenset[int]:
        """Record ``order``, made of its buyer's whole cart, as one step: take each
        line's units from its product's stock (none from an archived product or one with
        fewer units), insert the order with its lines (as ``add`` does) and empty the
        buyer's cart.

        Returns the ids of the lines' products that were short: then no order was
        inserted and the cart was kept, but the units of other lines may have been
        taken, so the caller rolls back (raising out of the unit of work does). Raises
        ``IdempotencyKeyTaken`` as ``add`` does, after which the caller rolls back too.
        """
        ...

    async def place_if_unchanged(self, order: Order, idempotency: IdempotencyRecord | None
                                 = None, *, cart_version: int) -> int | None:
        """``place``, but only while the buyer's cart is still at ``cart_version`` (the
        ``CartSnapshot.version`` of the cart the order was made of) and each line's
        product still has the line's name and price, and only whole: once placed, the
        version of the buyer's cart, now empty. ``None`` when the cart or a product
        changed, a line was short or the key was taken; then the caller does not
        commit, and nothing is kept (on PostgreSQL the statement undoes itself, for the
        autocommit unit of work).
        """
        ...

    async def get(self, order_id: str) -> Order | None:
        """The order with its lines; ``None`` when unknown."""
        ...

    async def get_for_update(self, order_id: str) -> Order | None:
        """``get``, the order locked until the unit of work ends: another unit of work
        that locks or changes it waits, and then reads what this one committed."""
        ...

    async def get_by_idempotency_key(self, user_id: str, key: str) -> KeyedOrder | None:
        """The user's order placed with ``key``, if any."""
        ...

    async def save_status(self, order: Order, previous: OrderStatus) -> bool:
        """Store the order's status, ``cancelled_at`` and ``updated_at`` if its stored
        status is still ``previous``; ``False`` (nothing changed) otherwise. Atomic."""
        ...

    async def list_for_user(self, user_id: str, page: PageRequest) -> Page[Order]:
        """The user's orders, newest first (those of one moment by ascending id, in
        code point order, as Python compares the ids), with their lines (a constant
        number of queries whatever the page size)."""
        ...

    async def has_purchased(self, user_id: str, product_id: int) -> bool:
        """True when the user has a non-cancelled order containing ``product_id``."""
        ...


@dataclass(frozen=True, slots=True)
class WishlistEntry:
    """A product on a wishlist and when it was put there."""

    product: Product
    added_at: datetime


class WishlistRepository(Protocol):
    """Stores which products each user wishes for (at most once each)."""

    async def add(self, user_id: str, product_id: int, now: datetime) -> bool:
        """Put the product on the wishlist; ``False`` when it was already there. Atomic."""
        ...

    async def remove(self, user_id: str, product_id: int) -> None:
        """Take the product off the wishlist (nothing happens if it was not there)."""
        ...

    async def list_with_products(self, user_id: str) -> Sequence[WishlistEntry]:
        """The wishlist's products that are not archived, newest first (those added at
        one moment by ascending product id), in one query."""
        ...


class ReviewRepository(Protocol):
    """Stores reviews, at most one per user and product.

    Every review it returns has ``verified_purchase`` as the orders are when it reads
    them: whether the author has an order containing the product that is not
    cancelled (what ``OrderRepository.has_purchased`` tells), never a stored flag."""

    async def add(self, draft: ReviewDraft, product_id: int, user_id: str, author: Phone,
                  now: datetime) -> Review:
        """Insert the review and return it with its id; ``AlreadyReviewed`` when the user
        already has a review of this product (also under concurrent inserts)."""
        ...

    async def exists(self, user_id: str, product_id: int) -> bool:
        """True when the user has reviewed the product."""
        ...

    async def delete(self, user_id: str, product_id: int) -> Review | None:
        """Delete the user's review of the product and return it; ``None`` if there was
        none. Atomic (two concurrent deletes cannot both get the review)."""
        ...

    async def list_for_product(self, product_id: int, page: PageRequest) -> Page[Review]:
        """The product's reviews, newest first, with their authors' phones, in one
        query (``verified_purchase`` included: never a query per review)."""
        ...
