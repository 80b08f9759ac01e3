"""The in-memory product repository and read-side catalog."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports import BestSeller, ProductFilters, ProductImport
from shopcore.domain.catalog import Product, ProductDraft, name_sort_key
from shopcore.domain.ordering import OrderStatus
from shopcore.domain.search import SearchTerms, words

if TYPE_CHECKING:
    from shopcore.adapters.memory.unit_of_work import MemoryDatabase, MemoryState


class MemoryProductRepository:
    """Products in a dict, ids from a counter (like an identity column)."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._products = state.products

    async def get(self, product_id: int) -> Product | None:
        return self._products.get(product_id)

    async def get_for_update(self, product_id: int) -> Product | None:
        return self._products.get(product_id)  # units of work run one at a time

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

    async def add_many(self, items: Sequence[ProductImport]) -> None:
        for item in items:
            await self.add(item.draft, item.created_at, image_url=item.image_url,
                           thumbnail_url=item.thumbnail_url)

    async def count(self) -> int:
        return len(self._products)

    async def visible_after(self, product_id: int, limit: int) -> Sequence[Product]:
        return sorted((p for p in self._products.values()
                       if p.id > product_id and not p.archived), key=lambda p: p.id)[:limit]

    # Every write moves the stored version by one, as the SQL statements do
    # (``version = version + 1``), whatever version the written product carries.

    async def update(self, product: Product) -> None:
        current = self._products.get(product.id)
        if current is not None:
            self._products[product.id] = replace(
                product, rating_count=current.rating_count, rating_total=current.rating_total,
                version=current.version + 1)

    async def reserve_stock(self, product_id: int, quantity: int) -> bool:
        product = self._products.get(product_id)
        if product is None or product.available < quantity:
            return False
        self._products[product_id] = replace(product, stock=product.stock - quantity,
                                             version=product.version + 1)
        return True

    async def release_stock(self, product_id: int, quantity: int) -> None:
        product = self._products.get(product_id)
        if product is not None:
            self._products[product_id] = replace(product, stock=product.stock + quantity,
                                                 version=product.version + 1)

    async def adjust_rating(self, product_id: int, count_delta: int, total_delta: int) -> None:
        product = self._products.get(product_id)
        if product is not None:
            self._products[product_id] = replace(
                product, rating_count=product.rating_count + count_delta,
                rating_total=product.rating_total + total_delta, version=product.version + 1)


class MemoryProductCatalog:
    """The read-side catalog over a ``MemoryDatabase``'s committed state.

    Search matches like the SQL engines (every term a prefix of some word of the name,
    category or description) and ranks by the same tiers; within a tier it orders by
    id, where the engines use their relevance scores.
    """

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database

    def _visible(self) -> list[Product]:
        return [p for p in self._database.state.products.values() if not p.archived]

    async def list_products(self, filters: ProductFilters, page: PageRequest) -> Page[Product]:
        matches = [p for p in self._visible() if _passes(p, filters)]
        field, descending = filters.ordering.field, filters.ordering.descending
        matches.sort(key=lambda p: p.id)
        sort_key: Callable[[Product], Any] = {
            "price": lambda p: p.price.minor,
            "name": lambda p: name_sort_key(p.name),
            "created_at": lambda p: p.created_at,
        }[field]
        matches.sort(key=sort_key, reverse=descending)  # stable: ties keep ascending ids
        return _page(matches, page)

    async def get_visible(self, product_id: int) -> Product | None:
        product = self._database.state.products.get(product_id)
        return None if product is None or product.archived else product

    async def search(self, terms: SearchTerms, page: PageRequest) -> Page[Product]:
        ranked = []
        for product in self._visible():
            tier = _search_tier(product, terms.terms)
            if tier is not None:
                ranked.append((tier, product.id, product))
        ranked.sort(key=lambda entry: entry[:2])
        return _page([product for _, _, product in ranked], page)

    async def most_bought(self, limit: int, since: datetime | None) -> Sequence[BestSeller]:
        units: dict[int, int] = {}
        orders: dict[int, int] = {}
        for order in self._database.state.orders.values():
            if order.status == OrderStatus.CANCELLED or (
                    since is not None and order.created_at < since):
                continue
            for line in order.lines:
                units[line.product_id] = units.get(line.product_id, 0) + line.quantity
                orders[line.product_id] = orders.get(line.product_id, 0) + 1
        products = self._database.state.products
        sellers = [BestSeller(products[i], units[i], orders[i]) for i in units
                   if i in products and not products[i].archived]
        sellers.sort(key=lambda seller: (-seller.units_sold, seller.product.id))
        return sellers[:limit]


def _passes(product: Product, filters: ProductFilters) -> bool:
    price = product.price.minor
    return not (
        filters.category is not None and product.category != filters.category
        or filters.min_price is not None and price < filters.min_price.minor
        or filters.max_price is not None and price > filters.max_price.minor
        or filters.in_stock is not None and product.in_stock != filters.in_stock
    )


def _page(items: Sequence[Product], page: PageRequest) -> Page[Product]:
    return Page(items=tuple(items[page.offset:page.offset + page.page_size]),
                count=len(items), request=page)


def _search_tier(product: Product, terms: Sequence[str]) -> int | None:
    """0: the name holds every term, 1: the category does, 2: the product as a whole
    does; None: no match."""
    if not terms:
        return None
    fields = [words(text) for text in (product.name, product.category, product.description)]
    for tier, field_words in enumerate(fields[:2]):
        if _holds_all(field_words, terms):
            return tier
    return 2 if _holds_all([word for field in fields for word in field], terms) else None


def _holds_all(words: Sequence[str], terms: Sequence[str]) -> bool:
    return all(any(word.startswith(term) for word in words) for term in terms)
