"""One PaymentGateway contract, run against the shipped FakePaymentGateway and
RazorpayPaymentGateway (an httpx MockTransport playing Razorpay's documented API:
orders echo their amount, refunds are idempotent by ``X-Refund-Idempotency``)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from shopcore.adapters.memory.payments import FakePaymentGateway
from shopcore.adapters.razorpay import RazorpayPaymentGateway
from shopcore.application.ports import MalformedWebhook, PaymentEventKind, PaymentGateway
from shopcore.domain.money import Money
from shopcore.domain.payments import PaymentProviderFailed

KEY_ID, KEY_SECRET, WEBHOOK_SECRET = "rzp_test_contract", "key-secret-1", "webhook-secret-1"
AMOUNT = Money(129_900)


@dataclass
class Gateway:
    """A gateway under test and a switch making every provider call fail."""

    gateway: PaymentGateway
    break_it: Callable[[], None]


class RazorpayLike:
    """Answers ``POST /v1/orders`` and ``POST /v1/payments/:id/refund`` the way the
    Razorpay API documents them (see docs/payments.md)."""

    def __init__(self) -> None:
        self.down = False
        self.orders = 0
        self.refunds: dict[str, str] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(500, json={"error": {"code": "SERVER_ERROR"}})
        body = json.loads(request.content)
        if request.url.path == "/v1/orders":
            self.orders += 1
            return httpx.Response(200, json={
                "id": f"order_C{self.orders:013d}", "entity": "order", "amount": body["amount"],
                "currency": body["currency"], "receipt": body["receipt"], "status": "created"})
        key = request.headers["X-Refund-Idempotency"]
        refund_id = self.refunds.setdefault(key, f"rfnd_C{len(self.refunds) + 1:013d}")
        return httpx.Response(200, json={"id": refund_id, "entity": "refund",
                                         "amount": body["amount"], "status": "processed"})


@pytest.fixture(params=["fake", "razorpay"])
async def payment_gateway(request: pytest.FixtureRequest) -> AsyncIterator[Gateway]:
    if request.param == "fake":
        fake = FakePaymentGateway(KEY_ID, KEY_SECRET, WEBHOOK_SECRET)

        def fail_fake() -> None:
            fake.failing = True

        yield Gateway(fake, fail_fake)
        return
    provider = RazorpayLike()

    def fail_provider() -> None:
        provider.down = True

    async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
        yield Gateway(RazorpayPaymentGateway(client, KEY_ID, KEY_SECRET, WEBHOOK_SECRET),
                      fail_provider)


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def test_an_order_is_opened_for_the_amount(payment_gateway: Gateway) -> None:
    gateway = payment_gateway.gateway
    first = await gateway.create_order("order-1", AMOUNT)
    second = await gateway.create_order("order-2", AMOUNT)
    assert first.amount == AMOUNT and first.provider_order_id != second.provider_order_id
    assert gateway.key_id == KEY_ID and gateway.name in ("fake", "razorpay")


async def test_a_refund_asked_twice_with_one_key_is_one_refund(
        payment_gateway: Gateway) -> None:
    gateway = payment_gateway.gateway
    first = await gateway.refund("pay_1", AMOUNT, "refund-key-1")
    again = await gateway.refund("pay_1", AMOUNT, "refund-key-1")
    other = await gateway.refund("pay_2", AMOUNT, "refund-key-2")
    assert first.refund_id == again.refund_id != other.refund_id


async def test_a_failing_provider_is_payment_provider_failed_without_secrets(
        payment_gateway: Gateway) -> None:
    payment_gateway.break_it()
    for call in (payment_gateway.gateway.create_order("order-1", AMOUNT),
                 payment_gateway.gateway.refund("pay_1", AMOUNT, "key")):
        with pytest.raises(PaymentProviderFailed) as raised:
            await call
        assert KEY_SECRET not in str(raised.value)


def test_signatures_are_the_hmac_of_exactly_what_was_signed(payment_gateway: Gateway) -> None:
    gateway = payment_gateway.gateway
    body = FakePaymentGateway.webhook_body("payment.captured", "order_X", AMOUNT)
    assert gateway.verify_webhook_signature(body, sign(WEBHOOK_SECRET, body))
    assert not gateway.verify_webhook_signature(body + b" ", sign(WEBHOOK_SECRET, body))
    assert not gateway.verify_webhook_signature(body, sign("another secret", body))
    assert not gateway.verify_webhook_signature(body, "")
    checkout = sign(KEY_SECRET, b"order_X|pay_Y")
    assert gateway.verify_checkout_signature("order_X", "pay_Y", checkout)
    assert not gateway.verify_checkout_signature("order_X", "pay_Z", checkout)


def test_webhooks_read_into_provider_events(payment_gateway: Gateway) -> None:
    gateway = payment_gateway.gateway
    event = gateway.parse_webhook(FakePaymentGateway.webhook_body(
        "payment.captured", "order_X", AMOUNT, provider_payment_id="pay_Y"))
    assert (event.kind, event.provider_order_id, event.provider_payment_id, event.amount) == (
        PaymentEventKind.CAPTURED, "order_X", "pay_Y", AMOUNT)
    assert gateway.parse_webhook(FakePaymentGateway.webhook_body(
        "order.paid", "order_X", AMOUNT)).kind is None
    for garbage in (b"", b"not json", b"[]", b'{"event": "payment.captured"}'):
        with pytest.raises(MalformedWebhook):
            gateway.parse_webhook(garbage)
