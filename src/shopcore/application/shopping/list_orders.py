"""ListOrders: the caller's orders, newest first, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.ordering import Order


@dataclass(frozen=True, slots=True)
class ListOrdersQuery:
    """Page ``page`` of ``user_id``'s orders."""

    user_id: str
    page: PageRequest = field(default_factory=PageRequest)


class ListOrders:
    """Only the caller's own orders, newest first, each with its lines."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListOrdersQuery) -> Page[Order]:
        async with self._uow() as uow:
            return await uow.orders.list_for_user(query.user_id, query.page)
