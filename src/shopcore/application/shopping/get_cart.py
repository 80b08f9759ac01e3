"""GetCart: the caller's cart, priced now."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.application.shopping.cart_pricing import price_cart
from shopcore.domain.cart import CartTotal


@dataclass(frozen=True, slots=True)
class GetCartQuery:
    """Whose cart."""

    user_id: str


class GetCart:
    """The cart with current prices, line totals, availability and totals."""

    def __init__(self, uow: UnitOfWorkFactory, currency: str = "INR") -> None:
        self._uow = uow
        self._currency = currency

    async def __call__(self, query: GetCartQuery) -> CartTotal:
        async with self._uow() as uow:
            return await price_cart(uow, query.user_id, self._currency)
