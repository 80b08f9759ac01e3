"""The in-memory product repository."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from shopcore.domain.catalog import Product, ProductDraft

if TYPE_CHECKING:
    from shopcore.adapters.memory.unit_of_work import MemoryState


class MemoryProductRepository:
    """Products in a dict, ids from a counter (like an identity column)."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._products = state.products

    async def get(self, product_id: int) -> Product | None:
        return self._products.get(product_id)

    async def get_many(self, product_ids: Collection[int]) -> dict[int, Product]:
        return {i: self._products[i] for i in set(product_ids) if i in self._products}

    async def add(
        self,
        draft: ProductDraft,
        now: datetime,
        image_url: str | None = None,
        thumbnail_url: str | None = None,
    ) -> Product:
        self._state.last_product_id += 1
        product = draft.to_product(self._state.last_product_id, now, image_url=image_url,
                                   thumbnail_url=thumbnail_url)
        self._products[product.id] = product
        return product

    async def update(self, product: Product) -> None:
        current = self._products.get(product.id)
        if current is not None:
            self._products[product.id] = replace(
                product, rating_count=current.rating_count, rating_total=current.rating_total)

    async def reserve_stock(self, product_id: int, quantity: int) -> bool:
        product = self._products.get(product_id)
        if product is None or product.archived or product.stock < quantity:
            return False
        self._products[product_id] = replace(product, stock=product.stock - quantity)
        return True

    async def release_stock(self, product_id: int, quantity: int) -> None:
        product = self._products.get(product_id)
        if product is not None:
            self._products[product_id] = replace(product, stock=product.stock + quantity)

    async def adjust_rating(self, product_id: int, count_delta: int, total_delta: int) -> None:
        product = self._products.get(product_id)
        if product is not None:
            self._products[product_id] = replace(
                product, rating_count=product.rating_count + count_delta,
                rating_total=product.rating_total + total_delta)
