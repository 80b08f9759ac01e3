"""A cancel racing the provider's "payment captured" webhook, through the real use
cases on the SQL unit of work, on SQLite and PostgreSQL: whichever commits first, the
order ends cancelled with its money refunded once and its stock back; a capture is
never kept for a cancelled order."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.memory.payments import FakePaymentGateway
from shopcore.adapters.sql.tables import orders, payments
from shopcore.adapters.system import Uuid4Ids
from shopcore.application.payments.handle_razorpay_webhook import (
    HandleRazorpayWebhook,
    HandleRazorpayWebhookCommand,
    WebhookOutcome,
)
from shopcore.application.payments.pay_for_order import PayForOrder, PayForOrderCommand
from shopcore.application.payments.refunds import PaymentRefunds
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.cancel_order import CancelOrder, CancelOrderCommand
from shopcore.application.shopping.place_order import PlaceOrderCommand
from shopcore.domain.ordering import Order
from tests.integration.test_order_concurrency import ADDRESS, Shop, clock, settle

ORDERS = 40


async def test_a_cancel_racing_the_capture_never_keeps_the_money(engine: AsyncEngine) -> None:
    shop = Shop(engine)
    gateway = FakePaymentGateway()
    refunds = PaymentRefunds(shop.uow, gateway, clock)
    cancel = CancelOrder(shop.uow, clock, refunds)
    webhook = HandleRazorpayWebhook(shop.uow, gateway, refunds, clock)
    pay = PayForOrder(shop.uow, gateway, clock, Uuid4Ids())
    buyers = await shop.users(ORDERS)
    phone = await shop.product(stock=ORDERS)

    async def captured(order: Order, provider_order_id: str, number: int) -> WebhookOutcome:
        await asyncio.sleep(0.0005 * (number % 8))  # lands at a different step each time
        body = gateway.webhook_body("payment.captured", provider_order_id, order.total,
                                    provider_payment_id=f"pay_{number}")
        return await webhook(HandleRazorpayWebhookCommand(
            body, gateway.sign_webhook(body), f"evt_{number}"))

    placed = []
    for number, buyer in enumerate(buyers):
        await shop.add_to_cart(AddToCartCommand(buyer, phone.id, 1))
        order = (await shop.place_order(PlaceOrderCommand(buyer, ADDRESS))).order
        checkout = await pay(PayForOrderCommand(buyer, order.id))
        results = await settle(cancel(CancelOrderCommand(buyer, order.id)),
                               captured(order, checkout.provider_order_id, number))
        assert [r for r in results if isinstance(r, BaseException)] == [], results
        placed.append(order.id)

    async with engine.connect() as connection:
        ends = (await connection.execute(
            select(orders.c.status, payments.c.status, payments.c.provider_refund_id)
            .join(payments, payments.c.order_id == orders.c.id)
            .where(orders.c.id.in_(placed)))).all()
    assert len(ends) == ORDERS
    assert {(order, payment) for order, payment, _ in ends} == {("cancelled", "refunded")}
    assert len(gateway.refunds) == ORDERS  # one refund each
    assert await shop.stock(phone) == ORDERS
