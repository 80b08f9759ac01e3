"""Refunds: giving back the money of a paid order before it is cancelled, and asking
again for refunds the provider never accepted, or accepted and then failed.

Money moves outside any database transaction: the debt is first recorded
(``refund_pending``, committed), then the provider is asked, then its answer is
recorded. Every request of one attempt carries the same idempotency key, so asking
again after a timeout (whose refund may have gone through) never refunds twice; only a
refund the provider failed starts a new attempt, with a key of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.payments import PaymentGateway, ProviderRefund
from shopcore.application.ports.unit_of_work import ConcurrentUpdate, UnitOfWorkFactory
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.ordering import OrderStatus
from shopcore.domain.payments import (
    Payment,
    PaymentProviderFailed,
    PaymentStatus,
    RefundFailed,
)

log = logging.getLogger("shopcore.payments")


class PaymentRefunds:
    """Asks the provider for the whole amount of a payment back (``OrderRefunds``)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def refund_before_cancel(self, user_id: str, order_id: str) -> None:
        """See ``OrderRefunds.refund_before_cancel``."""
        owed = await retry_on_concurrent_update(lambda: self._owe_refund(user_id, order_id))
        if owed is None or owed.provider_refund_id is not None:
            return  # nothing to refund, or the provider already took the refund
        if not await self.request_refund(owed):
            raise RefundFailed(order_id)

    async def request_refund(self, payment: Payment) -> bool:
        """Ask the provider to refund ``payment`` (``refund_pending``) and record its
        answer; ``False`` when the provider did not accept the refund (logged; the
        payment stays ``refund_pending`` without a refund id, to be asked again)."""
        if payment.provider_payment_id is None:
            log.error("payment %s of order %s owes a refund but has no provider payment id",
                      payment.id, payment.order_id)
            return False
        try:
            refund = await self._gateway.refund(
                payment.provider_payment_id, payment.amount, payment.refund_key)
        except PaymentProviderFailed:
            log.warning("refund of payment %s (order %s) not accepted; it stays refund_pending",
                        payment.id, payment.order_id)
            return False
        await retry_on_concurrent_update(lambda: self._record_refund(payment, refund))
        return True

    async def _owe_refund(self, user_id: str, order_id: str) -> Payment | None:
        """The payment of the user's paid order, moved to ``refund_pending`` (committed)
        if it was captured; ``None`` when there is nothing to refund."""
        async with self._uow() as uow:
            # Locked: an admin shipping the order meanwhile waits, then sees the debt
            # (ChangeOrderStatus refuses to ship it), or ships first and nothing is owed.
            order = await uow.orders.get_for_update(order_id)
            if order is None or order.user_id != user_id or order.status is not OrderStatus.PAID:
                return None
            payment = await uow.payments.get_for_order(order_id)
            if payment is None or payment.status not in (PaymentStatus.CAPTURED,
                                                         PaymentStatus.REFUND_PENDING):
                return None
            if payment.status is PaymentStatus.REFUND_PENDING:
                return payment
            owed = payment.owe_refund(self._clock.now())
            if not await uow.payments.save(owed, previous=payment):
                raise ConcurrentUpdate()
            await uow.commit()
        log.info("payment %s of order %s owes a refund", owed.id, order_id)
        return owed

    async def _record_refund(self, requested: Payment, refund: ProviderRefund) -> None:
        """Record the provider's answer to the refund asked for ``requested``, unless
        the payment moved on meanwhile: refunded (a ``refund.processed`` webhook got
        here first), or in a later attempt (this refund failed already)."""
        async with self._uow() as uow:
            payment = await uow.payments.get(requested.id)
            if (payment is None or payment.status is not PaymentStatus.REFUND_PENDING
                    or payment.refund_attempt != requested.refund_attempt):
                return
            now = self._clock.now()
            recorded = (payment.refunded(refund.refund_id, payment.amount, now)
                        if refund.processed else payment.refund_accepted(refund.refund_id, now))
            if not await uow.payments.save(recorded, previous=payment):
                raise ConcurrentUpdate()
            await uow.commit()
        log.info("refund %s of payment %s accepted (%s)", refund.refund_id, requested.id,
                 "processed" if refund.processed else "pending")


@dataclass(frozen=True, slots=True)
class RetriedRefunds:
    """How many owed refunds were asked for again, and how many the provider accepted."""

    attempted: int
    accepted: int


class RetryRefunds:
    """Asks again for every refund still owed and not accepted by the provider in its
    current attempt (the provider failed when the order was cancelled, a payment was
    captured for an order that was already cancelled, or an accepted refund failed)."""

    def __init__(self, uow: UnitOfWorkFactory, refunds: PaymentRefunds) -> None:
        self._uow = uow
        self._refunds = refunds

    async def __call__(self, limit: int = 100) -> RetriedRefunds:
        async with self._uow() as uow:
            owed = await uow.payments.refunds_to_request(limit)
        accepted = 0
        for payment in owed:
            accepted += await self._refunds.request_refund(payment)
        return RetriedRefunds(attempted=len(owed), accepted=accepted)
