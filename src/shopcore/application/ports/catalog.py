"""Ports of the catalog's write side."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from shopcore.domain.catalog import Product, ProductDraft


class ProductRepository(Protocol):
    """Stores products; stock changes are conditional so they can never oversell."""

    async def get(self, product_id: int) -> Product | None:
        """The product, archived or not; ``None`` when unknown."""
        ...

    async def get_many(self, product_ids: Collection[int]) -> dict[int, Product]:
        """The known products among ``product_ids``, by id."""
        ...

    async def add(
        self,
        draft: ProductDraft,
        now: datetime,
        image_url: str | None = None,
        thumbnail_url: str | None = None,
    ) -> Product:
        """Insert a new product and return it with its id."""
        ...

    async def update(self, product: Product) -> None:
        """Store the product's fields (name, description, price, category, stock,
        archived, image urls, updated_at)."""
        ...

    async def reserve_stock(self, product_id: int, quantity: int) -> bool:
        """Take ``quantity`` units if that many are in stock and the product is not
        archived; ``False`` (and nothing changes) otherwise. Atomic."""
        ...

    async def release_stock(self, product_id: int, quantity: int) -> None:
        """Put ``quantity`` units back (e.g. on cancellation)."""
        ...

    async def adjust_rating(self, product_id: int, count_delta: int, total_delta: int) -> None:
        """Change the product's review aggregates by the given amounts."""
        ...
