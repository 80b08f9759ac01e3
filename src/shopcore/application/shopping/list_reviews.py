"""ListReviews: a product's reviews, newest first, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.errors import NotFound
from shopcore.domain.reviews import Review


@dataclass(frozen=True, slots=True)
class ListReviewsQuery:
    """Page ``page`` of the reviews of ``product_id``."""

    product_id: int
    page: PageRequest = field(default_factory=PageRequest)


class ListReviews:
    """The reviews of a visible product (``NotFound`` for unknown or archived ones)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListReviewsQuery) -> Page[Review]:
        async with self._uow() as uow:
            product = await uow.products.get(query.product_id)
            if product is None or product.archived:
                raise NotFound(f"Product {query.product_id} does not exist.")
            return await uow.reviews.list_for_product(product.id, query.page)
