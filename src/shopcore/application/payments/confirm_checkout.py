"""ConfirmCheckout: the browser hands back what the provider's checkout answered."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shopcore.application.payments.pay_for_order import Checkout, checkout_of
from shopcore.application.ports.common import Clock
from shopcore.application.ports.payments import InvalidCheckoutSignature, PaymentGateway
from shopcore.application.ports.unit_of_work import ConcurrentUpdate, UnitOfWorkFactory
from shopcore.application.shopping.get_order import owned_order
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.errors import NotFound
from shopcore.domain.payments import PaymentStatus, can_move

log = logging.getLogger("shopcore.payments")


@dataclass(frozen=True, slots=True)
class ConfirmCheckoutCommand:
    """``user_id`` passes on the checkout's answer for their order ``order_id``: the
    provider's order and payment ids and its signature of both."""

    user_id: str
    order_id: str
    provider_order_id: str
    provider_payment_id: str
    signature: str


class ConfirmCheckout:
    """Records that the customer's payment went through at the checkout.

    The signature must be the provider's for the provider order *we* stored for this
    order and the given payment (``InvalidCheckoutSignature`` otherwise, also when the
    given provider order is another one: nothing changes). A valid one moves a
    ``created`` or ``failed`` payment to ``authorized`` with that attempt; the order
    becomes ``paid`` only when the provider's ``payment.captured`` webhook arrives, so
    the browser cannot pay an order by itself. Confirming again, or after the webhook,
    changes nothing and answers the payment as it is. Only the owner may confirm
    (``NotFound`` for anyone else, and for an order without a payment).
    """

    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def __call__(self, cmd: ConfirmCheckoutCommand) -> Checkout:
        return await retry_on_concurrent_update(lambda: self._confirm(cmd))

    async def _confirm(self, cmd: ConfirmCheckoutCommand) -> Checkout:
        async with self._uow() as uow:
            order = await owned_order(uow, cmd.user_id, cmd.order_id)
            payment = await uow.payments.get_for_order(order.id)
            if payment is None:
                raise NotFound(f"Order {order.id} has no payment to confirm.")
            if (cmd.provider_order_id != payment.provider_order_id
                    or not self._gateway.verify_checkout_signature(
                        payment.provider_order_id, cmd.provider_payment_id, cmd.signature)):
                log.warning("refused a checkout confirmation of order %s with a wrong "
                            "signature", order.id)
                raise InvalidCheckoutSignature()
            if not can_move(payment.status, PaymentStatus.AUTHORIZED):
                return checkout_of(payment, self._gateway)  # the news is already known
            authorized = payment.authorize(cmd.provider_payment_id, payment.amount,
                                           self._clock.now())
            if not await uow.payments.save(authorized, previous=payment):
                raise ConcurrentUpdate()
            await uow.commit()
        log.info("payment %s of order %s authorized at the checkout (%s)", payment.id,
                 order.id, cmd.provider_payment_id)
        return checkout_of(authorized, self._gateway)
