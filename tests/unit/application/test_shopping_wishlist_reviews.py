"""The wishlist and review use cases on the shipped in-memory fakes."""

from __future__ import annotations

import pytest

from shopcore.application.pagination import PageRequest
from shopcore.application.shopping.add_review import AddReviewCommand
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.add_to_wishlist import AddToWishlistCommand
from shopcore.application.shopping.cancel_order import CancelOrderCommand
from shopcore.application.shopping.delete_review import DeleteReviewCommand
from shopcore.application.shopping.list_reviews import ListReviewsQuery
from shopcore.application.shopping.list_wishlist import ListWishlistQuery
from shopcore.application.shopping.place_order import PlaceOrderCommand
from shopcore.application.shopping.remove_from_wishlist import RemoveFromWishlistCommand
from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput, NotFound
from shopcore.domain.reviews import AlreadyReviewed, PurchaseRequired
from shopcore.testing import InMemoryShop, build_in_memory_shop
from tests.unit.application.shopping_support import (
    ADDRESS,
    ALICE,
    BOB,
    add_product,
    add_users,
    change_product,
    product_now,
)


@pytest.fixture
async def shop() -> InMemoryShop:
    shop = build_in_memory_shop()
    await add_users(shop)
    return shop


async def buy(shop: InMemoryShop, user_id: str, product: Product) -> str:
    await shop.add_to_cart(AddToCartCommand(user_id, product.id))
    return (await shop.place_order(PlaceOrderCommand(user_id, ADDRESS))).order.id


# wishlist

async def test_adding_twice_keeps_one_entry_newest_first(shop: InMemoryShop) -> None:
    phone, laptop = await add_product(shop), await add_product(shop, "Laptop")
    phone_added = shop.clock.now()
    first = await shop.add_to_wishlist(AddToWishlistCommand(ALICE, phone.id))
    shop.clock.advance(seconds=1)
    laptop_added = shop.clock.now()
    await shop.add_to_wishlist(AddToWishlistCommand(ALICE, laptop.id))
    shop.clock.advance(seconds=1)
    again = await shop.add_to_wishlist(AddToWishlistCommand(ALICE, phone.id))
    assert first.created and not again.created
    assert [(e.product.id, e.added_at) for e in again.items] == [
        (laptop.id, laptop_added), (phone.id, phone_added)]
    assert list(await shop.list_wishlist(ListWishlistQuery(ALICE))) == list(again.items)
    assert list(await shop.list_wishlist(ListWishlistQuery(BOB))) == []


async def test_unknown_or_archived_products_cannot_be_wished_for(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    change_product(shop, phone, archived=True)
    for product_id in (phone.id, 999):
        with pytest.raises(NotFound):
            await shop.add_to_wishlist(AddToWishlistCommand(ALICE, product_id))


async def test_removing_is_idempotent_and_archived_products_are_hidden(
    shop: InMemoryShop,
) -> None:
    phone, laptop = await add_product(shop), await add_product(shop, "Laptop")
    await shop.add_to_wishlist(AddToWishlistCommand(ALICE, phone.id))
    await shop.add_to_wishlist(AddToWishlistCommand(ALICE, laptop.id))
    for _ in range(2):
        await shop.remove_from_wishlist(RemoveFromWishlistCommand(ALICE, phone.id))
    change_product(shop, laptop, archived=True)
    assert list(await shop.list_wishlist(ListWishlistQuery(ALICE))) == []


# reviews

async def test_only_buyers_may_review(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    with pytest.raises(PurchaseRequired):
        await shop.add_review(AddReviewCommand(ALICE, phone.id, 5))


async def test_a_buyer_reviews_once_and_the_aggregates_follow(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await buy(shop, ALICE, phone)
    await buy(shop, BOB, phone)
    review = await shop.add_review(AddReviewCommand(ALICE, phone.id, 5, "  Great  "))
    assert (review.rating, review.comment, review.author_masked) == (5, "Great", "+91******3210")
    with pytest.raises(AlreadyReviewed):
        await shop.add_review(AddReviewCommand(ALICE, phone.id, 1))
    shop.clock.advance(seconds=1)
    await shop.add_review(AddReviewCommand(BOB, phone.id, 4))
    rated = product_now(shop, phone)
    assert (rated.rating_count, rated.rating_total, str(rated.rating_average)) == (2, 9, "4.50")
    page = await shop.list_reviews(ListReviewsQuery(phone.id, PageRequest(1, 1)))
    assert page.count == 2 and [r.user_id for r in page.items] == [BOB]


async def test_a_cancelled_order_is_no_purchase(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    order_id = await buy(shop, ALICE, phone)
    await shop.cancel_order(CancelOrderCommand(ALICE, order_id))
    with pytest.raises(PurchaseRequired):
        await shop.add_review(AddReviewCommand(ALICE, phone.id, 5))


async def test_a_review_outlives_its_cancelled_order_but_is_no_longer_verified(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop)
    order_id = await buy(shop, ALICE, phone)
    assert (await shop.add_review(AddReviewCommand(ALICE, phone.id, 4))).verified_purchase
    await shop.cancel_order(CancelOrderCommand(ALICE, order_id))
    page = await shop.list_reviews(ListReviewsQuery(phone.id))
    assert [(r.user_id, r.verified_purchase) for r in page.items] == [(ALICE, False)]
    rated = product_now(shop, phone)
    assert (rated.rating_count, rated.rating_total) == (1, 4)
    await buy(shop, ALICE, phone)
    page = await shop.list_reviews(ListReviewsQuery(phone.id))
    assert [(r.user_id, r.verified_purchase) for r in page.items] == [(ALICE, True)]


@pytest.mark.parametrize("rating, comment", [(0, ""), (6, ""), (True, ""), ("5", ""),
                                             (5, "x" * 2001), (5, "bad\x00")])
async def test_a_bad_review_is_invalid(shop: InMemoryShop, rating: object,
                                       comment: object) -> None:
    phone = await add_product(shop)
    await buy(shop, ALICE, phone)
    with pytest.raises(InvalidInput):
        await shop.add_review(AddReviewCommand(ALICE, phone.id, rating, comment))


async def test_deleting_a_review_allows_a_new_one(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await buy(shop, ALICE, phone)
    await shop.add_review(AddReviewCommand(ALICE, phone.id, 2))
    await shop.delete_review(DeleteReviewCommand(ALICE, phone.id))
    assert (product_now(shop, phone).rating_count, product_now(shop, phone).rating_total) == (0, 0)
    with pytest.raises(NotFound):
        await shop.delete_review(DeleteReviewCommand(ALICE, phone.id))
    await shop.add_review(AddReviewCommand(ALICE, phone.id, 4))
    assert product_now(shop, phone).rating_total == 4


async def test_reviews_of_unknown_or_archived_products_are_not_found(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop)
    await buy(shop, ALICE, phone)
    change_product(shop, phone, archived=True)
    for product_id in (phone.id, 999):
        with pytest.raises(NotFound):
            await shop.list_reviews(ListReviewsQuery(product_id))
        with pytest.raises(NotFound):
            await shop.add_review(AddReviewCommand(ALICE, product_id, 5))
