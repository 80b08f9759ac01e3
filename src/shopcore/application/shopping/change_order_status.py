"""ChangeOrderStatus: an admin moves an order on (paid, shipped, delivered)."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import Clock
from shopcore.application.ports.unit_of_work import ConcurrentUpdate, UnitOfWorkFactory
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.errors import NotFound
from shopcore.domain.ordering import Order, OrderStatus, RefundOwed, parse_admin_status


@dataclass(frozen=True, slots=True)
class ChangeOrderStatusCommand:
    """Set order ``order_id`` to ``status`` (``paid``, ``shipped`` or ``delivered``)."""

    order_id: str
    status: str


class ChangeOrderStatus:
    """Moves an order along the domain's transition table (``InvalidState`` when the
    table forbids it; any status but paid/shipped/delivered is ``InvalidInput``). An
    order whose payment is being or has been refunded (its owner is cancelling it) is
    not shipped: ``RefundOwed``."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ChangeOrderStatusCommand) -> Order:
        target = parse_admin_status(cmd.status)
        return await retry_on_concurrent_update(lambda: self._change(cmd.order_id, target))

    async def _change(self, order_id: str, target: OrderStatus) -> Order:
        async with self._uow() as uow:
            # Locked before the payment is read: a refund being recorded for it is
            # either committed and seen, or waits for this change.
            order = await uow.orders.get_for_update(order_id)
            if order is None:
                raise NotFound(f"Order {order_id} does not exist.")
            changed = order.advance_to(target, self._clock.now())
            if target is OrderStatus.SHIPPED:
                payment = await uow.payments.get_for_order(order_id)
                if payment is not None and payment.refund_owed_or_made:
                    raise RefundOwed(order.status, target)
            if not await uow.orders.save_status(changed, previous=order.status):
                raise ConcurrentUpdate()
            await uow.commit()
        return changed
