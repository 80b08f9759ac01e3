"""GetProduct: the detail of one visible product."""

from __future__ import annotations

from shopcore.application.ports import ProductCatalog
from shopcore.domain.catalog import Product
from shopcore.domain.errors import NotFound


class GetProduct:
    """A product by id; unknown and archived products are not found."""

    def __init__(self, catalog: ProductCatalog) -> None:
        self._catalog = catalog

    async def __call__(self, product_id: int) -> Product:
        product = await self._catalog.get_visible(product_id)
        if product is None:
            raise NotFound(f"There is no product {product_id}.")
        return product
