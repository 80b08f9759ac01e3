"""``OrderRepository.place`` and ``place_if_unchanged``, and
``CartRepository.set_quantity_if_available``, one statement at a time, for the stores
that have no single-statement form of them (SQLite, the in-memory fakes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from shopcore.application.ports.catalog import ProductRepository
from shopcore.application.ports.shopping import (
    CartRepository,
    CartSnapshot,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    WrittenCartLine,
)
from shopcore.domain.ordering import Order


async def place_step_by_step(
    order: Order,
    idempotency: IdempotencyRecord | None,
    *,
    products: ProductRepository,
    add_order: Callable[[Order, IdempotencyRecord | None], Awaitable[None]],
    carts: CartRepository,
) -> frozenset[int]:
    """Take every line's units (in ascending product id order, so concurrent orders lock
    rows in one order; all lines are tried), then, if none was short, add the order and
    empty its buyer's cart. The short products' ids."""
    short = frozenset([
        line.product_id for line in sorted(order.lines, key=lambda line: line.product_id)
        if not await products.reserve_stock(line.product_id, line.quantity)
    ])
    if short:
        return short
    await add_order(order, idempotency)
    await carts.clear(order.user_id)
    return short


async def place_if_unchanged_step_by_step(
    order: Order,
    idempotency: IdempotencyRecord | None,
    *,
    cart_version: int,
    carts: CartRepository,
    place: Callable[[Order, IdempotencyRecord | None], Awaitable[frozenset[int]]],
) -> int | None:
    """``place`` if the buyer's cart is still at ``cart_version`` and each line's product
    still has the line's name and price: the cart's version once the order emptied it,
    or ``None`` when not placed; then the caller does not commit (``place`` may have
    taken units)."""
    snapshot = await carts.get_snapshot(order.user_id)
    if snapshot is None or snapshot.version != cart_version:
        return None
    for line in order.lines:
        product = snapshot.products.get(line.product_id)
        if product is None or (product.name, product.price) != (line.name, line.unit_price):
            return None
    try:
        short = await place(order, idempotency)
    except IdempotencyKeyTaken:
        return None
    if short:
        return None
    emptied = await carts.get_snapshot(order.user_id)
    return None if emptied is None else emptied.version


async def set_quantity_if_available_step_by_step(
    carts: CartRepository, snapshot: CartSnapshot | None, product_id: int, quantity: int,
    now: datetime, *, version: int,
) -> WrittenCartLine | None:
    """Given the cart as just read with ``product_id`` (``None``: no such user),
    ``set_quantity_if_unchanged`` if that product has the units (in the caller's unit of
    work, whose writers take turns)."""
    if snapshot is None or snapshot.version != version:
        return None
    product = snapshot.products.get(product_id)
    if product is None or product.available < quantity:
        return None
    written = await carts.set_quantity_if_unchanged(snapshot.cart.user_id, product_id,
                                                    quantity, now, version=version)
    return None if written is None else WrittenCartLine(written, snapshot.products)
