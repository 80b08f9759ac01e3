"""RemoveFromCart: take a product's line out of the caller's cart."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.cart import CartTotal
from shopcore.domain.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class RemoveFromCartCommand:
    """Remove the line of ``product_id`` from ``user_id``'s cart."""

    user_id: str
    product_id: int


class RemoveFromCart:
    """Deletes the line; ``NotFound`` when the product is not in the cart. The total is
    priced from the products read with the cart under its lock."""

    def __init__(self, uow: UnitOfWorkFactory, currency: str = "INR") -> None:
        self._uow = uow
        self._currency = currency

    async def __call__(self, cmd: RemoveFromCartCommand) -> CartTotal:
        async with self._uow() as uow:
            locked = await uow.carts.get_for_update(cmd.user_id)
            if locked is None:
                raise Unauthenticated("The account no longer exists.")
            changed = locked.cart.remove(cmd.product_id)
            await uow.carts.remove(cmd.user_id, cmd.product_id)
            await uow.commit()
        return changed.priced(locked.products, self._currency)
