"""In-memory payments: the repository fake, and a payment provider for development
and tests that can be told to fail and signs like Razorpay does."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shopcore.adapters.razorpay import (
    checkout_message,
    hmac_sha256_hex,
    read_razorpay_event,
    signature_matches,
)
from shopcore.application.ports.payments import (
    PaymentEventRecord,
    PaymentExists,
    ProviderEvent,
    ProviderOrder,
    ProviderRefund,
)
from shopcore.domain.money import Money
from shopcore.domain.payments import Payment, PaymentProviderFailed, PaymentStatus

if TYPE_CHECKING:
    from shopcore.adapters.memory.unit_of_work import MemoryState


class MemoryPaymentRepository:
    """Payments by id, and the handled events by event id."""

    def __init__(self, state: MemoryState) -> None:
        self._payments = state.payments
        self._events = state.payment_events

    async def add(self, payment: Payment) -> None:
        if payment.id in self._payments:
            raise ValueError(f"duplicate payment {payment.id}")
        if any(p.order_id == payment.order_id for p in self._payments.values()):
            raise PaymentExists()
        self._payments[payment.id] = payment

    async def get(self, payment_id: str) -> Payment | None:
        return self._payments.get(payment_id)

    async def get_for_order(self, order_id: str) -> Payment | None:
        return next((p for p in self._payments.values() if p.order_id == order_id), None)

    async def get_by_provider_order_id(self, provider_order_id: str) -> Payment | None:
        return next((p for p in self._payments.values()
                     if p.provider_order_id == provider_order_id), None)

    async def save(self, payment: Payment, previous: Payment) -> bool:
        current = self._payments.get(payment.id)
        if (current is None or current.status is not previous.status
                or current.refund_attempt != previous.refund_attempt):
            return False
        self._payments[payment.id] = payment
        return True

    async def refunds_to_request(self, limit: int) -> Sequence[Payment]:
        owed = [p for p in self._payments.values()
                if p.status is PaymentStatus.REFUND_PENDING and p.provider_refund_id is None]
        return sorted(owed, key=lambda p: (p.updated_at, p.id))[:limit]

    async def event_seen(self, event_id: str) -> bool:
        return event_id in self._events

    async def record_event(self, record: PaymentEventRecord) -> bool:
        if record.event_id in self._events:
            return False
        self._events[record.event_id] = record
        return True


@dataclass(frozen=True, slots=True)
class FakeRefund:
    """A refund the fake provider accepted."""

    refund_id: str
    provider_payment_id: str
    amount: Money


class FakePaymentGateway:
    """A payment provider in process memory, for development and tests.

    It signs exactly as Razorpay does (HMAC-SHA256 with its own secrets) and reads
    Razorpay-shaped webhooks, so the whole payment flow runs without the network:
    ``webhook_body`` makes an event, ``sign_webhook`` its signature. Set ``failing`` to
    make every call fail, ``failing_refunds`` for refunds only, and ``processes_refunds``
    to ``False`` for refunds that stay pending until a ``refund.processed`` event.
    """

    name = "fake"

    def __init__(
        self,
        key_id: str = "rzp_test_fake",
        key_secret: str = "fake-key-secret",
        webhook_secret: str = "fake-webhook-secret",
    ) -> None:
        self._key_id = key_id
        self._key_secret = key_secret
        self._webhook_secret = webhook_secret
        self.failing = False
        self.failing_refunds = False
        self.processes_refunds = True
        self.orders: dict[str, tuple[str, Money]] = {}
        """Provider order id -> (our order id, amount)."""
        self.refunds: dict[str, FakeRefund] = {}
        """Idempotency key -> the refund made with it."""
        self.refund_calls = 0

    def __repr__(self) -> str:
        return f"FakePaymentGateway(key_id={self._key_id!r})"

    @property
    def key_id(self) -> str:
        return self._key_id

    async def create_order(self, order_id: str, amount: Money) -> ProviderOrder:
        if self.failing:
            raise PaymentProviderFailed()
        provider_order_id = f"order_fake{len(self.orders) + 1:010d}"
        self.orders[provider_order_id] = (order_id, amount)
        return ProviderOrder(provider_order_id, amount)

    def verify_checkout_signature(
        self, provider_order_id: str, provider_payment_id: str, signature: str
    ) -> bool:
        return signature_matches(self.sign_checkout(provider_order_id, provider_payment_id),
                                 signature)

    def verify_webhook_signature(self, raw_body: bytes, signature: str) -> bool:
        return signature_matches(self.sign_webhook(raw_body), signature)

    def parse_webhook(self, raw_body: bytes) -> ProviderEvent:
        return read_razorpay_event(raw_body)

    async def refund(
        self, provider_payment_id: str, amount: Money, idempotency_key: str
    ) -> ProviderRefund:
        self.refund_calls += 1
        if self.failing or self.failing_refunds:
            raise PaymentProviderFailed()
        refund = self.refunds.get(idempotency_key)
        if refund is None:
            refund = FakeRefund(f"rfnd_fake{len(self.refunds) + 1:010d}", provider_payment_id,
                                amount)
            self.refunds[idempotency_key] = refund
        return ProviderRefund(refund.refund_id, processed=self.processes_refunds)

    # --- what the real provider's side would do -----------------------------------------

    def sign_checkout(self, provider_order_id: str, provider_payment_id: str) -> str:
        """The ``razorpay_signature`` Checkout would hand the browser."""
        return hmac_sha256_hex(self._key_secret,
                               checkout_message(provider_order_id, provider_payment_id))

    def sign_webhook(self, raw_body: bytes) -> str:
        """The ``X-Razorpay-Signature`` of ``raw_body``."""
        return hmac_sha256_hex(self._webhook_secret, raw_body)

    @staticmethod
    def webhook_body(
        event: str,
        provider_order_id: str,
        amount: Money,
        *,
        provider_payment_id: str = "pay_fake0000000001",
        refund_id: str = "rfnd_fake0000000001",
        refund_amount: Money | None = None,
    ) -> bytes:
        """A Razorpay-shaped webhook body (the documented fields we read, plus a few
        others) for ``payment.*`` and ``refund.*`` events."""
        status = {"payment.authorized": "authorized", "payment.failed": "failed"}.get(
            event, "captured")
        payment: dict[str, Any] = {
            "id": provider_payment_id, "entity": "payment", "amount": amount.minor,
            "currency": amount.currency, "status": status, "order_id": provider_order_id,
            "method": "upi", "captured": status == "captured", "amount_refunded": 0,
            "created_at": 1_767_261_600,
        }
        payload: dict[str, Any] = {"payment": {"entity": payment}}
        contains = ["payment"]
        if event.startswith("refund."):
            refunded = refund_amount or amount
            payload["refund"] = {"entity": {
                "id": refund_id, "entity": "refund", "amount": refunded.minor,
                "currency": refunded.currency, "payment_id": provider_payment_id,
                "status": "failed" if event == "refund.failed" else "processed",
                "created_at": 1_767_261_700}}
            contains = ["refund", "payment"]
        document = {"entity": "event", "account_id": "acc_fake", "event": event,
                    "contains": contains, "payload": payload, "created_at": 1_767_261_800}
        return json.dumps(document, separators=(",", ":")).encode()
