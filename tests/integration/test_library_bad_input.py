"""Bad input through the library API raises the documented domain error (the one the
HTTP layer maps), never a database or framework exception; on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import shopcore
from shopcore.application import (
    AddReviewCommand,
    AddToCartCommand,
    AddToWishlistCommand,
    CancelOrderCommand,
    ChangeOrderStatusCommand,
    CreateProductCommand,
    DeleteReviewCommand,
    GetOrderQuery,
    IdempotencyKeyReused,
    ListProductsQuery,
    ListReviewsQuery,
    MostBoughtQuery,
    PlaceOrderCommand,
    RemoveFromCartCommand,
    RemoveFromWishlistCommand,
    RequestOtpCommand,
    SearchProductsQuery,
    ShippingAddressInput,
    UpdateCartLineCommand,
    UpdateProductCommand,
    VerifyOtpCommand,
)
from shopcore.domain import (
    CartEmpty,
    DomainError,
    InsufficientStock,
    InvalidInput,
    InvalidState,
    NotFound,
    OtpInvalid,
    PurchaseRequired,
    Unauthenticated,
)
from shopcore.shop import Shop

PHONE, CODE = "+919999999999", "123456"
BEYOND_64_BITS = 2**64 + 1
BEYOND_32_BITS = 2**31


@dataclass
class Scene:
    """A shop with one product (stock 3) and one logged-in user with an empty cart."""

    shop: Shop
    user_id: str
    product_id: int


@pytest.fixture
async def scene(database_url: str, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Scene]:
    async with shopcore.bootstrap(database_url=database_url, media_dir=tmp_path / "media",
                                  otp_test_numbers={PHONE: CODE}) as shop:
        product = await shop.create_product(CreateProductCommand(
            name="Kettle", price="499", category="kitchen", stock=3))
        await shop.request_otp(RequestOtpCommand(phone=PHONE))
        user = (await shop.verify_otp(VerifyOtpCommand(phone=PHONE, otp=CODE))).session.user
        yield Scene(shop, user.id, product.id)


def address(**changes: object) -> ShippingAddressInput:
    fields: dict[str, object] = {"name": "Asha", "line1": "1 MG Road", "city": "Pune",
                                 "state": "MH", "postal_code": "411001", "phone": PHONE}
    fields.update(changes)
    return ShippingAddressInput(**fields)  # type: ignore[arg-type]


Call = Callable[[Scene], Awaitable[object]]

# label -> (the call, the documented error, the field an InvalidInput names)
BAD_CALLS: dict[str, tuple[Call, type[DomainError], str | None]] = {
    # quantities
    "negative quantity": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, s.product_id, -1)), InvalidInput, "quantity"),
    "zero quantity": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, s.product_id, 0)), InvalidInput, "quantity"),
    "huge quantity": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, s.product_id, 10**30)), InvalidInput, "quantity"),
    "fractional quantity": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, s.product_id, 1.5)), InvalidInput, "quantity"),
    "quantity as text": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, s.product_id, "2")), InvalidInput, "quantity"),
    "more than the stock": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, s.product_id, 4)), InsufficientStock, None),
    "negative line quantity": (lambda s: s.shop.update_cart_line(
        UpdateCartLineCommand(s.user_id, s.product_id, -3)), InvalidInput, "quantity"),
    # phones and codes
    "malformed phone": (lambda s: s.shop.request_otp(
        RequestOtpCommand(phone="12ab")), InvalidInput, "phone"),
    "too short phone": (lambda s: s.shop.request_otp(
        RequestOtpCommand(phone="12345")), InvalidInput, "phone"),
    "phone of 10 000 digits": (lambda s: s.shop.request_otp(
        RequestOtpCommand(phone="9" * 10_000)), InvalidInput, "phone"),
    "phone that is no text": (lambda s: s.shop.request_otp(
        RequestOtpCommand(phone=919999999999)),  # type: ignore[arg-type]
        InvalidInput, "phone"),
    "malformed phone at verify": (lambda s: s.shop.verify_otp(
        VerifyOtpCommand(phone="not a phone", otp=CODE)), InvalidInput, "phone"),
    "code of 10 000 digits": (lambda s: s.shop.verify_otp(
        VerifyOtpCommand(phone=PHONE, otp="1" * 10_000)), OtpInvalid, None),
    # product ids
    "unknown product": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, 999_999, 1)), NotFound, None),
    "product id 0": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, 0, 1)), NotFound, None),
    "negative product id": (lambda s: s.shop.get_product(-7), NotFound, None),
    "product id beyond 32 bits": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, BEYOND_32_BITS, 1)), NotFound, None),
    "product id beyond 64 bits in the cart": (lambda s: s.shop.add_to_cart(
        AddToCartCommand(s.user_id, BEYOND_64_BITS, 1)), NotFound, None),
    "product id beyond 64 bits, line update": (lambda s: s.shop.update_cart_line(
        UpdateCartLineCommand(s.user_id, BEYOND_64_BITS, 1)), NotFound, None),
    "product id beyond 64 bits, line removal": (lambda s: s.shop.remove_from_cart(
        RemoveFromCartCommand(s.user_id, BEYOND_64_BITS)), NotFound, None),
    "product id beyond 64 bits, detail": (lambda s: s.shop.get_product(BEYOND_64_BITS),
                                          NotFound, None),
    "product id beyond 64 bits, change": (lambda s: s.shop.update_product(
        UpdateProductCommand(BEYOND_64_BITS, name="x")), NotFound, None),
    "product id beyond 64 bits, archive": (lambda s: s.shop.archive_product(BEYOND_64_BITS),
                                           NotFound, None),
    "product id beyond 64 bits, wishlist": (lambda s: s.shop.add_to_wishlist(
        AddToWishlistCommand(s.user_id, BEYOND_64_BITS)), NotFound, None),
    "product id beyond 64 bits, review": (lambda s: s.shop.add_review(
        AddReviewCommand(s.user_id, BEYOND_64_BITS, 5)), NotFound, None),
    "product id beyond 64 bits, review removal": (lambda s: s.shop.delete_review(
        DeleteReviewCommand(s.user_id, BEYOND_64_BITS)), NotFound, None),
    "product id beyond 64 bits, reviews": (lambda s: s.shop.list_reviews(
        ListReviewsQuery(BEYOND_64_BITS)), NotFound, None),
    # orders
    "order from an empty cart": (lambda s: s.shop.place_order(
        PlaceOrderCommand(s.user_id, address())), CartEmpty, None),
    "unknown order": (lambda s: s.shop.get_order(GetOrderQuery(s.user_id, "no-such-order")),
                      NotFound, None),
    "order id of 10 000 characters": (lambda s: s.shop.cancel_order(
        CancelOrderCommand(s.user_id, "o" * 10_000)), NotFound, None),
    "unknown order status": (lambda s: s.shop.change_order_status(
        ChangeOrderStatusCommand("no-such-order", "teleported")), InvalidInput, "status"),
    "review without a purchase": (lambda s: s.shop.add_review(
        AddReviewCommand(s.user_id, s.product_id, 5)), PurchaseRequired, None),
    "rating out of range": (lambda s: s.shop.add_review(
        AddReviewCommand(s.user_id, s.product_id, 10**30)), InvalidInput, "rating"),
    # unknown users
    "cart of an unknown user": (lambda s: s.shop.add_to_cart(
        AddToCartCommand("no-such-user", s.product_id, 1)), Unauthenticated, None),
    "wishlist of an unknown user": (lambda s: s.shop.add_to_wishlist(
        AddToWishlistCommand("no-such-user", s.product_id)), Unauthenticated, None),
    "user id of 10 000 characters": (lambda s: s.shop.get_current_user("u" * 10_000),
                                     Unauthenticated, None),
    # too-long and unprintable strings
    "product name of 10 000 characters": (lambda s: s.shop.create_product(
        CreateProductCommand(name="n" * 10_000, price="1", category="c")), InvalidInput, "name"),
    "product name with NUL": (lambda s: s.shop.create_product(
        CreateProductCommand(name="a\x00b", price="1", category="c")), InvalidInput, "name"),
    "negative price": (lambda s: s.shop.create_product(
        CreateProductCommand(name="n", price="-1", category="c")), InvalidInput, "price"),
    "price beyond the limit": (lambda s: s.shop.create_product(
        CreateProductCommand(name="n", price=str(10**30), category="c")), InvalidInput, "price"),
    "stock beyond the limit": (lambda s: s.shop.create_product(
        CreateProductCommand(name="n", price="1", category="c", stock=2**63)),
        InvalidInput, "stock"),
    "address name of 10 000 characters": (lambda s: s.shop.place_order(
        PlaceOrderCommand(s.user_id, address(name="A" * 10_000))),
        InvalidInput, "shipping_address.name"),
    "address with a bad phone": (lambda s: s.shop.place_order(
        PlaceOrderCommand(s.user_id, address(phone="12"))),
        InvalidInput, "shipping_address.phone"),
    "idempotency key of 1000 characters": (lambda s: s.shop.place_order(
        PlaceOrderCommand(s.user_id, address(), idempotency_key="k" * 1000)),
        InvalidInput, "Idempotency-Key"),
    "search of 1000 characters": (lambda s: s.shop.search_products(
        SearchProductsQuery(q="x" * 1000)), InvalidInput, "q"),
    "category of 10 000 characters": (lambda s: s.shop.list_products(
        ListProductsQuery(category="c" * 10_000)), InvalidInput, "category"),
    # pages and limits
    "page beyond the limit": (lambda s: s.shop.search_products(
        SearchProductsQuery(q="kettle", page=10**30)), InvalidInput, "page"),
    "page size 0": (lambda s: s.shop.list_products(ListProductsQuery(page_size=0)),
                    InvalidInput, "page_size"),
    "price filter beyond the limit": (lambda s: s.shop.list_products(
        ListProductsQuery(min_price=10**40)), InvalidInput, "min_price"),
    "best sellers limit 0": (lambda s: s.shop.most_bought_products(MostBoughtQuery(limit=0)),
                             InvalidInput, "limit"),
}


@pytest.mark.parametrize("label", list(BAD_CALLS))
async def test_bad_input_raises_the_documented_domain_error(scene: Scene, label: str) -> None:
    call, error, field = BAD_CALLS[label]
    with pytest.raises(DomainError) as raised:
        await call(scene)
    assert isinstance(raised.value, error), f"{type(raised.value).__name__}: {raised.value}"
    if field is not None:
        assert isinstance(raised.value, InvalidInput)
        assert field in [e.field for e in raised.value.errors]


async def test_forgetting_what_was_never_there_succeeds(scene: Scene) -> None:
    """Idempotent removals of ids no product can have are no errors either."""
    await scene.shop.remove_from_wishlist(RemoveFromWishlistCommand(scene.user_id,
                                                                    BEYOND_64_BITS))
    await scene.shop.remove_from_wishlist(RemoveFromWishlistCommand(scene.user_id, -1))


async def test_repeating_a_key_with_another_address_and_cancelling_twice(scene: Scene) -> None:
    shop = scene.shop
    await shop.add_to_cart(AddToCartCommand(scene.user_id, scene.product_id, 1))
    order = (await shop.place_order(PlaceOrderCommand(scene.user_id, address(),
                                                      idempotency_key="k-1"))).order
    with pytest.raises(IdempotencyKeyReused):
        await shop.place_order(PlaceOrderCommand(scene.user_id, address(city="Mumbai"),
                                                 idempotency_key="k-1"))
    await shop.cancel_order(CancelOrderCommand(scene.user_id, order.id))
    with pytest.raises(InvalidState):
        await shop.cancel_order(CancelOrderCommand(scene.user_id, order.id))
