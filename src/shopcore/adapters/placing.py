"""``OrderRepository.place`` one statement at a time, for the stores that have no
single-statement form of it (SQLite, the in-memory fakes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from shopcore.application.ports.catalog import ProductRepository
from shopcore.application.ports.shopping import CartRepository, IdempotencyRecord
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
