"""ArchiveProduct: an admin "deletes" a product, which hides it but keeps past orders."""

from __future__ import annotations

from shopcore.application.ports import Clock, UnitOfWorkFactory
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.errors import NotFound


class ArchiveProduct:
    """Hide a visible product from the catalog; unknown or already archived: not found.

    With ``expected_version``, only while the product is at that version (compared under
    the row lock), else ``VersionMismatch`` and the product stays. Archiving also waits for
    the store's count of its category, which an order or a cancellation may hold while
    waiting for this product: archiving that loses such a deadlock (``ConcurrentUpdate``)
    is run again."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, product_id: int, expected_version: int | None = None) -> None:
        await retry_on_concurrent_update(lambda: self._archive(product_id, expected_version))

    async def _archive(self, product_id: int, expected_version: int | None) -> None:
        async with self._uow() as uow:
            product = await uow.products.get_for_update(product_id)
            if product is None or product.archived:
                raise NotFound(f"There is no product {product_id}.")
            product.require_version(expected_version)
            await uow.products.update(product.archive(self._clock.now()))
            await uow.commit()
