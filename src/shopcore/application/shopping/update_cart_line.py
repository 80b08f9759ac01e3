"""UpdateCartLine: set the quantity of a product already in the caller's cart."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.cart import CartTotal, check_quantity
from shopcore.domain.errors import NotFound, Unauthenticated


@dataclass(frozen=True, slots=True)
class UpdateCartLineCommand:
    """Set the line of ``product_id`` to ``quantity`` (0..99; 0 removes it)."""

    user_id: str
    product_id: int
    quantity: object


class UpdateCartLine:
    """Sets a line's quantity; raising it must fit the stock, lowering it always works.
    The total is priced from the products read with the cart under its lock."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, currency: str = "INR") -> None:
        self._uow = uow
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: UpdateCartLineCommand) -> CartTotal:
        check_quantity(cmd.quantity, minimum=0)
        async with self._uow() as uow:
            locked = await uow.carts.get_for_update(cmd.user_id)
            if locked is None:
                raise Unauthenticated("The account no longer exists.")
            product = locked.products.get(cmd.product_id)
            if product is None or not locked.cart.contains(cmd.product_id):
                raise NotFound(f"Product {cmd.product_id} is not in the cart.")
            changed = locked.cart.update(product, cmd.quantity)
            if changed.contains(product.id):
                await uow.carts.set_quantity(cmd.user_id, product.id,
                                             changed.quantity_of(product.id), self._clock.now())
            else:
                await uow.carts.remove(cmd.user_id, product.id)
            await uow.commit()
        return changed.priced(locked.products, self._currency)
