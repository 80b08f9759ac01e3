"""Contract of the payment repository, on every implementation: the shipped fake,
SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shopcore.application.ports import UnitOfWorkFactory
from shopcore.application.ports.payments import PaymentEventRecord, PaymentExists
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order, OrderLine, ShippingAddress
from shopcore.domain.payments import Payment, PaymentStatus
from shopcore.domain.phone import Phone
from shopcore.domain.users import User

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
BUYER = "user-buyer"


async def placed_orders(uow: UnitOfWorkFactory, count: int = 1) -> list[Order]:
    """A buyer, a product and ``count`` placed orders of it."""
    async with uow() as work:
        await work.users.add(User(BUYER, Phone("+919876543210"), False, NOW))
        product = await work.products.add(
            ProductDraft.create("Kettle", "", "1499.00", "kitchen", 50), NOW)
        address = ShippingAddress.create(
            name="Asha Rao", line1="12 MG Road", city="Bengaluru", state="Karnataka",
            postal_code="560001", phone=Phone("+919876543210"))
        orders = [
            Order.place(f"order-{n:04d}-0000-0000", BUYER,
                        [OrderLine(product.id, product.name, product.price, n + 1)],
                        address, NOW + timedelta(seconds=n))
            for n in range(count)
        ]
        for order in orders:
            await work.orders.add(order)
        await work.commit()
    return orders


def a_payment(order: Order, number: int = 1) -> Payment:
    return Payment.start(f"payment-{number:04d}", order, "razorpay", f"order_R{number:04d}",
                         NOW)


async def test_a_payment_is_stored_and_found_by_id_order_and_provider_order(
    uow: UnitOfWorkFactory,
) -> None:
    (order,) = await placed_orders(uow)
    payment = a_payment(order)
    async with uow() as work:
        await work.payments.add(payment)
        await work.commit()
    async with uow() as work:
        assert await work.payments.get(payment.id) == payment
        assert await work.payments.get_for_order(order.id) == payment
        assert await work.payments.get_by_provider_order_id("order_R0001") == payment
        assert await work.payments.get("nope") is None
        assert await work.payments.get_for_order("nope") is None
        assert await work.payments.get_by_provider_order_id("order_nope") is None
        assert await work.payments.get("bad\x00id") is None
    assert payment.amount == Money(149_900)


async def test_an_order_has_at_most_one_payment(uow: UnitOfWorkFactory) -> None:
    (order,) = await placed_orders(uow)
    async with uow() as work:
        await work.payments.add(a_payment(order, 1))
        await work.commit()
    async with uow() as work:
        with pytest.raises(PaymentExists):
            await work.payments.add(a_payment(order, 2))
        # the transaction is still usable after the refused insert
        assert (await work.payments.get_for_order(order.id)).id == "payment-0001"  # type: ignore[union-attr]


async def test_a_rolled_back_payment_is_not_stored(uow: UnitOfWorkFactory) -> None:
    (order,) = await placed_orders(uow)
    async with uow() as work:
        await work.payments.add(a_payment(order))
    async with uow() as work:
        assert await work.payments.get_for_order(order.id) is None


async def test_save_is_conditional_on_the_previous_status(uow: UnitOfWorkFactory) -> None:
    (order,) = await placed_orders(uow)
    payment = a_payment(order)
    async with uow() as work:
        await work.payments.add(payment)
        await work.commit()
    later = NOW + timedelta(minutes=3)
    captured = payment.capture("pay_A", payment.amount, later)
    async with uow() as work:
        assert await work.payments.save(captured, previous=payment)
        assert not await work.payments.save(payment.fail("pay_B", later), previous=payment)
        await work.commit()
    async with uow() as work:
        stored = await work.payments.get(payment.id)
    assert stored == captured
    assert stored is not None and stored.provider_payment_id == "pay_A"
    assert stored.updated_at == later


async def test_save_is_conditional_on_the_previous_refund_attempt(
    uow: UnitOfWorkFactory,
) -> None:
    (order,) = await placed_orders(uow)
    accepted = a_payment(order).capture("pay_A", order.total, NOW).owe_refund(NOW) \
        .refund_accepted("rfnd_1", NOW)
    async with uow() as work:
        await work.payments.add(accepted)
        await work.commit()
    later = NOW + timedelta(hours=1)
    failed = accepted.refund_failed(later)
    async with uow() as work:
        assert await work.payments.save(failed, previous=accepted)
        # the answer to the first attempt, recorded late, finds the payment moved on
        assert not await work.payments.save(accepted.refund_accepted("rfnd_1", later),
                                            previous=accepted)
        await work.commit()
    async with uow() as work:
        stored = await work.payments.get(accepted.id)
        assert [p.id for p in await work.payments.refunds_to_request(10)] == [accepted.id]
    assert stored == failed
    assert stored is not None and stored.refund_attempt == 1
    assert stored.provider_refund_id is None and stored.status is PaymentStatus.REFUND_PENDING


async def test_refunds_to_request_lists_owed_refunds_never_accepted(
    uow: UnitOfWorkFactory,
) -> None:
    orders = await placed_orders(uow, 4)
    payments = [a_payment(order, n) for n, order in enumerate(orders)]
    captured = [p.capture(f"pay_{n}", p.amount, NOW) for n, p in enumerate(payments)]
    owed_late = captured[0].owe_refund(NOW + timedelta(minutes=2))
    owed_early = captured[1].owe_refund(NOW + timedelta(minutes=1))
    accepted = captured[2].owe_refund(NOW).refund_accepted("rfnd_1", NOW)
    async with uow() as work:
        for payment in (owed_late, owed_early, accepted, captured[3]):
            await work.payments.add(payment)
        await work.commit()
    async with uow() as work:
        owed = await work.payments.refunds_to_request(10)
        assert [p.id for p in await work.payments.refunds_to_request(1)] == [owed_early.id]
    assert [p.id for p in owed] == [owed_early.id, owed_late.id]


async def test_an_event_id_is_recorded_once(uow: UnitOfWorkFactory) -> None:
    (order,) = await placed_orders(uow)
    payment = a_payment(order)
    record = PaymentEventRecord("evt_1", "razorpay", "payment.captured", payment.id,
                                "processed", NOW)
    async with uow() as work:
        await work.payments.add(payment)
        assert not await work.payments.event_seen("evt_1")
        assert await work.payments.record_event(record)
        assert not await work.payments.record_event(replace(record, outcome="ignored"))
        assert await work.payments.event_seen("evt_1")
        assert await work.payments.record_event(replace(record, event_id="evt_2",
                                                        payment_id=None))
        await work.commit()
    async with uow() as work:
        assert await work.payments.event_seen("evt_1")
        assert await work.payments.event_seen("evt_2")
        assert not await work.payments.event_seen("evt_3")
        assert not await work.payments.event_seen("evt\x00")


async def test_a_rolled_back_event_can_be_recorded_again(uow: UnitOfWorkFactory) -> None:
    record = PaymentEventRecord("evt_9", "razorpay", "order.paid", None, "ignored", NOW)
    async with uow() as work:
        assert await work.payments.record_event(record)
    async with uow() as work:
        assert not await work.payments.event_seen("evt_9")
        assert await work.payments.record_event(record)
