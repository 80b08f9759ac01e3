"""Payment use cases on the shipped fakes: paying, webhooks (signed for real with
HMAC-SHA256), refunds when a paid order is cancelled."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace

import pytest

from shopcore.adapters.memory.payments import FakePaymentGateway
from shopcore.application.payments.confirm_checkout import ConfirmCheckoutCommand
from shopcore.application.payments.handle_razorpay_webhook import (
    HandleRazorpayWebhookCommand,
    WebhookOutcome,
)
from shopcore.application.payments.pay_for_order import Checkout, PayForOrderCommand
from shopcore.application.ports.payments import (
    InvalidCheckoutSignature,
    InvalidWebhookSignature,
    MalformedWebhook,
    PaymentExists,
    ProviderRefund,
)
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.addresses import ShippingAddressInput
from shopcore.application.shopping.cancel_order import CancelOrderCommand
from shopcore.application.shopping.change_order_status import ChangeOrderStatusCommand
from shopcore.application.shopping.place_order import PlaceOrderCommand
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.errors import NotFound
from shopcore.domain.money import Money
from shopcore.domain.ordering import InvalidState, Order, OrderStatus, RefundOwed
from shopcore.domain.payments import (
    Payment,
    PaymentProviderFailed,
    PaymentStatus,
    RefundFailed,
)
from shopcore.domain.phone import Phone
from shopcore.domain.users import User
from shopcore.testing import InMemoryShop, build_in_memory_shop

BUYER, OTHER = "user-buyer", "user-other"
PRICE = Money(149_900)
STOCK = 10
CAPTURED = "payment.captured"


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


async def placed_order(shop: InMemoryShop, quantity: int = 2) -> Order:
    """The buyer's placed order of ``quantity`` kettles (stock 10 before)."""
    async with shop.database.unit_of_work() as work:
        if await work.users.get(BUYER) is None:
            await work.users.add(User(BUYER, Phone("+919876543210"), False, shop.clock.now()))
            await work.users.add(User(OTHER, Phone("+919812345678"), False, shop.clock.now()))
            await work.products.add(
                ProductDraft.create("Kettle", "", "1499.00", "kitchen", STOCK), shop.clock.now())
        await work.commit()
    await shop.add_to_cart(AddToCartCommand(BUYER, 1, quantity))
    address = ShippingAddressInput(name="Asha Rao", line1="12 MG Road", city="Bengaluru",
                                   state="Karnataka", postal_code="560001",
                                   phone="+919876543210")
    return (await shop.place_order(PlaceOrderCommand(BUYER, address))).order


async def pay(shop: InMemoryShop, order: Order) -> Checkout:
    return await shop.pay_for_order(PayForOrderCommand(BUYER, order.id))


async def send(shop: InMemoryShop, event: str, checkout: Checkout, *,
               amount: Money | None = None, event_id: str | None = "evt_1",
               payment_id: str = "pay_A", refund_amount: Money | None = None,
               refund_id: str = "rfnd_fake0000000001") -> WebhookOutcome:
    """A webhook signed with the fake's secret, as Razorpay would send it."""
    gateway = shop.payment_gateway
    body = gateway.webhook_body(event, checkout.provider_order_id, amount or checkout.amount,
                                provider_payment_id=payment_id, refund_amount=refund_amount,
                                refund_id=refund_id)
    return await shop.handle_razorpay_webhook(
        HandleRazorpayWebhookCommand(body, gateway.sign_webhook(body), event_id))


async def state(shop: InMemoryShop, order: Order) -> tuple[OrderStatus, PaymentStatus | None]:
    async with shop.database.unit_of_work() as work:
        stored = await work.orders.get(order.id)
        payment = await work.payments.get_for_order(order.id)
    assert stored is not None
    return stored.status, payment.status if payment else None


async def stock(shop: InMemoryShop) -> int:
    async with shop.database.unit_of_work() as work:
        product = await work.products.get(1)
    assert product is not None
    return product.stock


# --- PayForOrder ---------------------------------------------------------------------------

async def test_the_owner_gets_what_the_checkout_needs(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    assert checkout.order_id == order.id and checkout.key_id == "rzp_test_fake"
    assert checkout.amount == order.total == Money(299_800)
    assert checkout.status is PaymentStatus.CREATED and checkout.provider == "fake"
    assert shop.payment_gateway.orders == {checkout.provider_order_id: (order.id, order.total)}


async def test_paying_again_returns_the_open_payment(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    first = await pay(shop, order)
    assert await pay(shop, order) == first
    assert len(shop.payment_gateway.orders) == 1


async def test_another_users_or_an_unknown_order_is_not_found(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    with pytest.raises(NotFound):
        await shop.pay_for_order(PayForOrderCommand(OTHER, order.id))
    with pytest.raises(NotFound):
        await shop.pay_for_order(PayForOrderCommand(BUYER, "no-such-order"))
    assert shop.payment_gateway.orders == {}


@pytest.mark.parametrize("status", ["paid", "cancelled"])
async def test_only_a_placed_order_can_be_paid(shop: InMemoryShop, status: str) -> None:
    order = await placed_order(shop)
    if status == "paid":
        await shop.change_order_status(ChangeOrderStatusCommand(order.id, "paid"))
    else:
        await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    with pytest.raises(InvalidState):
        await pay(shop, order)


async def test_a_provider_failure_stores_nothing(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    shop.payment_gateway.failing = True
    with pytest.raises(PaymentProviderFailed):
        await pay(shop, order)
    assert await state(shop, order) == (OrderStatus.PLACED, None)
    shop.payment_gateway.failing = False
    assert (await pay(shop, order)).status is PaymentStatus.CREATED


async def test_when_two_requests_race_both_answer_with_the_stored_payment(
    shop: InMemoryShop,
) -> None:
    order = await placed_order(shop)
    gateway = shop.payment_gateway
    winner: list[Payment] = []

    class RacingGateway(FakePaymentGateway):
        async def create_order(self, order_id: str, amount: Money):  # type: ignore[no-untyped-def]
            made = await gateway.create_order(order_id, amount)
            if not winner:  # a concurrent request stores its payment first
                async with shop.database.unit_of_work() as work:
                    stored = await work.orders.get(order_id)
                    assert stored is not None
                    winner.append(Payment.start("winner", stored, "fake", "order_first",
                                                shop.clock.now()))
                    await work.payments.add(winner[0])
                    await work.commit()
            return made

    from shopcore.application.payments.pay_for_order import PayForOrder
    racing = PayForOrder(shop.database.unit_of_work, RacingGateway(), shop.clock, shop.ids)
    checkout = await racing(PayForOrderCommand(BUYER, order.id))
    assert checkout.payment_id == "winner" and checkout.provider_order_id == "order_first"
    async with shop.database.unit_of_work() as work:
        with pytest.raises(PaymentExists):
            await work.payments.add(Payment.start("third", order, "fake", "o3", shop.clock.now()))


# --- webhooks --------------------------------------------------------------------------------

async def test_a_captured_payment_of_the_exact_total_pays_the_order(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    assert await send(shop, CAPTURED, checkout) is WebhookOutcome.PROCESSED
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)
    async with shop.database.unit_of_work() as work:
        payment = await work.payments.get_for_order(order.id)
        assert await work.payments.event_seen("evt_1")
    assert payment is not None and payment.provider_payment_id == "pay_A"


async def test_the_signature_is_hmac_sha256_of_the_raw_body_with_the_webhook_secret(
    shop: InMemoryShop,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    body = FakePaymentGateway.webhook_body(CAPTURED, checkout.provider_order_id, order.total)
    signature = hmac.new(b"fake-webhook-secret", body, hashlib.sha256).hexdigest()
    outcome = await shop.handle_razorpay_webhook(
        HandleRazorpayWebhookCommand(body, signature, "evt_1"))
    assert outcome is WebhookOutcome.PROCESSED


@pytest.mark.parametrize("forge", ["missing", "empty", "tampered body", "wrong secret",
                                   "other body", "garbage", "non-ascii"])
async def test_a_webhook_with_a_bad_signature_changes_nothing(
    shop: InMemoryShop, forge: str,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    body = FakePaymentGateway.webhook_body(CAPTURED, checkout.provider_order_id, order.total)
    good = shop.payment_gateway.sign_webhook(body)
    signature: str | None = {
        "missing": None,
        "empty": "",
        "tampered body": good,
        "wrong secret": hmac.new(b"another-secret", body, hashlib.sha256).hexdigest(),
        "other body": shop.payment_gateway.sign_webhook(body + b" "),
        "garbage": "not-a-signature",
        "non-ascii": "sïgnature",
    }[forge]
    sent = body.replace(b'"amount":299800', b'"amount":100') if forge == "tampered body" else body
    with pytest.raises(InvalidWebhookSignature):
        await shop.handle_razorpay_webhook(HandleRazorpayWebhookCommand(sent, signature, "evt_1"))
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.CREATED)
    async with shop.database.unit_of_work() as work:
        assert not await work.payments.event_seen("evt_1")


async def test_a_replayed_event_is_handled_once(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    assert await send(shop, "payment.failed", checkout) is WebhookOutcome.PROCESSED
    assert await send(shop, "payment.failed", checkout) is WebhookOutcome.DUPLICATE
    assert await send(shop, CAPTURED, checkout, event_id="evt_2") is WebhookOutcome.PROCESSED
    assert await send(shop, CAPTURED, checkout, event_id="evt_2") is WebhookOutcome.DUPLICATE
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)


async def test_without_an_event_id_the_body_identifies_the_event(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    assert await send(shop, CAPTURED, checkout, event_id=None) is WebhookOutcome.PROCESSED
    assert await send(shop, CAPTURED, checkout, event_id=None) is WebhookOutcome.DUPLICATE
    assert await send(shop, CAPTURED, checkout, event_id="x" * 500) is WebhookOutcome.DUPLICATE


@pytest.mark.parametrize("late", ["payment.authorized", "payment.failed", CAPTURED])
async def test_late_news_never_moves_a_captured_payment_back(
    shop: InMemoryShop, late: str,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    await send(shop, CAPTURED, checkout, event_id="evt_captured")
    assert await send(shop, late, checkout, event_id="evt_late") is WebhookOutcome.IGNORED
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)


async def test_an_authorization_after_a_failed_attempt_is_taken(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    await send(shop, "payment.failed", checkout, event_id="e1", payment_id="pay_A")
    await send(shop, "payment.authorized", checkout, event_id="e2", payment_id="pay_B")
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.AUTHORIZED)
    await send(shop, CAPTURED, checkout, event_id="e3", payment_id="pay_B")
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)


@pytest.mark.parametrize("amount", [Money(299_799), Money(299_801), Money(299_800, "USD")])
async def test_a_capture_of_another_amount_or_currency_never_pays_the_order(
    shop: InMemoryShop, amount: Money,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    assert await send(shop, CAPTURED, checkout, amount=amount) is WebhookOutcome.AMOUNT_MISMATCH
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.CREATED)
    assert await send(shop, CAPTURED, checkout, amount=amount) is WebhookOutcome.DUPLICATE


async def test_events_we_do_not_know_or_act_on_are_acknowledged(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    other = await send(shop, CAPTURED, Checkout(order.id, "x", "fake", "k", "order_unknown",
                                                order.total, PaymentStatus.CREATED))
    assert other is WebhookOutcome.UNKNOWN_PAYMENT
    assert await send(shop, "order.paid", checkout, event_id="e2") is WebhookOutcome.IGNORED
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.CREATED)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"event": 1}', b"\xff\xfe",
                                  b'{"event": "payment.captured", "payload": {}}',
                                  b'{"event": "payment.captured", "payload": {"payment": '
                                  b'{"entity": {"id": "pay_A", "amount": "100", '
                                  b'"currency": "INR"}}}}'])
async def test_a_signed_body_that_is_not_an_event_is_malformed(
    shop: InMemoryShop, body: bytes,
) -> None:
    signature = shop.payment_gateway.sign_webhook(body)
    with pytest.raises(MalformedWebhook):
        await shop.handle_razorpay_webhook(HandleRazorpayWebhookCommand(body, signature, "e"))


async def test_a_payment_captured_for_a_cancelled_order_is_refunded(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert await send(shop, CAPTURED, checkout) is WebhookOutcome.PROCESSED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    (refund,) = shop.payment_gateway.refunds.values()
    assert refund.provider_payment_id == "pay_A" and refund.amount == order.total


async def test_a_refund_that_fails_after_a_late_capture_is_retried_later(
    shop: InMemoryShop,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    shop.payment_gateway.failing_refunds = True
    assert await send(shop, CAPTURED, checkout) is WebhookOutcome.PROCESSED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUND_PENDING)
    assert (await shop.retry_refunds()).accepted == 0
    shop.payment_gateway.failing_refunds = False
    retried = await shop.retry_refunds()
    assert (retried.attempted, retried.accepted) == (1, 1)
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert (await shop.retry_refunds()).attempted == 0


# --- ConfirmCheckout ----------------------------------------------------------------------

def confirmation(shop: InMemoryShop, checkout: Checkout, *, user: str = BUYER,
                 payment_id: str = "pay_A", signature: str | None = None,
                 provider_order_id: str | None = None) -> ConfirmCheckoutCommand:
    """What the buyer's browser passes on from Razorpay Checkout's handler."""
    signed = shop.payment_gateway.sign_checkout(checkout.provider_order_id, payment_id)
    return ConfirmCheckoutCommand(
        user_id=user, order_id=checkout.order_id,
        provider_order_id=provider_order_id or checkout.provider_order_id,
        provider_payment_id=payment_id,
        signature=signed if signature is None else signature)


async def test_a_signed_checkout_answer_authorizes_the_payment_but_does_not_pay_the_order(
    shop: InMemoryShop,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    confirmed = await shop.confirm_checkout(confirmation(shop, checkout))
    assert confirmed == replace(checkout, status=PaymentStatus.AUTHORIZED)
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.AUTHORIZED)
    assert (await payment_of(shop, order)).provider_payment_id == "pay_A"
    again = await shop.confirm_checkout(confirmation(shop, checkout))
    assert again == confirmed
    assert await send(shop, CAPTURED, checkout) is WebhookOutcome.PROCESSED
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)
    after = await shop.confirm_checkout(confirmation(shop, checkout))  # late: no change
    assert after.status is PaymentStatus.CAPTURED


async def test_a_checkout_answer_after_a_failed_attempt_authorizes_the_new_attempt(
    shop: InMemoryShop,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    assert await send(shop, "payment.failed", checkout,
                      payment_id="pay_First") is WebhookOutcome.PROCESSED
    confirmed = await shop.confirm_checkout(confirmation(shop, checkout, payment_id="pay_B"))
    assert confirmed.status is PaymentStatus.AUTHORIZED
    assert (await payment_of(shop, order)).provider_payment_id == "pay_B"


@pytest.mark.parametrize("forgery", ["signature", "other payment", "other provider order",
                                     "empty signature"])
async def test_a_checkout_answer_without_the_providers_signature_changes_nothing(
    shop: InMemoryShop, forgery: str,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    valid = confirmation(shop, checkout)
    forged = {
        "signature": replace(valid, signature="0" * 64),
        "other payment": replace(valid, provider_payment_id="pay_B"),
        "other provider order": replace(valid, provider_order_id="order_other"),
        "empty signature": replace(valid, signature=""),
    }[forgery]
    with pytest.raises(InvalidCheckoutSignature):
        await shop.confirm_checkout(forged)
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.CREATED)


async def test_only_the_owner_confirms_and_only_an_opened_payment(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    unpaid = Checkout(order.id, "none", "fake", "k", "order_none", order.total,
                      PaymentStatus.CREATED)
    with pytest.raises(NotFound):
        await shop.confirm_checkout(confirmation(shop, unpaid))
    checkout = await pay(shop, order)
    with pytest.raises(NotFound):
        await shop.confirm_checkout(confirmation(shop, checkout, user=OTHER))
    with pytest.raises(NotFound):
        await shop.confirm_checkout(replace(confirmation(shop, checkout), order_id="no-such"))
    assert await state(shop, order) == (OrderStatus.PLACED, PaymentStatus.CREATED)


# --- cancelling a paid order -------------------------------------------------------------

async def paid_order(shop: InMemoryShop) -> tuple[Order, Checkout]:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    await send(shop, CAPTURED, checkout, event_id="evt_paid")
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)
    return order, checkout


async def test_cancelling_a_paid_order_refunds_it_and_restores_stock(shop: InMemoryShop) -> None:
    order, _ = await paid_order(shop)
    assert await stock(shop) == STOCK - 2
    cancelled = await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert cancelled.status is OrderStatus.CANCELLED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert await stock(shop) == STOCK
    ((key, refund),) = shop.payment_gateway.refunds.items()
    assert refund.amount == order.total and refund.provider_payment_id == "pay_A"
    assert key.startswith("shopcore-refund-")


async def test_a_refused_refund_leaves_the_order_paid_and_cancelling_again_retries_it(
    shop: InMemoryShop,
) -> None:
    order, _ = await paid_order(shop)
    shop.payment_gateway.failing_refunds = True
    with pytest.raises(RefundFailed) as caught:
        await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert caught.value.order_id == order.id
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.REFUND_PENDING)
    assert await stock(shop) == STOCK - 2
    # an admin cannot slip the order past the owed refund unnoticed: it is still paid
    shop.payment_gateway.failing_refunds = False
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert await stock(shop) == STOCK
    assert len(shop.payment_gateway.refunds) == 1 and shop.payment_gateway.refund_calls == 2


async def test_an_order_whose_payment_owes_a_refund_is_not_shipped(shop: InMemoryShop) -> None:
    order, checkout = await paid_order(shop)
    shop.payment_gateway.failing_refunds = True
    with pytest.raises(RefundFailed):
        await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    with pytest.raises(RefundOwed) as refused:  # its owner is cancelling it
        await shop.change_order_status(ChangeOrderStatusCommand(order.id, "shipped"))
    assert isinstance(refused.value, InvalidState)  # 409 invalid_state over HTTP
    assert "refunded" in str(refused.value)
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.REFUND_PENDING)
    shop.payment_gateway.failing_refunds = False
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)


async def test_a_pending_refund_completes_with_the_refund_processed_event(
    shop: InMemoryShop,
) -> None:
    order, checkout = await paid_order(shop)
    shop.payment_gateway.processes_refunds = False
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUND_PENDING)
    assert (await shop.retry_refunds()).attempted == 0  # accepted, just not processed yet
    partial = await send(shop, "refund.processed", checkout, event_id="evt_partial",
                         refund_amount=Money(100))
    assert partial is WebhookOutcome.AMOUNT_MISMATCH
    assert await send(shop, "refund.processed", checkout,
                      event_id="evt_refund") is WebhookOutcome.PROCESSED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)


async def payment_of(shop: InMemoryShop, order: Order) -> Payment:
    async with shop.database.unit_of_work() as work:
        payment = await work.payments.get_for_order(order.id)
    assert payment is not None
    return payment


async def test_a_refund_that_fails_after_it_was_accepted_is_asked_again_under_a_new_key(
    shop: InMemoryShop,
) -> None:
    order, checkout = await paid_order(shop)
    gateway = shop.payment_gateway
    gateway.processes_refunds = False
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    ((first_key, first),) = gateway.refunds.items()
    assert await send(shop, "refund.failed", checkout, event_id="evt_other",
                      refund_id="rfnd_other0000001") is WebhookOutcome.IGNORED
    assert (await payment_of(shop, order)).provider_refund_id == first.refund_id
    failed = await send(shop, "refund.failed", checkout, event_id="evt_failed",
                        refund_id=first.refund_id)
    assert failed is WebhookOutcome.PROCESSED
    owed = await payment_of(shop, order)
    assert (owed.status, owed.provider_refund_id, owed.refund_attempt) == (
        PaymentStatus.REFUND_PENDING, None, 1)
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUND_PENDING)
    assert await send(shop, "refund.failed", checkout, event_id="evt_failed",
                      refund_id=first.refund_id) is WebhookOutcome.DUPLICATE
    assert gateway.refund_calls == 1  # asked again later, not at once

    retried = await shop.retry_refunds()
    assert (retried.attempted, retried.accepted) == (1, 1)
    second_key, second = list(gateway.refunds.items())[1]
    assert second_key != first_key and second.refund_id != first.refund_id
    assert second.amount == order.total
    assert (await payment_of(shop, order)).provider_refund_id == second.refund_id
    assert (await shop.retry_refunds()).attempted == 0  # accepted: waiting for the provider
    late = await send(shop, "refund.failed", checkout, event_id="evt_failed_late",
                      refund_id=first.refund_id)
    assert late is WebhookOutcome.IGNORED  # the first refund's news, again: stale
    assert await send(shop, "refund.processed", checkout, event_id="evt_done",
                      refund_id=second.refund_id) is WebhookOutcome.PROCESSED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert await send(shop, "refund.failed", checkout, event_id="evt_after",
                      refund_id=second.refund_id) is WebhookOutcome.IGNORED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)


async def test_an_answer_to_an_attempt_that_failed_meanwhile_is_not_recorded(
    shop: InMemoryShop, monkeypatch: pytest.MonkeyPatch,
) -> None:
    order, checkout = await paid_order(shop)
    gateway = shop.payment_gateway
    gateway.processes_refunds, gateway.failing_refunds = False, True
    with pytest.raises(RefundFailed):
        await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    gateway.failing_refunds = False
    refund = gateway.refund

    async def answer_slowly(provider_payment_id: str, amount: Money,
                            idempotency_key: str) -> ProviderRefund:
        """While this answer travels, another run records the same refund, which then
        fails."""
        accepted = await refund(provider_payment_id, amount, idempotency_key)
        if gateway.refund_calls == 2:
            assert (await shop.retry_refunds()).accepted == 1
            assert await send(shop, "refund.failed", checkout, event_id="evt_failed",
                              refund_id=accepted.refund_id) is WebhookOutcome.PROCESSED
        return accepted

    monkeypatch.setattr(gateway, "refund", answer_slowly)
    assert (await shop.retry_refunds()).accepted == 1
    owed = await payment_of(shop, order)
    assert (owed.status, owed.provider_refund_id, owed.refund_attempt) == (
        PaymentStatus.REFUND_PENDING, None, 1)  # still owed, in its second attempt


async def test_a_capture_that_lands_after_the_refund_step_looked_is_refunded(
    shop: InMemoryShop, monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = await placed_order(shop)
    checkout = await pay(shop, order)
    look = shop.payment_refunds.refund_before_cancel
    captured: list[WebhookOutcome] = []

    async def then_the_capture(user_id: str, order_id: str) -> None:
        await look(user_id, order_id)  # the order is placed: nothing to refund yet
        if not captured:
            captured.append(await send(shop, CAPTURED, checkout))

    monkeypatch.setattr(shop.payment_refunds, "refund_before_cancel", then_the_capture)
    cancelled = await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert captured == [WebhookOutcome.PROCESSED]  # it paid the order meanwhile
    assert cancelled.status is OrderStatus.CANCELLED
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    (refund,) = shop.payment_gateway.refunds.values()
    assert refund.amount == order.total and refund.provider_payment_id == "pay_A"
    assert await stock(shop) == STOCK


async def test_cancelling_an_unpaid_order_asks_for_no_refund(shop: InMemoryShop) -> None:
    order = await placed_order(shop)
    await pay(shop, order)
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert await state(shop, order) == (OrderStatus.CANCELLED, PaymentStatus.CREATED)
    assert shop.payment_gateway.refund_calls == 0


async def test_an_order_marked_paid_without_a_payment_cancels_without_a_refund(
    shop: InMemoryShop,
) -> None:
    order = await placed_order(shop)
    await shop.change_order_status(ChangeOrderStatusCommand(order.id, "paid"))
    await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert await state(shop, order) == (OrderStatus.CANCELLED, None)
    assert shop.payment_gateway.refund_calls == 0


async def test_someone_elses_paid_order_is_neither_refunded_nor_cancelled(
    shop: InMemoryShop,
) -> None:
    order, _ = await paid_order(shop)
    with pytest.raises(NotFound):
        await shop.cancel_order(CancelOrderCommand(OTHER, order.id))
    assert await state(shop, order) == (OrderStatus.PAID, PaymentStatus.CAPTURED)
    assert shop.payment_gateway.refund_calls == 0


async def test_a_shipped_order_is_not_refunded(shop: InMemoryShop) -> None:
    order, _ = await paid_order(shop)
    await shop.change_order_status(ChangeOrderStatusCommand(order.id, "shipped"))
    with pytest.raises(InvalidState):
        await shop.cancel_order(CancelOrderCommand(BUYER, order.id))
    assert shop.payment_gateway.refund_calls == 0


def test_the_fake_signs_checkout_callbacks_like_razorpay() -> None:
    gateway = FakePaymentGateway()
    signature = gateway.sign_checkout("order_1", "pay_1")
    assert signature == hmac.new(b"fake-key-secret", b"order_1|pay_1", hashlib.sha256).hexdigest()
    assert gateway.verify_checkout_signature("order_1", "pay_1", signature)
    assert not gateway.verify_checkout_signature("order_2", "pay_1", signature)
    assert json.loads(gateway.webhook_body(CAPTURED, "order_1", PRICE))["event"] == CAPTURED
