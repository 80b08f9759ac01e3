"""Ports of payments: the payment provider, the payment repository, and the refund
step that cancelling a paid order goes through."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shopcore.domain.errors import DomainError
from shopcore.domain.money import Money
from shopcore.domain.payments import Payment


@dataclass(frozen=True, slots=True)
class ProviderOrder:
    """What the provider made of our order: its own order id, for the checkout."""

    provider_order_id: str
    amount: Money


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    """A refund the provider accepted; ``processed`` when the money is already back."""

    refund_id: str
    processed: bool


class PaymentEventKind(enum.StrEnum):
    """The provider events that move a payment."""

    AUTHORIZED = "payment.authorized"
    CAPTURED = "payment.captured"
    FAILED = "payment.failed"
    REFUND_PROCESSED = "refund.processed"
    REFUND_FAILED = "refund.failed"


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A webhook, read into the provider-neutral facts we act on.

    ``kind`` is ``None`` for events we do not act on (``name`` says which). For payment
    events ``amount`` is the payment's; for refund events it is the refund's.
    """

    name: str
    kind: PaymentEventKind | None
    provider_order_id: str | None = None
    provider_payment_id: str | None = None
    amount: Money | None = None
    refund_id: str | None = None


class MalformedWebhook(DomainError):
    """A correctly signed webhook body that is not the JSON the provider documents."""

    def __init__(self, detail: str = "The webhook body is not a payment event.") -> None:
        super().__init__(detail)


class InvalidWebhookSignature(DomainError):
    """A webhook without a signature, or whose signature does not match its raw body."""

    def __init__(self) -> None:
        super().__init__("The webhook signature is missing or does not match the body.")


class InvalidCheckoutSignature(DomainError):
    """A checkout confirmation whose signature is not the provider's for this order's
    payment."""

    def __init__(self) -> None:
        super().__init__("The checkout's signature does not match this order's payment.")


class PaymentGateway(Protocol):
    """A payment provider (Razorpay, or the shipped fake).

    Network calls raise ``PaymentProviderFailed`` on any failure (timeout, 4xx, 5xx,
    an answer that is not the documented JSON), never carrying a credential.
    """

    @property
    def name(self) -> str:
        """The provider's name as stored with each payment (``razorpay``, ``fake``)."""
        ...

    @property
    def key_id(self) -> str:
        """The public key the checkout page needs (never the secret)."""
        ...

    async def create_order(self, order_id: str, amount: Money) -> ProviderOrder:
        """Open a provider order for ``amount`` with our ``order_id`` as its receipt."""
        ...

    def verify_checkout_signature(
        self, provider_order_id: str, provider_payment_id: str, signature: str
    ) -> bool:
        """True when the checkout callback's ``signature`` is the provider's for this
        provider order (the one *we* stored) and payment. Constant-time."""
        ...

    def verify_webhook_signature(self, raw_body: bytes, signature: str) -> bool:
        """True when ``signature`` is the provider's signature of exactly ``raw_body``.
        Constant-time."""
        ...

    def parse_webhook(self, raw_body: bytes) -> ProviderEvent:
        """Read a (verified) webhook body; ``MalformedWebhook`` if it is not one."""
        ...

    async def refund(
        self, provider_payment_id: str, amount: Money, idempotency_key: str
    ) -> ProviderRefund:
        """Ask for ``amount`` of the payment back. Asking again with the same
        ``idempotency_key`` returns the first refund instead of refunding twice."""
        ...


class PaymentExists(Exception):
    """Raised by ``PaymentRepository.add``: the order already has a payment (a
    concurrent request made it first). Nothing was written."""


@dataclass(frozen=True, slots=True)
class PaymentEventRecord:
    """A provider event we handled, kept so that the same event is handled once."""

    event_id: str
    provider: str
    name: str
    payment_id: str | None
    outcome: str
    received_at: datetime


class PaymentRepository(Protocol):
    """Stores payments (at most one per order) and the provider events handled."""

    async def add(self, payment: Payment) -> None:
        """Insert the payment; ``PaymentExists`` when its order already has one."""
        ...

    async def get(self, payment_id: str) -> Payment | None: ...

    async def get_for_order(self, order_id: str) -> Payment | None: ...

    async def get_by_provider_order_id(self, provider_order_id: str) -> Payment | None: ...

    async def save(self, payment: Payment, previous: Payment) -> bool:
        """Store the payment's status, provider ids, refund attempt and ``updated_at`` if
        its stored status and refund attempt are still ``previous``'s (the payment as it
        was read); ``False`` (nothing changed) otherwise. Atomic."""
        ...

    async def refunds_to_request(self, limit: int) -> Sequence[Payment]:
        """Payments owing a refund that was never accepted by the provider
        (``refund_pending`` without a refund id), oldest change first."""
        ...

    async def event_seen(self, event_id: str) -> bool:
        """True when an event with this provider event id was already recorded."""
        ...

    async def record_event(self, record: PaymentEventRecord) -> bool:
        """Record a handled event; ``False`` (nothing written, no error that would
        abort the transaction) when its event id is already recorded."""
        ...


class OrderRefunds(Protocol):
    """What cancelling an order needs from payments."""

    async def refund_before_cancel(self, user_id: str, order_id: str) -> None:
        """Give back the money of ``user_id``'s paid order ``order_id`` before it is
        cancelled. Does nothing for an order that is not the user's, not paid, or has
        no captured payment. Raises ``RefundFailed`` when the provider did not accept
        the refund: the order stays paid, its payment ``refund_pending``, and calling
        again retries the refund (never refunding twice)."""
        ...
