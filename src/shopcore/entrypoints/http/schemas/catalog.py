"""The product object of the API, shared by every route that shows products."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from shopcore.application.ports import BestSeller
from shopcore.domain.catalog import (
    CATEGORY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    Product,
)
from shopcore.domain.money import MAX_PRICE_MINOR, Money


class RatingBody(msgspec.Struct):
    """The product's review summary."""

    average: str | None
    count: int


class ProductBody(msgspec.Struct):
    """A product as clients see it."""

    id: int
    name: str
    description: str
    price: str
    currency: str
    category: str
    stock: int
    in_stock: bool
    image_url: str | None
    thumbnail_url: str | None
    rating: RatingBody
    created_at: datetime
    updated_at: datetime


def render_product(product: Product) -> ProductBody:
    """The API form of ``product``."""
    average = product.rating_average
    return ProductBody(
        id=product.id, name=product.name, description=product.description,
        price=product.price.amount, currency=product.price.currency,
        category=product.category, stock=product.stock, in_stock=product.in_stock,
        image_url=product.image_url, thumbnail_url=product.thumbnail_url,
        rating=RatingBody(average=None if average is None else f"{average:.2f}",
                          count=product.rating_count),
        created_at=product.created_at, updated_at=product.updated_at,
    )


# catalog routes: what admins send, and the best-seller entries

PriceInput = Annotated[Decimal, msgspec.Meta(
    description="A JSON number or a decimal string with at most two decimals, "
                f"0..{Money(MAX_PRICE_MINOR).amount}",
    examples=["19999.00"])]
NameInput = Annotated[str, msgspec.Meta(description=f"1..{NAME_MAX_LENGTH} characters",
                                        examples=["Smartphone"])]
DescriptionInput = Annotated[str, msgspec.Meta(
    description=f"0..{DESCRIPTION_MAX_LENGTH} characters", examples=["Latest Android device"])]
CATEGORY_DESCRIPTION = (
    f"1..{CATEGORY_MAX_LENGTH} characters, counted in the stored form: stripped, in lower "
    "case, each run of inner spaces one space, Unicode NFC. Lower-casing may lengthen a "
    "text (\"İ\" becomes 2 characters, \"i\" and a combining dot), so a category of "
    f"{CATEGORY_MAX_LENGTH} characters as sent may be refused.")
"""The category's length is checked on its normalised form (``normalise_category``)."""
CategoryInput = Annotated[str, msgspec.Meta(description=CATEGORY_DESCRIPTION,
                                            examples=["mobile"])]
StockInput = Annotated[int, msgspec.Meta(description="Units in stock, >= 0", examples=[12])]


class ProductCreateBody(msgspec.Struct, forbid_unknown_fields=True):
    """A new product as JSON (multipart/form-data takes the same fields plus ``image``)."""

    name: NameInput
    price: PriceInput
    category: CategoryInput
    description: DescriptionInput = ""
    stock: StockInput = 0


class ProductUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; the ones left out stay as they are."""

    name: NameInput | msgspec.UnsetType = msgspec.UNSET
    description: DescriptionInput | msgspec.UnsetType = msgspec.UNSET
    price: PriceInput | msgspec.UnsetType = msgspec.UNSET
    category: CategoryInput | msgspec.UnsetType = msgspec.UNSET
    stock: StockInput | msgspec.UnsetType = msgspec.UNSET


class BestSellerBody(msgspec.Struct):
    """A product with the units sold and the number of (non-cancelled) orders holding it."""

    product: ProductBody
    units_sold: int
    orders: int


def render_best_seller(seller: BestSeller) -> BestSellerBody:
    """The API form of a best seller."""
    return BestSellerBody(product=render_product(seller.product), units_sold=seller.units_sold,
                          orders=seller.orders)
