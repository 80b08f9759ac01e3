"""AddToCart: more units of a product in the caller's cart."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.cart import CartTotal, check_quantity
from shopcore.domain.errors import NotFound, Unauthenticated


@dataclass(frozen=True, slots=True)
class AddToCartCommand:
    """Add ``quantity`` (1..99) units of ``product_id`` to ``user_id``'s cart."""

    user_id: str
    product_id: int
    quantity: object = 1


class AddToCart:
    """Adds to the product's line (creating it); the line must fit the stock and 99.
    An unknown user is ``Unauthenticated``. The total is priced from the products read
    with the cart under its lock, in the same transaction."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, currency: str = "INR") -> None:
        self._uow = uow
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: AddToCartCommand) -> CartTotal:
        check_quantity(cmd.quantity)
        async with self._uow() as uow:
            # With the added product and those of the cart's lines, to price it after.
            locked = await uow.carts.get_for_update(cmd.user_id, also_product=cmd.product_id)
            if locked is None:
                raise Unauthenticated("The account no longer exists.")
            products = locked.products
            product = products.get(cmd.product_id)
            if product is None:
                raise NotFound(f"Product {cmd.product_id} does not exist.")
            changed = locked.cart.add(product, cmd.quantity)
            await uow.carts.set_quantity(cmd.user_id, product.id,
                                         changed.quantity_of(product.id), self._clock.now())
            await uow.commit()
        return changed.priced(products, self._currency)
