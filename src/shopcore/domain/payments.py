"""Payments: one payment per order, its own table of status moves, and the rule that
an order becomes paid only when its payment is captured for the exact total.

A payment follows the provider's word about it (webhooks), which can arrive late, twice
or out of order, so every move goes forward only: ``PAYMENT_PROGRESS`` ranks the
statuses, and each allowed move in ``PAYMENT_TRANSITIONS`` climbs that ranking. An
event that would move a payment to where it already is, or back, is stale.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from shopcore.domain.errors import Conflict, DomainError
from shopcore.domain.money import Money
from shopcore.domain.ordering import InvalidState, Order, OrderStatus


class PaymentStatus(enum.StrEnum):
    """Where a payment is in its life."""

    CREATED = "created"
    """The provider knows the order; nobody has paid yet."""
    AUTHORIZED = "authorized"
    """The customer's bank approved the amount; it is not ours yet."""
    CAPTURED = "captured"
    """The money is taken."""
    FAILED = "failed"
    """An attempt failed; the customer may try again on the same provider order."""
    REFUND_PENDING = "refund_pending"
    """We owe the money back: the refund is not asked for yet, or the provider has
    accepted it (``provider_refund_id`` is set) but not processed it yet."""
    REFUNDED = "refunded"
    """The provider has processed the full refund."""


#: The only place that says which payment status may follow which.
PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = MappingProxyType({
    PaymentStatus.CREATED: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.FAILED}),
    # A later attempt on the same provider order, or a late authorisation.
    PaymentStatus.FAILED: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED}),
    # An authorised payment never captured is refunded by the provider itself.
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.REFUNDED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED}),
    PaymentStatus.REFUND_PENDING: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
})

#: How far along each status is; every allowed move goes up this ranking.
PAYMENT_PROGRESS: Mapping[PaymentStatus, int] = MappingProxyType({
    PaymentStatus.CREATED: 0,
    PaymentStatus.FAILED: 1,
    PaymentStatus.AUTHORIZED: 2,
    PaymentStatus.CAPTURED: 3,
    PaymentStatus.REFUND_PENDING: 4,
    PaymentStatus.REFUNDED: 5,
})


def can_move(current: PaymentStatus, target: PaymentStatus) -> bool:
    """True when ``PAYMENT_TRANSITIONS`` lets a payment go from ``current`` to ``target``."""
    return target in PAYMENT_TRANSITIONS[current]


def is_stale(current: PaymentStatus, target: PaymentStatus) -> bool:
    """True when news of ``target`` comes too late: the payment is already there or
    further along (a repeated or out-of-order event), so it must change nothing."""
    return PAYMENT_PROGRESS[target] <= PAYMENT_PROGRESS[current]


class InvalidPaymentTransition(Conflict):
    """The payment's status does not allow the requested one."""

    def __init__(self, current: PaymentStatus, target: PaymentStatus) -> None:
        super().__init__(f"A payment that is {current} cannot become {target}.")
        self.current = current
        self.target = target


class PaymentAmountMismatch(Conflict):
    """The provider reports an amount or currency other than the payment's."""

    def __init__(self, expected: Money, received: Money) -> None:
        super().__init__(
            f"The payment is for {expected.amount} {expected.currency}, "
            f"the provider reports {received.amount} {received.currency}.")
        self.expected = expected
        self.received = received


class NothingToPay(Conflict):
    """The order's total is zero: there is nothing to collect."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} has nothing to pay.")
        self.order_id = order_id


class PaymentProviderFailed(DomainError):
    """The payment provider failed, timed out, or refused the request. Carries no
    provider detail (and never a credential); the adapter logs what went wrong."""

    def __init__(self, detail: str = "The payment provider could not handle the request; "
                                     "please try again.") -> None:
        super().__init__(detail)


class PaymentsUnavailable(DomainError):
    """The shop takes no online payment (no payment provider is configured)."""

    def __init__(self) -> None:
        super().__init__("This shop takes no online payment.")


class RefundFailed(DomainError):
    """The refund of a paid order could not be started: the order stays paid (and the
    payment ``refund_pending``) and cancelling again retries the refund."""

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"The refund of order {order_id} could not be started, so the order is still "
            "paid and not cancelled; please try again.")
        self.order_id = order_id


@dataclass(frozen=True, slots=True)
class Payment:
    """The money of one order, as one provider order (``provider_order_id``) on which
    the customer may make several attempts; ``provider_payment_id`` is the latest
    attempt the provider told us about."""

    id: str
    order_id: str
    amount: Money
    status: PaymentStatus
    provider: str
    provider_order_id: str
    provider_payment_id: str | None
    provider_refund_id: str | None
    created_at: datetime
    updated_at: datetime
    refund_attempt: int = 0
    """How many refunds of this payment the provider accepted and then failed: each
    new attempt asks with a new idempotency key (:attr:`refund_key`)."""

    @classmethod
    def start(
        cls, payment_id: str, order: Order, provider: str, provider_order_id: str,
        now: datetime,
    ) -> Payment:
        """A new payment of ``order``'s whole total. Only a placed order can be paid
        (``InvalidState`` otherwise); a total of zero is ``NothingToPay``."""
        ensure_payable(order)
        return cls(
            id=payment_id, order_id=order.id, amount=order.total,
            status=PaymentStatus.CREATED, provider=provider,
            provider_order_id=provider_order_id, provider_payment_id=None,
            provider_refund_id=None, created_at=now, updated_at=now,
        )

    @property
    def refund_owed_or_made(self) -> bool:
        """True once the money is owed back or given back."""
        return self.status in (PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED)

    def authorize(self, provider_payment_id: str, amount: Money, now: datetime) -> Payment:
        """The attempt ``provider_payment_id`` was authorised for ``amount``."""
        self._ensure_amount(amount)
        return self._move(PaymentStatus.AUTHORIZED, now, provider_payment_id=provider_payment_id)

    def capture(self, provider_payment_id: str, amount: Money, now: datetime) -> Payment:
        """The attempt ``provider_payment_id`` was captured for ``amount``, which must be
        exactly the payment's amount and currency (``PaymentAmountMismatch``)."""
        self._ensure_amount(amount)
        return self._move(PaymentStatus.CAPTURED, now, provider_payment_id=provider_payment_id)

    def fail(self, provider_payment_id: str | None, now: datetime) -> Payment:
        """The attempt ``provider_payment_id`` failed."""
        return self._move(PaymentStatus.FAILED, now, provider_payment_id=provider_payment_id)

    def owe_refund(self, now: datetime) -> Payment:
        """The captured money must go back (``refund_pending``)."""
        return self._move(PaymentStatus.REFUND_PENDING, now)

    def refund_accepted(self, provider_refund_id: str, now: datetime) -> Payment:
        """The provider accepted our refund request; it stays ``refund_pending`` until
        the provider says it is processed."""
        if self.status is not PaymentStatus.REFUND_PENDING:
            raise InvalidPaymentTransition(self.status, PaymentStatus.REFUND_PENDING)
        return replace(self, provider_refund_id=provider_refund_id, updated_at=now)

    def refund_failed(self, now: datetime) -> Payment:
        """The provider failed the refund it had accepted: the money is still owed and
        the next request is a new attempt, without a refund id, under a new key."""
        if self.status is not PaymentStatus.REFUND_PENDING or self.provider_refund_id is None:
            raise InvalidPaymentTransition(self.status, PaymentStatus.REFUND_PENDING)
        return replace(self, provider_refund_id=None, refund_attempt=self.refund_attempt + 1,
                       updated_at=now)

    def refunded(self, provider_refund_id: str | None, amount: Money, now: datetime) -> Payment:
        """The provider processed a refund of ``amount``, which must be the whole payment
        (``PaymentAmountMismatch`` for a partial refund)."""
        self._ensure_amount(amount)
        return self._move(PaymentStatus.REFUNDED, now, provider_refund_id=provider_refund_id)

    def settles(self, order: Order) -> bool:
        """True when this payment pays ``order``: captured, for that order, for exactly
        its total in its currency."""
        return (self.status is PaymentStatus.CAPTURED and self.order_id == order.id
                and self.amount == order.total)

    def pay(self, order: Order, now: datetime) -> Order:
        """``order`` moved to ``paid`` along the order's own transition table; only a
        payment that :meth:`settles` it may do so (``InvalidPaymentTransition``)."""
        if not self.settles(order):
            raise InvalidPaymentTransition(self.status, PaymentStatus.CAPTURED)
        return order.advance_to(OrderStatus.PAID, now)

    @property
    def refund_key(self) -> str:
        """The idempotency key of this payment's (one, full) refund in its current
        attempt: asking twice with it never refunds twice. The provider answers a key
        with the refund first made with it, even a failed one, so a new attempt (after
        :meth:`refund_failed`) has a key of its own."""
        if self.refund_attempt == 0:
            return f"shopcore-refund-{self.id}"
        return f"shopcore-refund-{self.id}-{self.refund_attempt}"

    def _ensure_amount(self, amount: Money) -> None:
        if amount != self.amount:
            raise PaymentAmountMismatch(self.amount, amount)

    def _move(
        self, target: PaymentStatus, now: datetime, *,
        provider_payment_id: str | None = None, provider_refund_id: str | None = None,
    ) -> Payment:
        """The payment in ``target`` (a move the table allows), keeping the provider ids
        it already has unless new ones are given."""
        if not can_move(self.status, target):
            raise InvalidPaymentTransition(self.status, target)
        return replace(
            self, status=target, updated_at=now,
            provider_payment_id=provider_payment_id or self.provider_payment_id,
            provider_refund_id=provider_refund_id or self.provider_refund_id,
        )


def ensure_payable(order: Order) -> None:
    """Raise unless ``order`` may be paid now: placed (``InvalidState``), with
    something to pay (``NothingToPay``)."""
    if order.status is not OrderStatus.PLACED:
        raise InvalidState(order.status, OrderStatus.PAID)
    if order.total.minor <= 0:
        raise NothingToPay(order.id)
