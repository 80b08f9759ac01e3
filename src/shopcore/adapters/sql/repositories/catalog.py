"""The SQL product repository (the catalog's write side)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shopcore.adapters.sql.driver import DriverStatement
from shopcore.adapters.sql.tables import products, with_derived_text
from shopcore.application.ports import ProductImport
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.money import Money

MAX_PRODUCT_ID = 2**31 - 1
"""The largest id the ``products.id`` column holds; larger ids name no product (and must
not reach the database, where they are an out-of-range error)."""


def is_storable_id(product_id: int) -> bool:
    """True when ``product_id`` can be the id of a stored product."""
    return 1 <= product_id <= MAX_PRODUCT_ID


class SqlProductRepository:
    """Products in the ``products`` table; stock moves by conditional updates. Every
    UPDATE also writes ``version = version + 1`` (``_NEXT_VERSION``) in the same
    statement: no extra round trip."""

    def __init__(self, connection: AsyncConnection, currency: str = "INR") -> None:
        self._connection = connection
        self._currency = currency

    async def get(self, product_id: int) -> Product | None:
        return await self._get(product_id, lock=False)

    async def get_for_update(self, product_id: int) -> Product | None:
        return await self._get(product_id, lock=True)

    async def _get(self, product_id: int, *, lock: bool) -> Product | None:
        if not is_storable_id(product_id):
            return None
        # PostgreSQL: a row lock; SQLite: BEGIN IMMEDIATE already serialises
        query = _PRODUCT_FOR_UPDATE if lock else _PRODUCT
        row = (await self._connection.execute(query, {"id": product_id})).one_or_none()
        return product_from_row(row, self._currency) if row else None

    async def get_many(self, product_ids: Collection[int]) -> dict[int, Product]:
        wanted = sorted({i for i in product_ids if is_storable_id(i)})
        if not wanted:
            return {}
        rows = await self._connection.execute(_PRODUCTS, {"ids": wanted})
        return {row.id: product_from_row(row, self._currency) for row in rows}

    async def add(
        self,
        draft: ProductDraft,
        now: datetime,
        image_url: str | None = None,
        thumbnail_url: str | None = None,
    ) -> Product:
        result = await self._connection.execute(
            products.insert().values(with_derived_text({
                "name": draft.name, "description": draft.description,
                "price_minor": draft.price.minor, "category": draft.category,
                "stock": draft.stock, "archived": False, "image_url": image_url,
                "thumbnail_url": thumbnail_url, "created_at": now, "updated_at": now,
                "rating_count": 0, "rating_total": 0,
            })).returning(products.c.id))
        return draft.to_product(result.scalar_one(), now, image_url=image_url,
                                thumbnail_url=thumbnail_url)

    async def add_many(self, items: Sequence[ProductImport]) -> None:
        if not items:
            return
        # With RETURNING, SQLAlchemy sends the rows as multi-row INSERTs ("insertmanyvalues",
        # up to 1,000 rows a statement) instead of one statement per row as an asyncpg
        # executemany does: the PostgreSQL trigger keeping product_counts (migration 0011)
        # then adds to each category's counter once per statement, not once per product.
        await self._connection.execute(products.insert().returning(products.c.id), [
            with_derived_text({
                "name": item.draft.name, "description": item.draft.description,
                "price_minor": item.draft.price.minor, "category": item.draft.category,
                "stock": item.draft.stock, "archived": False, "image_url": item.image_url,
                "thumbnail_url": item.thumbnail_url, "created_at": item.created_at,
                "updated_at": item.created_at, "rating_count": 0, "rating_total": 0})
            for item in items])

    async def count(self) -> int:
        total = await self._connection.scalar(select(func.count()).select_from(products))
        return int(total or 0)

    async def visible_after(self, product_id: int, limit: int) -> Sequence[Product]:
        rows = await self._connection.execute(
            select(*PRODUCT_COLUMNS)
            .where(products.c.id > product_id, products.c.archived.is_(False))
            .order_by(products.c.id).limit(limit))
        return [product_from_row(row, self._currency) for row in rows]

    async def update(self, product: Product) -> None:
        await self._connection.execute(
            update(products).where(products.c.id == product.id).values(with_derived_text({
                "name": product.name, "description": product.description,
                "price_minor": product.price.minor, "category": product.category,
                "stock": product.stock, "archived": product.archived,
                "image_url": product.image_url, "thumbnail_url": product.thumbnail_url,
                "updated_at": product.updated_at})).values(version=_NEXT_VERSION))

    async def reserve_stock(self, product_id: int, quantity: int) -> bool:
        if not is_storable_id(product_id):
            return False
        taken = await _RESERVE_STOCK.execute(
            self._connection, {"product_id": product_id, "quantity": quantity})
        return taken == 1

    async def release_stock(self, product_id: int, quantity: int) -> None:
        await self._connection.execute(
            update(products).where(products.c.id == product_id)
            .values(stock=products.c.stock + quantity, version=_NEXT_VERSION))

    async def adjust_rating(self, product_id: int, count_delta: int, total_delta: int) -> None:
        await self._connection.execute(
            update(products).where(products.c.id == product_id).values(
                rating_count=products.c.rating_count + count_delta,
                rating_total=products.c.rating_total + total_delta, version=_NEXT_VERSION))


PRODUCT_COLUMNS = (
    products.c.id, products.c.name, products.c.description, products.c.price_minor,
    products.c.category, products.c.stock, products.c.archived, products.c.image_url,
    products.c.thumbnail_url, products.c.created_at, products.c.updated_at,
    products.c.rating_count, products.c.rating_total, products.c.version,
)
"""Every column of a product except its search words and the engine-specific index."""
_NEXT_VERSION = products.c.version + literal_column("1")
"""What every UPDATE of a product writes to its ``version`` (the 1 written inline: the
driver statements bind named parameters only)."""

# Built once (SQLAlchemy computes a statement's cache key once): they are in the path
# of adding to a cart and placing an order.
_PRODUCT = select(*PRODUCT_COLUMNS).where(products.c.id == bindparam("id"))
_PRODUCT_FOR_UPDATE = _PRODUCT.with_for_update()
_PRODUCTS = select(*PRODUCT_COLUMNS).where(products.c.id.in_(bindparam("ids", expanding=True)))
_RESERVE_STOCK = DriverStatement(
    update(products)
    .where(products.c.id == bindparam("product_id"), products.c.stock >= bindparam("quantity"),
           products.c.archived.is_(False))
    .values(stock=products.c.stock - bindparam("quantity"), version=_NEXT_VERSION))


def product_from_row(row: Any, currency: str) -> Product:
    """A ``Product`` from a row selected with ``PRODUCT_COLUMNS``."""
    return Product(
        id=row.id, name=row.name, description=row.description,
        price=Money(row.price_minor, currency), category=row.category, stock=row.stock,
        archived=row.archived, image_url=row.image_url, thumbnail_url=row.thumbnail_url,
        created_at=row.created_at, updated_at=row.updated_at,
        rating_count=row.rating_count, rating_total=row.rating_total, version=row.version,
    )
