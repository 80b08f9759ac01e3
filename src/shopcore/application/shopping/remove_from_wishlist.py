"""RemoveFromWishlist: forget a product on the caller's wishlist (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class RemoveFromWishlistCommand:
    """Take ``product_id`` off ``user_id``'s wishlist."""

    user_id: str
    product_id: int


class RemoveFromWishlist:
    """Removes the product; succeeds also when it was not on the wishlist."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: RemoveFromWishlistCommand) -> None:
        async with self._uow() as uow:
            await uow.wishlists.remove(cmd.user_id, cmd.product_id)
            await uow.commit()
