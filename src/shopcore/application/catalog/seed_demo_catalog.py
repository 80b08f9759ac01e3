"""SeedDemoCatalog: fill the catalog with deterministic demo products (``seed-demo``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from shopcore.application.catalog.demo_catalog import demo_product
from shopcore.application.ports import (
    Clock,
    DemoImageSource,
    ImageStore,
    ProductImport,
    StoredImage,
    UnitOfWorkFactory,
)
from shopcore.domain.errors import InvalidInput

MAX_DEMO_PRODUCTS = 1_000_000
BATCH_SIZE = 2_000
PICTURED_PRODUCTS = 12
"""Only the first few demo products get a (generated) picture: enough to try the
image URLs, cheap enough that seeding stays fast."""


@dataclass(frozen=True, slots=True)
class SeedDemoCatalogCommand:
    """How many products to put into an empty catalog; a catalog with products is
    refused (``InvalidInput``), or left alone without an error with ``only_if_empty``."""

    products: int = 200
    only_if_empty: bool = False


@dataclass(frozen=True, slots=True)
class DemoCatalogSeeded:
    """What was added (``skipped`` when the catalog was not empty and that was asked)."""

    products: int
    pictures: int
    skipped: bool = False


class SeedDemoCatalog:
    """Fill an empty catalog with demo products in bulk, in one transaction; pictures
    are stored first and discarded again if the insert fails, is refused or skipped."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        images: ImageStore,
        pictures: DemoImageSource,
        clock: Clock,
        currency: str = "INR",
    ) -> None:
        self._uow = uow
        self._images = images
        self._pictures = pictures
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: SeedDemoCatalogCommand) -> DemoCatalogSeeded:
        if not 1 <= cmd.products <= MAX_DEMO_PRODUCTS:
            raise InvalidInput("products", f"must be between 1 and {MAX_DEMO_PRODUCTS}")
        if await self._has_products():
            return _not_empty(cmd)
        stored: list[StoredImage] = []
        try:
            for number in range(min(cmd.products, PICTURED_PRODUCTS)):
                title = demo_product(number, self._currency).name
                stored.append(await self._images.store(self._pictures.picture(title, number)))
            inserted = await self._insert(cmd, stored)
        except BaseException:
            await self._discard(stored)
            raise
        if not inserted:
            await self._discard(stored)
            return _not_empty(cmd)
        return DemoCatalogSeeded(products=cmd.products, pictures=len(stored))

    async def _has_products(self) -> bool:
        async with self._uow() as uow:
            return await uow.products.count() > 0

    async def _insert(self, cmd: SeedDemoCatalogCommand, pictures: Sequence[StoredImage]) -> bool:
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.products.count() > 0:
                return False  # someone else added products meanwhile
            for start in range(0, cmd.products, BATCH_SIZE):
                batch = []
                for number in range(start, min(start + BATCH_SIZE, cmd.products)):
                    picture = pictures[number] if number < len(pictures) else None
                    batch.append(ProductImport(
                        draft=demo_product(number, self._currency),
                        # the newest product is the last one, a second after the one before
                        created_at=now - timedelta(seconds=cmd.products - 1 - number),
                        image_url=picture.image_url if picture else None,
                        thumbnail_url=picture.thumbnail_url if picture else None))
                await uow.products.add_many(batch)
            await uow.commit()
        return True

    async def _discard(self, images: Sequence[StoredImage]) -> None:
        for image in images:
            await self._images.discard(image)


def _not_empty(cmd: SeedDemoCatalogCommand) -> DemoCatalogSeeded:
    """The answer for a catalog that has products: skipped, or refused."""
    if cmd.only_if_empty:
        return DemoCatalogSeeded(products=0, pictures=0, skipped=True)
    raise InvalidInput("products", "the catalog already has products; the demo catalog "
                                   "fills an empty one (--if-empty skips it quietly)")
