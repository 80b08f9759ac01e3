"""SearchProducts: full-text search over the visible products."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports import ProductCatalog
from shopcore.domain.catalog import Product
from shopcore.domain.search import SearchTerms


@dataclass(frozen=True, slots=True)
class SearchProductsQuery:
    """The text a client typed and the page wanted."""

    q: str
    page: int = 1
    page_size: int = 20


class SearchProducts:
    """Products whose words start with every word of the query, most relevant first.

    Only the query's word tokens reach the search engine; a query without any word
    (punctuation only) is valid and finds nothing.
    """

    def __init__(self, catalog: ProductCatalog) -> None:
        self._catalog = catalog

    async def __call__(self, query: SearchProductsQuery) -> Page[Product]:
        terms = SearchTerms.parse(query.q)
        page = PageRequest(query.page, query.page_size)
        if terms.matches_nothing:
            return Page(items=(), count=0, request=page)
        return await self._catalog.search(terms, page)
