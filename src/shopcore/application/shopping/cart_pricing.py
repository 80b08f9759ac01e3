"""Pricing a stored cart from its products' current state (ComputeCartTotal)."""

from __future__ import annotations

from shopcore.application.ports.unit_of_work import UnitOfWork
from shopcore.domain.cart import CartTotal, PricedCartLine, compute_cart_total


async def price_cart(uow: UnitOfWork, user_id: str, currency: str) -> CartTotal:
    """The user's cart priced with current prices and stock, read in one query.

    Lines of archived products stay, as unavailable; the arithmetic is the domain's
    exact ``compute_cart_total``.
    """
    rows = await uow.carts.lines_with_products(user_id)
    return compute_cart_total([PricedCartLine.of(row.line, row.product) for row in rows],
                              currency)
