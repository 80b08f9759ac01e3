"""ListProducts: the public, filtered, ordered and paginated product list."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.pagination import MAX_PAGE, MAX_PAGE_SIZE, Page, PageRequest
from shopcore.application.ports import ProductCatalog, ProductFilters, ProductOrdering
from shopcore.domain.catalog import CATEGORY_MAX_LENGTH, Product, normalise_category
from shopcore.domain.money import Money
from shopcore.domain.validation import FieldChecks


@dataclass(frozen=True, slots=True)
class ListProductsQuery:
    """The raw filters of a product list (as a client typed them) and the page wanted."""

    category: str | None = None
    min_price: object = None
    max_price: object = None
    in_stock: bool | None = None
    ordering: str = ProductOrdering.CREATED_AT_DESC.value
    page: int = 1
    page_size: int = 20


class ListProducts:
    """Visible products matching the filters; one error names every bad filter."""

    def __init__(self, catalog: ProductCatalog, currency: str = "INR") -> None:
        self._catalog = catalog
        self._currency = currency

    async def __call__(self, query: ListProductsQuery) -> Page[Product]:
        checks = FieldChecks()
        category = None if query.category is None else checks.text(
            "category", normalise_category(query.category), max_length=CATEGORY_MAX_LENGTH)
        min_price = self._price(checks, "min_price", query.min_price)
        max_price = self._price(checks, "max_price", query.max_price)
        orderings = {ordering.value: ordering for ordering in ProductOrdering}
        if query.ordering not in orderings:
            checks.add("ordering", "must be one of " + ", ".join(orderings))
        page = checks.integer("page", query.page, minimum=1, maximum=MAX_PAGE)
        size = checks.integer("page_size", query.page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        checks.raise_if_any()
        filters = ProductFilters(category=category, min_price=min_price, max_price=max_price,
                                 in_stock=query.in_stock, ordering=orderings[query.ordering])
        return await self._catalog.list_products(filters, PageRequest(page, size))

    def _price(self, checks: FieldChecks, field: str, raw: object) -> Money | None:
        return None if raw is None else checks.money(field, raw, self._currency)
