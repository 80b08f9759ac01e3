"""Reviews: who may review, and what a review holds."""

from datetime import UTC, datetime

import pytest

from shopcore.domain.errors import Conflict, Forbidden, InvalidInput
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import (
    AlreadyReviewed,
    PurchaseRequired,
    Review,
    ReviewDraft,
    ensure_may_review,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_ratings_1_to_5_are_accepted(rating: int) -> None:
    assert ReviewDraft.create(rating, "").rating == rating


@pytest.mark.parametrize("rating", [0, 6, -1, True, False, 4.0, "5", None])
def test_other_ratings_are_invalid(rating: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        ReviewDraft.create(rating, "fine")
    assert [e.field for e in caught.value.errors] == ["rating"]


def test_comment_is_stripped_and_may_span_lines() -> None:
    assert ReviewDraft.create(5, "  Great\nphone!  ").comment == "Great\nphone!"


@pytest.mark.parametrize("comment", ["", None])
def test_comment_may_be_empty_or_absent(comment: object) -> None:
    assert ReviewDraft.create(4, comment).comment == ""
    assert ReviewDraft.create(4).comment == ""


def test_comment_is_at_most_2000_characters_after_stripping() -> None:
    assert len(ReviewDraft.create(3, " " + "x" * 2000 + " ").comment) == 2000
    with pytest.raises(InvalidInput) as caught:
        ReviewDraft.create(3, "x" * 2001)
    assert [e.field for e in caught.value.errors] == ["comment"]


@pytest.mark.parametrize("comment", [5, "nul\x00byte"])
def test_comment_must_be_printable_text(comment: object) -> None:
    with pytest.raises(InvalidInput):
        ReviewDraft.create(3, comment)


def test_both_bad_fields_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as caught:
        ReviewDraft.create(9, "x" * 2001)
    assert [e.field for e in caught.value.errors] == ["rating", "comment"]


def test_a_draft_becomes_a_review_verified_as_told() -> None:
    author = Phone("+919876543210")
    draft = ReviewDraft.create(5, "ok")
    review = draft.to_review(1, 17, "user-1", author, NOW, verified_purchase=True)
    assert review == Review(1, 17, "user-1", author, 5, "ok", NOW, True)
    assert review.author_masked == "+91******3210"
    assert draft.to_review(1, 17, "user-1", author, NOW,
                           verified_purchase=False).verified_purchase is False


def test_only_buyers_may_review() -> None:
    with pytest.raises(PurchaseRequired) as caught:
        ensure_may_review(has_purchased=False, has_reviewed=False)
    assert isinstance(caught.value, Forbidden)


def test_a_purchase_is_checked_before_a_previous_review() -> None:
    with pytest.raises(PurchaseRequired):
        ensure_may_review(has_purchased=False, has_reviewed=True)


def test_one_review_per_user_and_product() -> None:
    with pytest.raises(AlreadyReviewed) as caught:
        ensure_may_review(has_purchased=True, has_reviewed=True)
    assert isinstance(caught.value, Conflict)


def test_a_buyer_without_a_review_may_review() -> None:
    ensure_may_review(has_purchased=True, has_reviewed=False)
