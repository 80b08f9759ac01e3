"""ListWishlist: the products on the caller's wishlist, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shopcore.application.ports.shopping import WishlistEntry
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ListWishlistQuery:
    """Whose wishlist."""

    user_id: str


class ListWishlist:
    """The wishlist's visible products (archived ones are hidden), newest first."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListWishlistQuery) -> Sequence[WishlistEntry]:
        async with self._uow() as uow:
            return await uow.wishlists.list_with_products(query.user_id)
