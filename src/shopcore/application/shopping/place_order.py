"""PlaceOrder: turn the caller's whole cart into an order, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock, IdGenerator, PhoneNumberParser
from shopcore.application.ports.shopping import (
    CartSnapshot,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    RecentCarts,
)
from shopcore.application.ports.unit_of_work import (
    ConcurrentUpdate,
    UnitOfWork,
    UnitOfWorkFactory,
)
from shopcore.application.shopping.addresses import (
    ShippingAddressInput,
    address_fields,
    read_shipping_address,
)
from shopcore.application.shopping.idempotency import (
    IdempotencyKeyReused,
    check_idempotency_key,
    request_hash,
)
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.cart import Cart
from shopcore.domain.catalog import Product
from shopcore.domain.errors import Unauthenticated
from shopcore.domain.ordering import InsufficientStock, Order, ShippingAddress, Shortage


@dataclass(frozen=True, slots=True)
class PlaceOrderCommand:
    """Order everything in ``user_id``'s cart, shipped to ``shipping_address``.

    Repeating a command with the same ``idempotency_key`` (scoped per user) and the
    same address returns the first order instead of placing a second one.
    """

    user_id: str
    shipping_address: ShippingAddressInput
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The order; ``replayed`` when it was placed by an earlier request with the key."""

    order: Order
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class _Request:
    user_id: str
    address: ShippingAddress
    idempotency: IdempotencyRecord | None


class PlaceOrder:
    """Checks every line, takes the stock (never overselling), writes the order with
    its lines (name and price snapshotted) and empties the cart — all or nothing, in one
    step of the order repository (``OrderRepository.place``: one statement on
    PostgreSQL).

    A line short of stock fails the whole order with ``InsufficientStock`` listing
    every short product. A transaction that loses a race (deadlock, serialization
    failure) is run again a few times.

    Given ``unlocked_uow`` (a unit of work whose statements may commit on their own:
    ``SqlUnitOfWork(autocommit=True)``), it first places without the cart's lock: it
    reads the cart with its version and places the order only if the version is still
    the one read and every line fits (``OrderRepository.place_if_unchanged``: on
    PostgreSQL two round trips and no transaction). Anything else — the cart changed in
    between, an empty cart, a short line, a repeated idempotency key — is left to the
    locked path, which decides it as before. With ``recent`` too, it first tries the
    cart ``AddToCart`` remembered, without reading it (one round trip): the database
    places that order only if the cart and its products are still as remembered. An
    order placed without the lock leaves its emptied cart remembered there.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        phones: PhoneNumberParser,
        currency: str = "INR",
        *,
        unlocked_uow: UnitOfWorkFactory | None = None,
        recent: RecentCarts | None = None,
    ) -> None:
        self._uow = uow
        self._unlocked_uow = unlocked_uow
        self._recent = recent
        self._clock = clock
        self._ids = ids
        self._phones = phones
        self._currency = currency

    async def __call__(self, cmd: PlaceOrderCommand) -> PlacedOrder:
        key = check_idempotency_key(cmd.idempotency_key)
        address = read_shipping_address(cmd.shipping_address, self._phones)
        idempotency = None if key is None else IdempotencyRecord(
            key, request_hash({"shipping_address": address_fields(address)}))
        request = _Request(cmd.user_id, address, idempotency)
        try:
            return await retry_on_concurrent_update(lambda: self._place_once(request))
        except IdempotencyKeyTaken:
            # A concurrent request with the same key committed its order first.
            return await self._replay_committed(request)

    async def _place_once(self, request: _Request) -> PlacedOrder:
        if self._unlocked_uow is not None:
            placed = await self._place_if_unchanged(request, self._unlocked_uow)
            if placed is not None:
                return placed
        return await self._place(request)

    async def _place_if_unchanged(self, request: _Request,
                                  unlocked_uow: UnitOfWorkFactory) -> PlacedOrder | None:
        remembered = None if self._recent is None else self._recent.take(request.user_id)
        if remembered is not None:
            async with unlocked_uow() as uow:
                placed = await self._place_snapshot(uow, request, remembered)
            if placed is not None:
                return placed
        async with unlocked_uow() as uow:  # afresh: a refused try is rolled back
            snapshot = await uow.carts.get_snapshot(request.user_id)
            if snapshot is None:
                return None  # the locked path says why
            return await self._place_snapshot(uow, request, snapshot)

    async def _place_snapshot(self, uow: UnitOfWork, request: _Request,
                              snapshot: CartSnapshot) -> PlacedOrder | None:
        """The order of ``snapshot``'s cart, placed if nothing changed since; ``None``
        when it is not (nor anything else kept)."""
        if snapshot.cart.is_empty or snapshot.cart.shortages(snapshot.products):
            return None  # the locked path says why (or replays a repeated key's order)
        order = Order.place(
            self._ids.new_id(), request.user_id,
            snapshot.cart.order_lines(snapshot.products), request.address,
            self._clock.now(), self._currency)
        emptied = await uow.orders.place_if_unchanged(order, request.idempotency,
                                                      cart_version=snapshot.version)
        if emptied is None:
            return None
        await uow.commit()
        if self._recent is not None:  # the buyer's next addition need not read it
            self._recent.remember(CartSnapshot(Cart(request.user_id), {}, emptied))
        return PlacedOrder(order)

    async def _place(self, request: _Request) -> PlacedOrder:
        async with self._uow() as uow:
            # Held until commit: requests of one user for one cart take turns, so a
            # repeated key finds the first request's order here.
            # Its lines' products come with it: names and prices are snapshotted from them.
            locked = await uow.carts.get_for_update(request.user_id)
            if locked is None:
                raise Unauthenticated("The account no longer exists.")
            if request.idempotency is not None:
                replay = await _find_replay(uow, request.user_id, request.idempotency)
                if replay is not None:
                    return replay
            order = Order.place(
                self._ids.new_id(), request.user_id, locked.cart.order_lines(locked.products),
                request.address, self._clock.now(), self._currency)
            short = await uow.orders.place(order, request.idempotency)
            if short:  # raising rolls back the units taken for the other lines
                raise await _insufficient_stock(uow, order, short)
            await uow.commit()
        return PlacedOrder(order)

    async def _replay_committed(self, request: _Request) -> PlacedOrder:
        assert request.idempotency is not None
        async with self._uow() as uow:
            replay = await _find_replay(uow, request.user_id, request.idempotency)
        if replay is None:
            raise ConcurrentUpdate()
        return replay


async def _find_replay(
    uow: UnitOfWork, user_id: str, idempotency: IdempotencyRecord
) -> PlacedOrder | None:
    """The order placed earlier with this key; ``IdempotencyKeyReused`` when that
    request's body was different."""
    found = await uow.orders.get_by_idempotency_key(user_id, idempotency.key)
    if found is None:
        return None
    if found.request_hash != idempotency.request_hash:
        raise IdempotencyKeyReused()
    return PlacedOrder(found.order, replayed=True)


async def _insufficient_stock(uow: UnitOfWork, order: Order,
                              short: frozenset[int]) -> InsufficientStock:
    """The error listing every short line, with what its product has now."""
    now = await uow.products.get_many(sorted(short))
    return InsufficientStock([
        Shortage(line.product_id, line.quantity, _available(now.get(line.product_id)))
        for line in sorted(order.lines, key=lambda line: line.product_id)
        if line.product_id in short
    ])


def _available(product: Product | None) -> int:
    return 0 if product is None else product.available
