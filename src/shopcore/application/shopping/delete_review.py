"""DeleteReview: a user withdraws their review of a product."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class DeleteReviewCommand:
    """``user_id`` deletes their review of ``product_id``."""

    user_id: str
    product_id: int


class DeleteReview:
    """Deletes the caller's own review (``NotFound`` without one) and takes it out of the
    product's rating aggregates in the same transaction; the user may review again."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: DeleteReviewCommand) -> None:
        async with self._uow() as uow:
            removed = await uow.reviews.delete(cmd.user_id, cmd.product_id)
            if removed is None:
                raise NotFound(f"You have no review of product {cmd.product_id}.")
            await uow.products.adjust_rating(removed.product_id, -1, -removed.rating)
            await uow.commit()
