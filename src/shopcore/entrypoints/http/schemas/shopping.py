"""Request and response bodies of the cart, order, wishlist and review routes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from shopcore.application.ports.shopping import WishlistEntry
from shopcore.application.shopping.addresses import ShippingAddressInput
from shopcore.domain.cart import MAX_LINE_QUANTITY, CartTotal
from shopcore.domain.ordering import Order, OrderStatus, ShippingAddress
from shopcore.domain.reviews import COMMENT_MAX_LENGTH, MAX_RATING, MIN_RATING, Review
from shopcore.entrypoints.http.schemas.catalog import ProductBody, render_product

MAX_PRODUCT_ID = 2**31 - 1
"""Product ids are stored as 32-bit integers; a larger id is refused before any query."""

ProductId = Annotated[int, msgspec.Meta(ge=1, le=MAX_PRODUCT_ID, examples=[17])]
OrderId = Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                      examples=["0193f1c2-5b7e-4c1a-9a57-3b9f2c1d4e5f"])]

# cart


class AddToCartBody(msgspec.Struct, forbid_unknown_fields=True):
    """Add units of a product to its cart line."""

    product_id: ProductId
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_LINE_QUANTITY)] = 1


class UpdateCartLineBody(msgspec.Struct, forbid_unknown_fields=True):
    """Set the quantity of a product in the cart; 0 removes the line."""

    product_id: ProductId
    quantity: Annotated[int, msgspec.Meta(ge=0, le=MAX_LINE_QUANTITY)]


class RemoveFromCartBody(msgspec.Struct, forbid_unknown_fields=True):
    """Remove a product's line from the cart."""

    product_id: ProductId


class CartLineBody(msgspec.Struct):
    """One line of the cart, priced now; ``available`` is false when the product was
    archived or its stock is below the quantity."""

    product_id: int
    name: str
    unit_price: str
    quantity: int
    line_total: str
    available: bool


class CartBody(msgspec.Struct):
    """The cart with current prices (exact decimal strings)."""

    items: list[CartLineBody]
    total_quantity: int
    subtotal: str
    total: str
    currency: str


def render_cart(cart: CartTotal) -> CartBody:
    """The API form of a priced cart."""
    return CartBody(
        items=[CartLineBody(product_id=line.product_id, name=line.name,
                            unit_price=line.unit_price.amount, quantity=line.quantity,
                            line_total=line.line_total.amount, available=line.available)
               for line in cart.lines],
        total_quantity=cart.total_quantity, subtotal=cart.subtotal.amount,
        total=cart.total.amount, currency=cart.currency,
    )


# orders


class ShippingAddressBody(msgspec.Struct, forbid_unknown_fields=True):
    """Where the order goes, kept and echoed exactly as sent (no trimming). Every
    field but ``line2`` is required and holds more than whitespace; a blank ``line2``
    is null; ``phone`` is a mobile number in any common notation, stored in E.164;
    ``postal_code`` and ``country`` have no surrounding spaces; ``country`` defaults
    to IN."""

    name: str
    line1: str
    city: str
    state: str
    postal_code: str
    phone: str
    line2: str | None = None
    country: str | None = None

    def to_input(self) -> ShippingAddressInput:
        """The raw fields for the use case, which checks them."""
        return ShippingAddressInput(
            name=self.name, line1=self.line1, line2=self.line2, city=self.city,
            state=self.state, postal_code=self.postal_code, phone=self.phone,
            country=self.country)


class PlaceOrderBody(msgspec.Struct, forbid_unknown_fields=True):
    """Order the whole cart."""

    shipping_address: ShippingAddressBody


class CancelOrderBody(msgspec.Struct, forbid_unknown_fields=True):
    """Cancel one of the caller's orders."""

    order_id: OrderId


class OrderStatusBody(msgspec.Struct, forbid_unknown_fields=True):
    """The status an admin moves an order to (cancelling has its own route)."""

    status: Literal["paid", "shipped", "delivered"]


class AddressBody(msgspec.Struct):
    """The shipping address exactly as stored (``line2`` may be null)."""

    name: str
    line1: str
    line2: str | None
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


class OrderLineBody(msgspec.Struct):
    """One product of an order, with the name and price it had when ordered."""

    product_id: int
    name: str
    unit_price: str
    quantity: int
    line_total: str


class OrderBody(msgspec.Struct):
    """An order."""

    id: str
    status: OrderStatus
    items: list[OrderLineBody]
    total: str
    currency: str
    shipping_address: AddressBody
    created_at: datetime
    cancelled_at: datetime | None


def render_address(address: ShippingAddress) -> AddressBody:
    """The API form of a shipping address."""
    return AddressBody(name=address.name, line1=address.line1, line2=address.line2,
                       city=address.city, state=address.state,
                       postal_code=address.postal_code, country=address.country,
                       phone=address.phone.e164)


def render_order(order: Order) -> OrderBody:
    """The API form of an order."""
    return OrderBody(
        id=order.id, status=order.status,
        items=[OrderLineBody(product_id=line.product_id, name=line.name,
                             unit_price=line.unit_price.amount, quantity=line.quantity,
                             line_total=line.line_total.amount)
               for line in order.lines],
        total=order.total.amount, currency=order.currency,
        shipping_address=render_address(order.shipping_address),
        created_at=order.created_at, cancelled_at=order.cancelled_at,
    )


# wishlist


class AddToWishlistBody(msgspec.Struct, forbid_unknown_fields=True):
    """Put a product on the wishlist."""

    product_id: ProductId


class WishlistItemBody(msgspec.Struct):
    """A product on the wishlist."""

    product: ProductBody
    added_at: datetime


class WishlistBody(msgspec.Struct):
    """The wishlist, newest first."""

    items: list[WishlistItemBody]


def render_wishlist(entries: Sequence[WishlistEntry]) -> WishlistBody:
    """The API form of a wishlist."""
    return WishlistBody(items=[WishlistItemBody(product=render_product(e.product),
                                                added_at=e.added_at) for e in entries])


# reviews


class ReviewCreateBody(msgspec.Struct, forbid_unknown_fields=True):
    """A rating from 1 to 5 and an optional comment (at most 2000 characters)."""

    rating: Annotated[int, msgspec.Meta(ge=MIN_RATING, le=MAX_RATING)]
    comment: Annotated[str, msgspec.Meta(
        description=f"At most {COMMENT_MAX_LENGTH} characters after trimming")] | None = ""


class ReviewBody(msgspec.Struct):
    """A review; the author's phone is always masked."""

    id: int
    rating: int
    comment: str
    author: str
    verified_purchase: Annotated[bool, msgspec.Meta(description=(
        "Whether the author currently has an order containing this product that is not "
        "cancelled: false once they cancelled every such order (the review stays, and "
        "still counts in the product's rating)"))]
    created_at: datetime


def render_review(review: Review) -> ReviewBody:
    """The API form of a review."""
    return ReviewBody(id=review.id, rating=review.rating, comment=review.comment,
                      author=review.author_masked, verified_purchase=review.verified_purchase,
                      created_at=review.created_at)
