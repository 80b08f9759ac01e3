"""CancelOrder: the owner cancels a placed or paid order and the stock comes back."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.payments import OrderRefunds
from shopcore.application.ports.unit_of_work import ConcurrentUpdate, UnitOfWorkFactory
from shopcore.application.shopping.get_order import owned_order
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.ordering import Order, OrderStatus
from shopcore.domain.payments import PaymentStatus


@dataclass(frozen=True, slots=True)
class CancelOrderCommand:
    """``user_id`` cancels their order ``order_id``."""

    user_id: str
    order_id: str


class CancelOrder:
    """Cancels the caller's own order (``NotFound`` for anyone else's) and puts every
    line's units back in stock, in the same transaction. Only placed or paid orders
    can be cancelled (``InvalidState`` otherwise); a stock unit is given back once,
    also when two cancellations race.

    With ``refunds``, a paid order's money goes back first: when the provider does not
    take the refund, ``RefundFailed`` is raised and the order stays paid (cancelling
    again retries the refund, never refunding twice). A payment captured after the
    refund step looked (the provider's webhook racing the cancel) is never kept: the
    cancel sees it in its own transaction and goes back to the refund step.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock,
                 refunds: OrderRefunds | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._refunds = refunds

    async def __call__(self, cmd: CancelOrderCommand) -> Order:
        for _ in range(_REFUND_ROUNDS):
            if self._refunds is not None:
                await self._refunds.refund_before_cancel(cmd.user_id, cmd.order_id)
            cancelled = await retry_on_concurrent_update(lambda: self._cancel(cmd))
            if cancelled is not None:
                return cancelled
        raise ConcurrentUpdate()  # a payment is captured once: the second round cancels

    async def _cancel(self, cmd: CancelOrderCommand) -> Order | None:
        """The order cancelled, or None when its money must be refunded first."""
        async with self._uow() as uow:
            order = await owned_order(uow, cmd.user_id, cmd.order_id)
            if self._refunds is not None and order.status is OrderStatus.PAID:
                payment = await uow.payments.get_for_order(order.id)
                if payment is not None and payment.status is PaymentStatus.CAPTURED:
                    return None
            cancelled = order.cancel(self._clock.now())
            # Conditional on the status read: a capture committed since fails it, and
            # the retry reads the order paid.
            if not await uow.orders.save_status(cancelled, previous=order.status):
                raise ConcurrentUpdate()
            for line in sorted(order.lines, key=lambda line: line.product_id):
                await uow.products.release_stock(line.product_id, line.quantity)
            await uow.commit()
        return cancelled


_REFUND_ROUNDS = 2
