"""Ports of the catalog: the product repository (write side), the read-side catalog
queries, and the demo images of ``seed-demo``."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shopcore.application.pagination import Page, PageRequest
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.money import Money
from shopcore.domain.search import SearchTerms


@dataclass(frozen=True, slots=True)
class ProductImport:
    """A new product for a bulk insert (demo data, imports), with its own timestamp."""

    draft: ProductDraft
    created_at: datetime
    image_url: str | None = None
    thumbnail_url: str | None = None


class ProductRepository(Protocol):
    """Stores products; stock changes are conditional so they can never oversell.

    A new product is at version 1; every write below that changes a product (``update``,
    a reservation that takes units, ``release_stock``, ``adjust_rating``) moves its stored
    ``version`` up by one in the same statement (``Product.version``)."""

    async def get(self, product_id: int) -> Product | None:
        """The product, archived or not; ``None`` when unknown."""
        ...

    async def get_for_update(self, product_id: int) -> Product | None:
        """Like :meth:`get`, but the row stays locked until the unit of work ends, so a
        read-modify-write (``update``) cannot undo a concurrent stock change."""
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

    async def add_many(self, items: Sequence[ProductImport]) -> None:
        """Insert many new products at once (a bulk insert; ids are not returned)."""
        ...

    async def count(self) -> int:
        """How many products exist, archived ones included."""
        ...

    async def visible_after(self, product_id: int, limit: int) -> Sequence[Product]:
        """Up to ``limit`` products that are not archived, with ids above ``product_id``,
        by ascending id (a walk over the catalog, page by page)."""
        ...

    async def update(self, product: Product) -> None:
        """Store the product's fields (name, description, price, category, stock,
        archived, image urls, updated_at) and move its version up by one (the stored
        version, not ``product.version``: read with ``get_for_update``, the product
        changed by ``ProductChanges.apply`` or ``Product.archive`` carries that one)."""
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


class ProductOrdering(enum.StrEnum):
    """The orders a product list can be sorted in; ties always go by ascending id. The
    name orderings compare ``shopcore.domain.catalog.name_sort_key`` of the names."""

    PRICE = "price"
    PRICE_DESC = "-price"
    NAME = "name"
    NAME_DESC = "-name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"

    @property
    def descending(self) -> bool:
        """True for the ``-field`` orderings."""
        return self.value.startswith("-")

    @property
    def field(self) -> str:
        """The field sorted on: ``price``, ``name`` or ``created_at``."""
        return self.value.lstrip("-")


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """Which visible products a list shows, and in which order.

    ``category`` is compared in its stored form, exactly (the caller normalises it with
    ``shopcore.domain.catalog.normalise_category``, as ``ListProducts`` does); the
    price bounds are inclusive; ``in_stock`` None means "either".
    """

    category: str | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    in_stock: bool | None = None
    ordering: ProductOrdering = ProductOrdering.CREATED_AT_DESC


@dataclass(frozen=True, slots=True)
class BestSeller:
    """A product with what it sold over non-cancelled orders."""

    product: Product
    units_sold: int
    orders: int


class ProductCatalog(Protocol):
    """Read-side queries of the catalog. Archived products are never returned.

    Each method answers with a constant number of database round trips, whatever the
    page size, and returns ``Product`` values built straight from rows.
    """

    async def list_products(self, filters: ProductFilters, page: PageRequest) -> Page[Product]:
        """One page of the visible products matching ``filters``, in their ordering."""
        ...

    async def get_visible(self, product_id: int) -> Product | None:
        """The product unless it is unknown or archived."""
        ...

    async def search(self, terms: SearchTerms, page: PageRequest) -> Page[Product]:
        """Visible products containing every term as a word prefix (case-insensitive),
        most relevant first: products whose name holds every term, then those whose
        category does, then the rest; within a tier by the engine's relevance score,
        then by id. No terms: an empty page."""
        ...

    async def most_bought(self, limit: int, since: datetime | None) -> Sequence[BestSeller]:
        """The ``limit`` visible products with the most units sold in orders that are not
        cancelled (created at or after ``since`` when given); most units first, then
        by product id. ``orders`` counts the orders holding the product."""
        ...


class DemoImageSource(Protocol):
    """Makes placeholder product pictures (encoded image bytes) for demo data."""

    def picture(self, title: str, number: int) -> bytes:
        """An image showing ``title``; ``number`` varies its colours deterministically."""
        ...
