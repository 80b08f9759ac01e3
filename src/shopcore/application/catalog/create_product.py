"""CreateProduct: an admin adds a product, optionally with an image."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports import Clock, ImageStore, StoredImage, UnitOfWorkFactory
from shopcore.domain.catalog import Product, ProductDraft


@dataclass(frozen=True, slots=True)
class CreateProductCommand:
    """The raw fields of a new product; ``image`` is the uploaded file's bytes."""

    name: object
    price: object
    category: object
    description: object = ""
    stock: object = 0
    image: bytes | None = None


class CreateProduct:
    """Validate the fields, store the image, then insert the product.

    The image is stored before the transaction opens (decoding is slow and needs no
    database); if anything fails after that, the stored files are discarded again,
    so a failed insert never leaves an orphan image behind.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, images: ImageStore, clock: Clock, currency: str = "INR"
    ) -> None:
        self._uow = uow
        self._images = images
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: CreateProductCommand) -> Product:
        draft = ProductDraft.create(cmd.name, cmd.description, cmd.price, cmd.category,
                                    cmd.stock, currency=self._currency)
        stored = await self._images.store(cmd.image) if cmd.image is not None else None
        try:
            return await self._insert(draft, stored)
        except BaseException:
            if stored is not None:
                await self._images.discard(stored)
            raise

    async def _insert(self, draft: ProductDraft, image: StoredImage | None) -> Product:
        async with self._uow() as uow:
            product = await uow.products.add(
                draft, self._clock.now(),
                image_url=image.image_url if image else None,
                thumbnail_url=image.thumbnail_url if image else None)
            await uow.commit()
        return product
