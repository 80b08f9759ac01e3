"""AddReview: a buyer rates a product (once per product)."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.errors import NotFound, Unauthenticated
from shopcore.domain.reviews import Review, ReviewDraft, ensure_may_review


@dataclass(frozen=True, slots=True)
class AddReviewCommand:
    """``user_id`` rates ``product_id`` 1..5 with an optional comment (<= 2000 chars)."""

    user_id: str
    product_id: int
    rating: object
    comment: object = ""


class AddReview:
    """Only a user with a non-cancelled order containing the product may review it
    (``PurchaseRequired``), once (``AlreadyReviewed``, also under concurrent requests).
    The product's rating aggregates change in the same transaction."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AddReviewCommand) -> Review:
        draft = ReviewDraft.create(cmd.rating, cmd.comment)
        async with self._uow() as uow:
            product = await uow.products.get(cmd.product_id)
            if product is None or product.archived:
                raise NotFound(f"Product {cmd.product_id} does not exist.")
            author = await uow.users.get(cmd.user_id)
            if author is None:
                raise Unauthenticated("The account no longer exists.")
            ensure_may_review(
                has_purchased=await uow.orders.has_purchased(cmd.user_id, product.id),
                has_reviewed=await uow.reviews.exists(cmd.user_id, product.id),
            )
            review = await uow.reviews.add(draft, product.id, cmd.user_id, author.phone,
                                           self._clock.now())
            await uow.products.adjust_rating(product.id, 1, review.rating)
            await uow.commit()
        return review
