"""AddToCart: more units of a product in the caller's cart."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.shopping import CartSnapshot, RecentCarts
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.domain.cart import Cart, CartTotal, check_quantity
from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput, NotFound, Unauthenticated


@dataclass(frozen=True, slots=True)
class AddToCartCommand:
    """Add ``quantity`` (1..99) units of ``product_id`` to ``user_id``'s cart."""

    user_id: str
    product_id: int
    quantity: object = 1


class AddToCart:
    """Adds to the product's line (creating it); the line must fit the stock and 99.
    An unknown user is ``Unauthenticated``. The total is priced from the products read
    with the cart, and describes the cart as this addition left it.

    Given ``unlocked_uow`` (a unit of work whose statements may commit on their own:
    ``SqlUnitOfWork(autocommit=True)``), it first adds without a lock: it reads the cart
    with its version and writes the line only if the version is still the one read (on
    PostgreSQL two round trips and no transaction). When another request changed the
    cart in between, nothing was written, and it adds again under the cart's lock in a
    transaction of ``uow``, which never has to give up.

    Given ``recent``, the cart an unlocked addition wrote is remembered there with its new
    version (``PlaceOrder`` can then place it without reading it again, and remembers
    the cart it emptied); an addition under the lock forgets the user's. An addition to
    a remembered cart reads nothing first: it writes the line only if the cart's version
    is still the one remembered and the product has the line's units, and reads the
    cart's products with the write (``CartRepository.set_quantity_if_available``: one
    round trip on PostgreSQL); refused, it reads the cart as above.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, currency: str = "INR", *,
                 unlocked_uow: UnitOfWorkFactory | None = None,
                 recent: RecentCarts | None = None) -> None:
        self._uow = uow
        self._unlocked_uow = unlocked_uow
        self._recent = recent
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: AddToCartCommand) -> CartTotal:
        check_quantity(cmd.quantity)
        if self._unlocked_uow is not None:
            added = await self._add_to_remembered(cmd, self._unlocked_uow)
            if added is None:
                added = await self._add_if_unchanged(cmd, self._unlocked_uow)
            if added is not None:
                return added
        return await self._add_under_lock(cmd)

    async def _add_to_remembered(self, cmd: AddToCartCommand,
                                 unlocked_uow: UnitOfWorkFactory) -> CartTotal | None:
        remembered = None if self._recent is None else self._recent.take(cmd.user_id)
        if remembered is None:
            return None
        try:
            quantity = remembered.cart.quantity_after_adding(cmd.product_id, cmd.quantity)
        except InvalidInput:
            return None  # the read path says why (an unknown product's 404 comes first)
        async with unlocked_uow() as uow:
            written = await uow.carts.set_quantity_if_available(
                cmd.user_id, cmd.product_id, quantity, self._clock.now(),
                version=remembered.version)
            if written is None:
                return None  # the cart changed since, or the product lacks the units
            await uow.commit()
        changed = remembered.cart.add(written.products[cmd.product_id], cmd.quantity)
        return self._remembered(CartSnapshot(changed, written.products, written.version))

    async def _add_if_unchanged(self, cmd: AddToCartCommand,
                                unlocked_uow: UnitOfWorkFactory) -> CartTotal | None:
        async with unlocked_uow() as uow:
            snapshot = _of_a_user(
                await uow.carts.get_snapshot(cmd.user_id, also_product=cmd.product_id))
            product, changed = _add(snapshot, cmd)
            version = await uow.carts.set_quantity_if_unchanged(
                cmd.user_id, product.id, changed.quantity_of(product.id), self._clock.now(),
                version=snapshot.version)
            if version is None:
                return None  # the cart changed after the read
            await uow.commit()
        return self._remembered(CartSnapshot(changed, snapshot.products, version))

    def _remembered(self, written: CartSnapshot) -> CartTotal:
        """The cart an unlocked addition wrote, remembered (given ``recent``) and priced."""
        if self._recent is not None:
            self._recent.remember(written)
        return written.cart.priced(written.products, self._currency)

    async def _add_under_lock(self, cmd: AddToCartCommand) -> CartTotal:
        if self._recent is not None:
            self._recent.forget(cmd.user_id)
        async with self._uow() as uow:
            # With the added product and those of the cart's lines, to price it after.
            locked = _of_a_user(
                await uow.carts.get_for_update(cmd.user_id, also_product=cmd.product_id))
            product, changed = _add(locked, cmd)
            await uow.carts.set_quantity(cmd.user_id, product.id,
                                         changed.quantity_of(product.id), self._clock.now())
            await uow.commit()
        return changed.priced(locked.products, self._currency)


def _of_a_user(snapshot: CartSnapshot | None) -> CartSnapshot:
    if snapshot is None:
        raise Unauthenticated("The account no longer exists.")
    return snapshot


def _add(snapshot: CartSnapshot, cmd: AddToCartCommand) -> tuple[Product, Cart]:
    """The product added and the cart with it (the domain's checks raise)."""
    product = snapshot.products.get(cmd.product_id)
    if product is None:
        raise NotFound(f"Product {cmd.product_id} does not exist.")
    return product, snapshot.cart.add(product, cmd.quantity)
