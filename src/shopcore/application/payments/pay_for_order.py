"""PayForOrder: the owner of a placed order gets what the checkout page needs."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock, IdGenerator
from shopcore.application.ports.payments import PaymentExists, PaymentGateway
from shopcore.application.ports.unit_of_work import (
    ConcurrentUpdate,
    UnitOfWorkFactory,
)
from shopcore.application.shopping.get_order import owned_order
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order
from shopcore.domain.payments import Payment, PaymentStatus, ensure_payable


@dataclass(frozen=True, slots=True)
class PayForOrderCommand:
    """``user_id`` wants to pay their order ``order_id``."""

    user_id: str
    order_id: str


@dataclass(frozen=True, slots=True)
class Checkout:
    """What the provider's checkout needs: our order, the provider's order for it, the
    amount, and the public key (never a secret)."""

    order_id: str
    payment_id: str
    provider: str
    key_id: str
    provider_order_id: str
    amount: Money
    status: PaymentStatus


class PayForOrder:
    """Opens the order's payment with the provider, or returns the one already open.

    Only the owner may pay (``NotFound`` for anyone else, so order ids reveal nothing)
    and only a placed order (``InvalidState``). The provider is called outside any
    transaction; when two requests race, both may open a provider order but only one
    payment is stored and both answer with it (the other provider order is never paid
    and expires unused).
    """

    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock,
                 ids: IdGenerator) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._ids = ids

    async def __call__(self, cmd: PayForOrderCommand) -> Checkout:
        order, existing = await self._read(cmd)
        if existing is not None:
            return checkout_of(existing, self._gateway)
        provider_order = await self._gateway.create_order(order.id, order.total)
        payment = Payment.start(self._ids.new_id(), order, self._gateway.name,
                                provider_order.provider_order_id, self._clock.now())
        try:
            stored = await retry_on_concurrent_update(lambda: self._store(cmd, payment))
        except PaymentExists:
            order, existing = await self._read(cmd)
            if existing is None:
                raise ConcurrentUpdate() from None
            stored = existing
        return checkout_of(stored, self._gateway)

    async def _read(self, cmd: PayForOrderCommand) -> tuple[Order, Payment | None]:
        async with self._uow() as uow:
            order = await owned_order(uow, cmd.user_id, cmd.order_id)
            existing = await uow.payments.get_for_order(order.id)
        ensure_payable(order)
        return order, existing

    async def _store(self, cmd: PayForOrderCommand, payment: Payment) -> Payment:
        async with self._uow() as uow:
            order = await owned_order(uow, cmd.user_id, cmd.order_id)
            ensure_payable(order)  # it may have been cancelled meanwhile
            await uow.payments.add(payment)
            await uow.commit()
        return payment


def checkout_of(payment: Payment, gateway: PaymentGateway) -> Checkout:
    """What the checkout needs for ``payment``, with ``gateway``'s public key."""
    return Checkout(
        order_id=payment.order_id, payment_id=payment.id, provider=payment.provider,
        key_id=gateway.key_id, provider_order_id=payment.provider_order_id,
        amount=payment.amount, status=payment.status)
