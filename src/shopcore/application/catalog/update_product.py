"""UpdateProduct: an admin changes some fields of a product."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports import Clock, UnitOfWorkFactory
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.catalog import Product, ProductChanges
from shopcore.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class UpdateProductCommand:
    """The product and the raw new values; ``None`` leaves a field as it is.

    ``expected_version``: change the product only while it is at this version (the one
    the caller read), else raise ``VersionMismatch``; ``None``: whatever its version."""

    product_id: int
    name: object = None
    description: object = None
    price: object = None
    category: object = None
    stock: object = None
    expected_version: int | None = None


class UpdateProduct:
    """Apply validated changes to a visible product (archived ones are not found).

    The version is compared under the row lock the change takes, so two changes based
    on one version never both pass: the second finds the first's version.

    A change that moves the product between categories or in or out of stock also waits
    for the store's per-category counts, which an order or a cancellation may hold while
    waiting for this product or another count: a change that loses such a deadlock
    (``ConcurrentUpdate``) is run again, version check included."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, currency: str = "INR") -> None:
        self._uow = uow
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: UpdateProductCommand) -> Product:
        changes = ProductChanges.create(
            name=cmd.name, description=cmd.description, price_raw=cmd.price,
            category=cmd.category, stock=cmd.stock, currency=self._currency)
        return await retry_on_concurrent_update(lambda: self._apply(cmd, changes))

    async def _apply(self, cmd: UpdateProductCommand, changes: ProductChanges) -> Product:
        async with self._uow() as uow:
            product = await uow.products.get_for_update(cmd.product_id)
            if product is None or product.archived:
                raise NotFound(f"There is no product {cmd.product_id}.")
            product.require_version(cmd.expected_version)
            if changes.is_empty:
                return product
            changed = changes.apply(product, self._clock.now())
            await uow.products.update(changed)
            await uow.commit()
        return changed
