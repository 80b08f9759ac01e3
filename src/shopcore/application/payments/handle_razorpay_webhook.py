"""HandleRazorpayWebhook: the provider tells us what happened to a payment."""

from __future__ import annotations

import enum
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from shopcore.application.payments.refunds import PaymentRefunds
from shopcore.application.ports.common import Clock
from shopcore.application.ports.payments import (
    InvalidWebhookSignature,
    PaymentEventKind,
    PaymentEventRecord,
    PaymentGateway,
    ProviderEvent,
)
from shopcore.application.ports.unit_of_work import (
    ConcurrentUpdate,
    UnitOfWork,
    UnitOfWorkFactory,
)
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.ordering import OrderStatus
from shopcore.domain.payments import (
    Payment,
    PaymentAmountMismatch,
    PaymentStatus,
    can_move,
    is_stale,
)

log = logging.getLogger("shopcore.payments")

_EVENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")

_TARGETS = {
    PaymentEventKind.AUTHORIZED: PaymentStatus.AUTHORIZED,
    PaymentEventKind.CAPTURED: PaymentStatus.CAPTURED,
    PaymentEventKind.FAILED: PaymentStatus.FAILED,
    PaymentEventKind.REFUND_PROCESSED: PaymentStatus.REFUNDED,
}


class WebhookOutcome(enum.StrEnum):
    """What a verified webhook did (every outcome is acknowledged to the provider)."""

    PROCESSED = "processed"
    """The payment (and maybe its order) moved."""
    DUPLICATE = "duplicate"
    """This event id was handled before; nothing changed."""
    IGNORED = "ignored"
    """An event we do not act on, or stale news (out of order or repeated)."""
    UNKNOWN_PAYMENT = "unknown_payment"
    """No payment of ours has this provider order id."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """The provider reports another amount or currency: nothing moved (logged as an
    error: it needs a person)."""


@dataclass(frozen=True, slots=True)
class HandleRazorpayWebhookCommand:
    """A webhook request as received: the exact raw body, its ``X-Razorpay-Signature``
    and ``X-Razorpay-Event-Id`` headers (``None`` when absent)."""

    raw_body: bytes
    signature: str | None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Applied:
    outcome: WebhookOutcome
    refund_due: Payment | None = None


class HandleRazorpayWebhook:
    """Checks the signature over the raw body (``InvalidWebhookSignature``: nothing is
    read nor changed), then applies the event once per event id, in one transaction:

    - ``payment.authorized`` / ``payment.failed`` move the payment;
    - ``payment.captured`` for exactly the payment's amount and currency captures it
      and moves its placed order to ``paid`` (through the order's transition table);
      for an order cancelled meanwhile the money is owed back and refunded at once;
    - ``refund.processed`` for the whole amount marks the payment refunded;
    - ``refund.failed`` of the refund the payment waits for leaves the money owed, to be
      asked for again in a new attempt (``RetryRefunds``, or cancelling again); not at
      once, since a refund the provider just failed would likely fail again.

    Events never move a payment backwards: stale ones are acknowledged and ignored.
    Events without an ``X-Razorpay-Event-Id`` are known by the SHA-256 of their body.
    """

    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway,
                 refunds: PaymentRefunds, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._refunds = refunds
        self._clock = clock

    async def __call__(self, cmd: HandleRazorpayWebhookCommand) -> WebhookOutcome:
        if not cmd.signature or not self._gateway.verify_webhook_signature(
                cmd.raw_body, cmd.signature):
            log.warning("refused a webhook with a missing or wrong signature")
            raise InvalidWebhookSignature()
        event = self._gateway.parse_webhook(cmd.raw_body)
        event_id = _event_id(cmd.event_id, cmd.raw_body)
        applied = await retry_on_concurrent_update(lambda: self._apply(event_id, event))
        if applied.refund_due is not None:
            await self._refunds.request_refund(applied.refund_due)
        log.info("webhook %s (%s): %s", event_id, event.name, applied.outcome)
        return applied.outcome

    async def _apply(self, event_id: str, event: ProviderEvent) -> _Applied:
        async with self._uow() as uow:
            if await uow.payments.event_seen(event_id):
                return _Applied(WebhookOutcome.DUPLICATE)
            payment = None
            if event.kind is not None and event.provider_order_id is not None:
                payment = await uow.payments.get_by_provider_order_id(event.provider_order_id)
            if event.kind is None:
                applied = _Applied(WebhookOutcome.IGNORED)
            elif payment is None:
                log.warning("webhook %s (%s) for unknown provider order %s", event_id,
                            event.name, event.provider_order_id)
                applied = _Applied(WebhookOutcome.UNKNOWN_PAYMENT)
            else:
                applied = await self._move(uow, payment, event)
            record = PaymentEventRecord(
                event_id=event_id, provider=self._gateway.name, name=event.name,
                payment_id=payment.id if payment else None, outcome=applied.outcome.value,
                received_at=self._clock.now())
            if not await uow.payments.record_event(record):
                raise ConcurrentUpdate()  # the same event, handled concurrently: replay
            await uow.commit()
        return applied

    async def _move(self, uow: UnitOfWork, payment: Payment, event: ProviderEvent) -> _Applied:
        assert event.kind is not None and event.amount is not None
        if event.kind is PaymentEventKind.REFUND_FAILED:
            return await self._fail_refund(uow, payment, event)
        target = _TARGETS[event.kind]
        if is_stale(payment.status, target) or not can_move(payment.status, target):
            log.info("payment %s is %s: %s ignored", payment.id, payment.status, event.name)
            return _Applied(WebhookOutcome.IGNORED)
        now = self._clock.now()
        try:
            moved = _moved(payment, event, now)
        except PaymentAmountMismatch as mismatch:
            log.error("payment %s of order %s: %s %s; nothing changed", payment.id,
                      payment.order_id, event.name, mismatch.detail)
            return _Applied(WebhookOutcome.AMOUNT_MISMATCH)
        refund_due = None
        if moved.status is PaymentStatus.CAPTURED:
            moved, refund_due = await self._settle_order(uow, moved, now)
        if not await uow.payments.save(moved, previous=payment):
            raise ConcurrentUpdate()
        return _Applied(WebhookOutcome.PROCESSED, refund_due)

    async def _fail_refund(self, uow: UnitOfWork, payment: Payment,
                           event: ProviderEvent) -> _Applied:
        if (payment.status is not PaymentStatus.REFUND_PENDING
                or payment.provider_refund_id is None
                or payment.provider_refund_id != event.refund_id):
            log.info("payment %s is %s with refund %s: %s of refund %s ignored", payment.id,
                     payment.status, payment.provider_refund_id, event.name, event.refund_id)
            return _Applied(WebhookOutcome.IGNORED)
        failed = payment.refund_failed(self._clock.now())
        if not await uow.payments.save(failed, previous=payment):
            raise ConcurrentUpdate()
        log.error("refund %s of payment %s (order %s) failed at the provider: the money is "
                  "still owed; `shopcore payments retry-refunds` asks again", event.refund_id,
                  payment.id, payment.order_id)
        return _Applied(WebhookOutcome.PROCESSED)

    async def _settle_order(self, uow: UnitOfWork, captured: Payment,
                            now: datetime) -> tuple[Payment, Payment | None]:
        """Pay the captured payment's order; for a cancelled order, owe the money back."""
        order = await uow.orders.get(captured.order_id)
        if order is None:
            raise ConcurrentUpdate()  # cannot happen: payments reference their order
        if order.status is OrderStatus.PLACED:
            paid = captured.pay(order, now)
            if not await uow.orders.save_status(paid, previous=order.status):
                raise ConcurrentUpdate()
            log.info("order %s is paid (payment %s)", order.id, captured.id)
            return captured, None
        if order.status is OrderStatus.CANCELLED:
            log.warning("payment %s captured for cancelled order %s: refunding it",
                        captured.id, order.id)
            owed = captured.owe_refund(now)
            return owed, owed
        log.warning("payment %s captured for order %s, which is already %s", captured.id,
                    order.id, order.status)
        return captured, None


def _moved(payment: Payment, event: ProviderEvent, now: datetime) -> Payment:
    """The payment after ``event`` (a move the table allows; ``PaymentAmountMismatch``
    when the provider's amount or currency is not the payment's)."""
    assert event.amount is not None
    attempt = event.provider_payment_id or ""
    if event.kind is PaymentEventKind.AUTHORIZED:
        return payment.authorize(attempt, event.amount, now)
    if event.kind is PaymentEventKind.CAPTURED:
        return payment.capture(attempt, event.amount, now)
    if event.kind is PaymentEventKind.FAILED:
        return payment.fail(event.provider_payment_id, now)
    return payment.refunded(event.refund_id, event.amount, now)


def _event_id(header: str | None, raw_body: bytes) -> str:
    """The provider's event id, or (absent or unusable) the body's SHA-256."""
    if header is not None and _EVENT_ID.fullmatch(header.strip()):
        return header.strip()
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()
