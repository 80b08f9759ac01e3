"""GetOrder: one of the caller's orders."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from shopcore.domain.errors import NotFound
from shopcore.domain.ordering import Order


@dataclass(frozen=True, slots=True)
class GetOrderQuery:
    """``user_id`` asks for order ``order_id``."""

    user_id: str
    order_id: str


class GetOrder:
    """The order with its lines; another user's order is ``NotFound`` (not forbidden),
    so order ids reveal nothing."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: GetOrderQuery) -> Order:
        async with self._uow() as uow:
            return await owned_order(uow, query.user_id, query.order_id)


async def owned_order(uow: UnitOfWork, user_id: str, order_id: str) -> Order:
    """``user_id``'s order ``order_id``; ``NotFound`` when it is someone else's or none,
    so order ids reveal nothing."""
    order = await uow.orders.get(order_id)
    if order is None or order.user_id != user_id:
        raise NotFound(f"Order {order_id} does not exist.")
    return order
