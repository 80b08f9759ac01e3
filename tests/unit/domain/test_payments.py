"""Payments: the transition table (every pair), forward-only progress, amounts, and the
rule that only a capture of the exact total pays an order."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shopcore.domain.errors import Conflict, DomainError
from shopcore.domain.money import Money
from shopcore.domain.ordering import InvalidState, Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.payments import (
    PAYMENT_PROGRESS,
    PAYMENT_TRANSITIONS,
    InvalidPaymentTransition,
    NothingToPay,
    Payment,
    PaymentAmountMismatch,
    PaymentProviderFailed,
    PaymentStatus,
    RefundFailed,
    can_move,
    ensure_payable,
    is_stale,
)
from shopcore.domain.phone import Phone

S = PaymentStatus
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 10, 5, tzinfo=UTC)
TOTAL = Money(3_999_800)

EXPECTED_TRANSITIONS = {
    (S.CREATED, S.AUTHORIZED), (S.CREATED, S.CAPTURED), (S.CREATED, S.FAILED),
    (S.FAILED, S.AUTHORIZED), (S.FAILED, S.CAPTURED),
    (S.AUTHORIZED, S.CAPTURED), (S.AUTHORIZED, S.REFUNDED),
    (S.CAPTURED, S.REFUND_PENDING), (S.CAPTURED, S.REFUNDED),
    (S.REFUND_PENDING, S.REFUNDED),
}
ALL_PAIRS = list(itertools.product(PaymentStatus, repeat=2))


def an_order(status: OrderStatus = OrderStatus.PLACED, total: Money = TOTAL) -> Order:
    address = ShippingAddress("Asha Rao", "12 MG Road", None, "Bengaluru", "Karnataka",
                              "560001", Phone("+919876543210"))
    order = Order.place("order-0001-abcd", "user-1",
                        [OrderLine(17, "Smartphone", Money(1_999_900), 2)], address, NOW)
    return replace(order, status=status, total=total)


def a_payment(status: PaymentStatus = S.CREATED, **changes: object) -> Payment:
    payment = Payment.start("pay-1", an_order(), "razorpay", "order_R1", NOW)
    return replace(payment, status=status, **changes)  # type: ignore[arg-type]


# --- the table ---------------------------------------------------------------------------

def test_statuses_are_the_stored_strings() -> None:
    assert [s.value for s in PaymentStatus] == [
        "created", "authorized", "captured", "failed", "refund_pending", "refunded"]


def test_every_status_has_a_row_and_a_rank() -> None:
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus) == set(PAYMENT_PROGRESS)


def test_the_table_allows_exactly_the_expected_moves() -> None:
    allowed = {(a, b) for a, targets in PAYMENT_TRANSITIONS.items() for b in targets}
    assert allowed == EXPECTED_TRANSITIONS


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_can_move_follows_the_table(current: PaymentStatus, target: PaymentStatus) -> None:
    assert can_move(current, target) is ((current, target) in EXPECTED_TRANSITIONS)


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED_TRANSITIONS))
def test_every_allowed_move_goes_forward(current: PaymentStatus, target: PaymentStatus) -> None:
    assert PAYMENT_PROGRESS[target] > PAYMENT_PROGRESS[current]
    assert not is_stale(current, target)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_news_of_the_same_or_an_earlier_status_is_stale(
    current: PaymentStatus, target: PaymentStatus
) -> None:
    assert is_stale(current, target) is (PAYMENT_PROGRESS[target] <= PAYMENT_PROGRESS[current])
    if is_stale(current, target):
        assert not can_move(current, target)


def test_refunded_is_final() -> None:
    assert PAYMENT_TRANSITIONS[S.REFUNDED] == frozenset()


# --- moves on the entity --------------------------------------------------------------------

def test_a_new_payment_is_for_the_whole_total_of_a_placed_order() -> None:
    payment = Payment.start("pay-1", an_order(), "razorpay", "order_R1", NOW)
    assert payment.status is S.CREATED and payment.amount == TOTAL
    assert payment.order_id == "order-0001-abcd" and payment.provider_payment_id is None
    assert payment.created_at == payment.updated_at == NOW


@pytest.mark.parametrize("status", [s for s in OrderStatus if s is not OrderStatus.PLACED])
def test_only_a_placed_order_can_be_paid(status: OrderStatus) -> None:
    with pytest.raises(InvalidState):
        Payment.start("pay-1", an_order(status), "razorpay", "order_R1", NOW)


def test_an_order_of_zero_has_nothing_to_pay() -> None:
    with pytest.raises(NothingToPay):
        ensure_payable(an_order(total=Money(0)))


def test_capture_records_the_attempt_and_the_time() -> None:
    captured = a_payment().capture("pay_A", TOTAL, LATER)
    assert captured.status is S.CAPTURED and captured.provider_payment_id == "pay_A"
    assert captured.updated_at == LATER


@pytest.mark.parametrize("amount", [Money(3_999_799), Money(3_999_801), Money(3_999_800, "USD")])
def test_a_capture_of_another_amount_or_currency_is_refused(amount: Money) -> None:
    with pytest.raises(PaymentAmountMismatch) as caught:
        a_payment().capture("pay_A", amount, LATER)
    assert caught.value.expected == TOTAL and caught.value.received == amount


def test_authorize_checks_the_amount_too() -> None:
    with pytest.raises(PaymentAmountMismatch):
        a_payment().authorize("pay_A", Money(1), LATER)
    assert a_payment().authorize("pay_A", TOTAL, LATER).status is S.AUTHORIZED


def test_a_failed_attempt_can_be_followed_by_a_captured_one() -> None:
    failed = a_payment().fail("pay_A", LATER)
    captured = failed.capture("pay_B", TOTAL, LATER)
    assert failed.provider_payment_id == "pay_A"
    assert captured.status is S.CAPTURED and captured.provider_payment_id == "pay_B"


def test_failing_keeps_the_known_attempt_when_none_is_given() -> None:
    assert a_payment(provider_payment_id="pay_A").fail(None, LATER).provider_payment_id == "pay_A"


@pytest.mark.parametrize(("current", "target"),
                         [pair for pair in ALL_PAIRS if pair not in EXPECTED_TRANSITIONS])
def test_a_move_outside_the_table_is_refused(current: PaymentStatus, target: PaymentStatus) -> None:
    payment = a_payment(current, provider_refund_id="rfnd_1")
    moves = {
        S.AUTHORIZED: lambda: payment.authorize("pay_A", TOTAL, LATER),
        S.CAPTURED: lambda: payment.capture("pay_A", TOTAL, LATER),
        S.FAILED: lambda: payment.fail("pay_A", LATER),
        S.REFUND_PENDING: lambda: payment.owe_refund(LATER),
        S.REFUNDED: lambda: payment.refunded("rfnd_1", TOTAL, LATER),
    }
    if target is S.CREATED:
        return  # nothing moves a payment to created
    with pytest.raises(InvalidPaymentTransition) as caught:
        moves[target]()
    assert (caught.value.current, caught.value.target) == (current, target)
    assert isinstance(caught.value, Conflict)


def test_a_refund_is_owed_then_accepted_then_processed() -> None:
    owed = a_payment(S.CAPTURED, provider_payment_id="pay_A").owe_refund(LATER)
    accepted = owed.refund_accepted("rfnd_1", LATER)
    refunded = accepted.refunded(None, TOTAL, LATER)
    assert owed.status is S.REFUND_PENDING and owed.provider_refund_id is None
    assert accepted.status is S.REFUND_PENDING and accepted.provider_refund_id == "rfnd_1"
    assert refunded.status is S.REFUNDED and refunded.provider_refund_id == "rfnd_1"


def test_a_refund_can_only_be_accepted_while_owed() -> None:
    with pytest.raises(InvalidPaymentTransition):
        a_payment(S.CAPTURED).refund_accepted("rfnd_1", LATER)


def test_a_partial_refund_does_not_make_a_payment_refunded() -> None:
    with pytest.raises(PaymentAmountMismatch):
        a_payment(S.CAPTURED).refunded("rfnd_1", Money(100), LATER)


def test_the_refund_key_is_stable_and_acceptable_to_razorpay() -> None:
    key = a_payment().refund_key
    assert key == a_payment(S.CAPTURED).refund_key
    assert len(key) >= 10 and key.replace("-", "").replace("_", "").isalnum()


def test_a_refund_that_failed_is_owed_again_in_a_new_attempt_with_a_new_key() -> None:
    accepted = a_payment(S.REFUND_PENDING, provider_refund_id="rfnd_1")
    failed = accepted.refund_failed(LATER)
    again = failed.refund_accepted("rfnd_2", LATER).refund_failed(LATER)
    assert (failed.status, failed.provider_refund_id, failed.refund_attempt) == (
        S.REFUND_PENDING, None, 1)
    assert failed.updated_at == LATER and again.refund_attempt == 2
    keys = {accepted.refund_key, failed.refund_key, again.refund_key}
    assert len(keys) == 3
    assert all(len(key) >= 10 and key.replace("-", "").replace("_", "").isalnum()
               for key in keys)


@pytest.mark.parametrize("payment", [
    a_payment(S.REFUND_PENDING), a_payment(S.CAPTURED, provider_refund_id="rfnd_1"),
    a_payment(S.REFUNDED, provider_refund_id="rfnd_1")], ids=["not accepted", "captured",
                                                              "refunded"])
def test_only_an_accepted_refund_can_fail(payment: Payment) -> None:
    with pytest.raises(InvalidPaymentTransition):
        payment.refund_failed(LATER)


# --- paying the order --------------------------------------------------------------------

def test_a_captured_payment_of_the_exact_total_pays_its_order() -> None:
    order = an_order()
    paid = a_payment().capture("pay_A", TOTAL, LATER).pay(order, LATER)
    assert paid.status is OrderStatus.PAID and paid.updated_at == LATER


@pytest.mark.parametrize("status", [s for s in PaymentStatus if s is not S.CAPTURED])
def test_a_payment_that_is_not_captured_pays_nothing(status: PaymentStatus) -> None:
    payment = a_payment(status)
    assert not payment.settles(an_order())
    with pytest.raises(InvalidPaymentTransition):
        payment.pay(an_order(), LATER)


def test_a_capture_of_another_total_or_order_pays_nothing() -> None:
    captured = a_payment(S.CAPTURED)
    assert not captured.settles(an_order(total=Money(1)))
    assert not captured.settles(replace(an_order(), id="another-order"))
    assert not captured.settles(an_order(total=Money(3_999_800, "USD")))


def test_paying_goes_through_the_order_state_machine() -> None:
    with pytest.raises(InvalidState):
        a_payment(S.CAPTURED).pay(an_order(OrderStatus.CANCELLED), LATER)


def test_provider_errors_carry_no_provider_detail() -> None:
    assert isinstance(PaymentProviderFailed(), DomainError)
    error = RefundFailed("order-1")
    assert "order-1" in error.detail and error.order_id == "order-1"
