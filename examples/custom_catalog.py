"""Plug in your own port implementation: serve the catalog's read side (list, detail,
search, best sellers) from somewhere else, e.g. your own search engine.

``ProductCatalog`` is a ``typing.Protocol``; any class with its four methods fits.
Pass it to ``bootstrap(product_catalog=...)`` for the whole shop, or to one use case's
constructor (``SearchProducts(catalog)``) to use that use case alone.

    python examples/custom_catalog.py       # writes ./example-shop.db
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import shopcore
from shopcore.application import (
    BestSeller,
    CreateProductCommand,
    Page,
    PageRequest,
    ProductCatalog,
    ProductFilters,
    SearchProducts,
    SearchProductsQuery,
)
from shopcore.domain import NotFound, Product, SearchTerms


class SearchServiceCatalog:
    """A ``ProductCatalog`` answering from an index your service keeps (a dict here)."""

    def __init__(self) -> None:
        self.index: dict[int, Product] = {}

    async def list_products(self, filters: ProductFilters, page: PageRequest) -> Page[Product]:
        visible = [p for p in self.index.values() if not p.archived]
        return Page(items=visible[page.offset:page.offset + page.page_size],
                    count=len(visible), request=page)

    async def get_visible(self, product_id: int) -> Product | None:
        product = self.index.get(product_id)
        return None if product is None or product.archived else product

    async def search(self, terms: SearchTerms, page: PageRequest) -> Page[Product]:
        found = [p for p in self.index.values() if not p.archived and all(
            any(word.startswith(term) for word in p.name.lower().split())
            for term in terms.terms)]
        return Page(items=found[page.offset:page.offset + page.page_size], count=len(found),
                    request=page)

    async def most_bought(self, limit: int, since: datetime | None) -> Sequence[BestSeller]:
        return []


async def main(database_url: str = "sqlite+aiosqlite:///example-shop.db") -> None:
    catalog = SearchServiceCatalog()
    checked: ProductCatalog = catalog  # it satisfies the port (checked by mypy)
    async with shopcore.bootstrap(database_url=database_url,
                                  product_catalog=checked) as shop:
        await shop.migrate()
        lamp = await shop.create_product(CreateProductCommand(  # written to the database
            name="Brass Desk Lamp", price="2499", category="home", stock=4))
        catalog.index[lamp.id] = lamp  # ... and indexed by your service

        found = await shop.search_products(SearchProductsQuery(q="desk la"))
        print(f"search: {[p.name for p in found.items]}")
        assert [p.id for p in found.items] == [lamp.id]
        try:
            await shop.get_product(lamp.id + 1000)
        except NotFound as error:
            print(f"detail: {error.detail}")

    # One use case on its own, without any shop:
    search = SearchProducts(catalog)
    assert (await search(SearchProductsQuery(q="lamp"))).count == 1


if __name__ == "__main__":
    asyncio.run(main())
