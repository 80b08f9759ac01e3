"""Cancelling a paid order (its refund first) while an admin ships it, through the real
use cases on the SQL unit of work, on SQLite and PostgreSQL: an order is never shipped
with its money refunded or owed back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.memory.payments import FakePaymentGateway
from shopcore.application.payments.refunds import PaymentRefunds
from shopcore.application.ports.payments import ProviderRefund
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.cancel_order import CancelOrder, CancelOrderCommand
from shopcore.application.shopping.change_order_status import (
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
)
from shopcore.application.shopping.place_order import PlaceOrderCommand
from shopcore.domain.ordering import InvalidState, Order, OrderStatus, RefundOwed
from shopcore.domain.payments import Payment, PaymentStatus
from tests.integration.test_order_concurrency import ADDRESS, Shop, clock, settle, unexpected


class _HeldRefunds(FakePaymentGateway):
    """Its refunds wait for ``release`` (``asked`` is set once one is under way)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def refund(self, *args: Any) -> ProviderRefund:
        self.asked.set()
        await self.release.wait()
        return await super().refund(*args)


async def paid_orders(shop: Shop, count: int) -> list[Order]:
    """``count`` buyers' orders, each paid with a captured payment."""
    product = await shop.product(stock=100)
    paid = []
    for number, buyer in enumerate(await shop.users(count)):
        await shop.add_to_cart(AddToCartCommand(buyer, product.id, 1))
        order = (await shop.place_order(PlaceOrderCommand(buyer, ADDRESS))).order
        now = clock.now()
        async with shop.uow() as uow:
            paid_order = order.advance_to(OrderStatus.PAID, now)
            assert await uow.orders.save_status(paid_order, previous=OrderStatus.PLACED)
            await uow.payments.add(
                Payment.start(f"payment-{number}", order, "fake", f"order_{number}", now)
                .capture(f"pay_{number}", order.total, now))
            await uow.commit()
        paid.append(paid_order)
    return paid


async def outcome(shop: Shop, order: Order) -> tuple[OrderStatus, PaymentStatus]:
    async with shop.uow() as uow:
        stored = await uow.orders.get(order.id)
        payment = await uow.payments.get_for_order(order.id)
    assert stored is not None and payment is not None
    return stored.status, payment.status


async def test_an_order_whose_refund_is_under_way_is_not_shipped(engine: AsyncEngine) -> None:
    shop = Shop(engine)
    (order,) = await paid_orders(shop, 1)
    gateway = _HeldRefunds()
    cancel = CancelOrder(shop.uow, clock, PaymentRefunds(shop.uow, gateway, clock))
    cancelling = asyncio.create_task(cancel(CancelOrderCommand(order.user_id, order.id)))
    await gateway.asked.wait()  # the debt is recorded, the provider is being asked
    with pytest.raises(RefundOwed):
        await ChangeOrderStatus(shop.uow, clock)(ChangeOrderStatusCommand(order.id, "shipped"))
    gateway.release.set()
    assert (await cancelling).status is OrderStatus.CANCELLED
    assert await outcome(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)


async def test_cancelling_and_shipping_at_once_never_ship_a_refunded_order(
    engine: AsyncEngine,
) -> None:
    shop = Shop(engine)
    paid = await paid_orders(shop, 8)
    gateway = FakePaymentGateway()
    cancel = CancelOrder(shop.uow, clock, PaymentRefunds(shop.uow, gateway, clock))
    ship = ChangeOrderStatus(shop.uow, clock)
    calls = []
    for order in paid:
        calls += [cancel(CancelOrderCommand(order.user_id, order.id)),
                  ship(ChangeOrderStatusCommand(order.id, "shipped"))]
    results = await settle(*calls)
    assert unexpected(results, InvalidState) == []
    outcomes = [await outcome(shop, order) for order in paid]
    assert set(outcomes) <= {(OrderStatus.CANCELLED, PaymentStatus.REFUNDED),  # one won,
                             (OrderStatus.SHIPPED, PaymentStatus.CAPTURED)}  # whole
    assert len(gateway.refunds) == outcomes.count(
        (OrderStatus.CANCELLED, PaymentStatus.REFUNDED))
