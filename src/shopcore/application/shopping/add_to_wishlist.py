"""AddToWishlist: remember a product the caller wishes for (idempotent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.shopping import WishlistEntry
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.errors import InvalidInput, NotFound, Unauthenticated

MAX_WISHLIST_ITEMS = 200
"""A wishlist holds at most this many (visible) products."""


@dataclass(frozen=True, slots=True)
class AddToWishlistCommand:
    """Put ``product_id`` on ``user_id``'s wishlist."""

    user_id: str
    product_id: int


@dataclass(frozen=True, slots=True)
class WishlistAdded:
    """The wishlist after adding; ``created`` is False when the product was already on it."""

    created: bool
    items: Sequence[WishlistEntry]


class AddToWishlist:
    """Adds a visible product once; adding it again changes nothing. Unknown or archived
    products are ``NotFound``; an unknown user is ``Unauthenticated``; a product beyond
    ``MAX_WISHLIST_ITEMS`` is ``InvalidInput("product_id")`` and is not added."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AddToWishlistCommand) -> WishlistAdded:
        async with self._uow() as uow:
            product = await uow.products.get(cmd.product_id)
            if product is None or product.archived:
                raise NotFound(f"Product {cmd.product_id} does not exist.")
            if await uow.users.get(cmd.user_id) is None:
                raise Unauthenticated("The account no longer exists.")
            created = await uow.wishlists.add(cmd.user_id, product.id, self._clock.now())
            items = await uow.wishlists.list_with_products(cmd.user_id)
            if created and len(items) > MAX_WISHLIST_ITEMS:  # leaving uncommitted undoes it
                raise InvalidInput("product_id",
                                   f"a wishlist holds at most {MAX_WISHLIST_ITEMS} products")
            await uow.commit()
        return WishlistAdded(created=created, items=items)
