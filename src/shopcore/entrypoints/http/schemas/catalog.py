"""The product object of the API, shared by every route that shows products."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shopcore.domain.catalog import Product


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
