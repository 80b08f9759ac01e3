"""Product reviews: who may write one, and what a review holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopcore.domain.errors import Conflict, Forbidden
from shopcore.domain.phone import Phone
from shopcore.domain.validation import FieldChecks

MIN_RATING = 1
MAX_RATING = 5
COMMENT_MAX_LENGTH = 2000


class PurchaseRequired(Forbidden):
    """Only a buyer of the product (in a non-cancelled order) may review it."""

    def __init__(self) -> None:
        super().__init__("Only customers who bought this product may review it.")


class AlreadyReviewed(Conflict):
    """The user has a review of this product already (one per user and product)."""

    def __init__(self) -> None:
        super().__init__("You have already reviewed this product.")


def ensure_may_review(*, has_purchased: bool, has_reviewed: bool) -> None:
    """Raise ``PurchaseRequired`` for a non-buyer, then ``AlreadyReviewed`` for a repeat."""
    if not has_purchased:
        raise PurchaseRequired()
    if has_reviewed:
        raise AlreadyReviewed()


@dataclass(frozen=True, slots=True)
class Review:
    """One user's rating (1..5) and comment on one product.

    ``verified_purchase`` is whether the author has, as the review is read, an order
    containing the product that is not cancelled: a review outlives the orders that
    allowed it (and still counts in the product's rating), but stops claiming a
    purchase once every such order was cancelled."""

    id: int
    product_id: int
    user_id: str
    author: Phone
    rating: int
    comment: str
    created_at: datetime
    verified_purchase: bool

    @property
    def author_masked(self) -> str:
        """The author's phone as it may be shown (``+91******3210``)."""
        return self.author.masked()


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """A validated new review, before it has an id."""

    rating: int
    comment: str = ""

    @classmethod
    def create(cls, rating: object, comment: object = "") -> ReviewDraft:
        """Check both fields (rating a whole number 1..5, comment at most 2000 characters
        after stripping; ``None`` is no comment); raise one ``InvalidInput`` naming both."""
        checks = FieldChecks()
        draft = cls(
            rating=checks.integer("rating", rating, minimum=MIN_RATING, maximum=MAX_RATING),
            comment=checks.text("comment", "" if comment is None else comment, min_length=0,
                                max_length=COMMENT_MAX_LENGTH, multiline=True),
        )
        checks.raise_if_any()
        return draft

    def to_review(
        self,
        review_id: int,
        product_id: int,
        user_id: str,
        author: Phone,
        now: datetime,
        *,
        verified_purchase: bool,
    ) -> Review:
        """The review this draft becomes once it has an id."""
        return Review(
            id=review_id,
            product_id=product_id,
            user_id=user_id,
            author=author,
            rating=self.rating,
            comment=self.comment,
            created_at=now,
            verified_purchase=verified_purchase,
        )
