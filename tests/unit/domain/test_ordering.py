"""Orders: placing, the status transition table, cancelling, shipping addresses."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shopcore.domain.errors import Conflict, InvalidInput
from shopcore.domain.money import MAX_PRICE_MINOR, Money
from shopcore.domain.ordering import (
    ADMIN_STATUSES,
    ALLOWED_TRANSITIONS,
    CartEmpty,
    InsufficientStock,
    InvalidState,
    Order,
    OrderLine,
    OrderStatus,
    ShippingAddress,
    Shortage,
    can_transition,
    parse_admin_status,
)
from shopcore.domain.phone import Phone

PLACED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
S = OrderStatus

EXPECTED_TRANSITIONS = {
    (S.PLACED, S.PAID), (S.PLACED, S.CANCELLED),
    (S.PAID, S.SHIPPED), (S.PAID, S.CANCELLED),
    (S.SHIPPED, S.DELIVERED),
}
ALL_PAIRS = list(itertools.product(OrderStatus, repeat=2))


def an_address(**overrides: object) -> ShippingAddress:
    fields: dict[str, object] = {
        "name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru", "state": "Karnataka",
        "postal_code": "560001", "phone": Phone("+919876543210"),
    }
    fields.update(overrides)
    return ShippingAddress.create(**fields)  # type: ignore[arg-type]


def an_order(status: OrderStatus = S.PLACED) -> Order:
    order = Order.place("0193f1c2-7a1b-4c3d", "user-1",
                        [OrderLine(17, "Smartphone", Money(1_999_900), 2)],
                        an_address(), PLACED_AT, "INR")
    return replace(order, status=status)


# --- the transition table ------------------------------------------------------------

def test_statuses_are_the_contract_strings() -> None:
    assert [s.value for s in OrderStatus] == ["placed", "paid", "shipped", "delivered",
                                              "cancelled"]
    assert S("paid") is S.PAID and f"{S.PAID}" == "paid"


def test_the_table_has_an_entry_for_every_status() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        ALLOWED_TRANSITIONS[S.DELIVERED] = frozenset({S.PLACED})  # type: ignore[index]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_can_transition_exactly_along_the_table(current: S, target: S) -> None:
    assert can_transition(current, target) is ((current, target) in EXPECTED_TRANSITIONS)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_admin_advance_is_allowed_exactly_along_the_table(current: S, target: S) -> None:
    order = an_order(current)
    if target not in {S.PAID, S.SHIPPED, S.DELIVERED}:
        with pytest.raises(InvalidInput) as invalid:
            order.advance_to(target, LATER)
        assert invalid.value.errors[0].field == "status"
    elif (current, target) in EXPECTED_TRANSITIONS:
        advanced = order.advance_to(target, LATER)
        assert advanced.status is target
        assert advanced.updated_at == LATER
        assert advanced.cancelled_at is None
        assert advanced.created_at == PLACED_AT
    else:
        with pytest.raises(InvalidState) as conflict:
            order.advance_to(target, LATER)
        assert (conflict.value.current, conflict.value.target) == (current, target)


@pytest.mark.parametrize("current", list(OrderStatus))
def test_cancel_works_only_from_placed_or_paid(current: S) -> None:
    order = an_order(current)
    if current in {S.PLACED, S.PAID}:
        cancelled = order.cancel(LATER)
        assert cancelled.status is S.CANCELLED
        assert cancelled.cancelled_at == LATER
        assert cancelled.updated_at == LATER
        assert cancelled.lines == order.lines and cancelled.total == order.total
    else:
        with pytest.raises(InvalidState) as conflict:
            order.cancel(LATER)
        assert (conflict.value.current, conflict.value.target) == (current, S.CANCELLED)


def test_invalid_state_is_a_conflict_naming_both_statuses() -> None:
    error = InvalidState(S.SHIPPED, S.CANCELLED)
    assert isinstance(error, Conflict)
    assert error.detail == "An order that is shipped cannot become cancelled."


def test_advance_accepts_status_strings() -> None:
    assert an_order().advance_to("paid", LATER).status is S.PAID


@pytest.mark.parametrize("value", ["paid", "shipped", "delivered", S.PAID])
def test_admin_statuses_parse(value: object) -> None:
    assert parse_admin_status(value) in ADMIN_STATUSES


@pytest.mark.parametrize("value", ["cancelled", "placed", "PAID", " paid", "", None, 1,
                                   S.CANCELLED])
def test_other_admin_statuses_are_invalid_input(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_admin_status(value)
    assert caught.value.errors[0].field == "status"
    assert "paid, shipped, delivered" in caught.value.errors[0].message


def test_a_full_life_along_the_happy_path() -> None:
    order = an_order()
    for status in (S.PAID, S.SHIPPED, S.DELIVERED):
        order = order.advance_to(status, LATER)
    assert order.status is S.DELIVERED


# --- placing -------------------------------------------------------------------------

def test_placing_snapshots_lines_and_sums_the_total() -> None:
    lines = [OrderLine(17, "Smartphone", Money(1_999_900), 2), OrderLine(3, "Case", Money(499), 3)]
    order = Order.place("order-abcdefgh", "user-1", lines, an_address(), PLACED_AT, "INR")
    assert order.status is S.PLACED
    assert order.lines == tuple(lines)
    assert order.total == Money(1_999_900 * 2 + 499 * 3)
    assert order.total_quantity == 5
    assert order.currency == "INR"
    assert (order.created_at, order.updated_at, order.cancelled_at) == (PLACED_AT, PLACED_AT,
                                                                        None)
    assert order.id == "order-abcdefgh" and order.user_id == "user-1"


def test_placing_without_lines_is_cart_empty() -> None:
    with pytest.raises(CartEmpty):
        Order.place("o-123456789012", "user-1", [], an_address(), PLACED_AT, "INR")


def test_placing_totals_are_exact_beyond_32_bits() -> None:
    lines = [OrderLine(pid, "p", Money(MAX_PRICE_MINOR), 99) for pid in range(100)]
    order = Order.place("o-123456789012", "u", lines, an_address(), PLACED_AT, "INR")
    assert order.total.amount == "989999999901.00"


def test_placing_in_another_currency_than_the_lines_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="cannot mix"):
        Order.place("o-1", "u", [OrderLine(1, "p", Money(1, "USD"), 1)], an_address(),
                    PLACED_AT, "INR")


def test_order_line_total_is_price_times_quantity() -> None:
    assert OrderLine(1, "p", Money(12_345), 7).line_total == Money(86_415)


# --- stock errors --------------------------------------------------------------------

def test_insufficient_stock_lists_every_shortage_and_is_a_conflict() -> None:
    error = InsufficientStock([Shortage(1, 3, 2), Shortage(2, 1, 0)])
    assert isinstance(error, Conflict)
    assert error.shortages == (Shortage(1, 3, 2), Shortage(2, 1, 0))
    assert "product 1 (requested 3, available 2)" in error.detail
    assert "product 2 (requested 1, available 0)" in error.detail


def test_insufficient_stock_without_shortages_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        InsufficientStock([])


def test_cart_empty_is_a_conflict() -> None:
    assert isinstance(CartEmpty(), Conflict)


# --- shipping address ----------------------------------------------------------------

def test_address_keeps_text_exactly_and_defaults_country_to_india() -> None:
    address = an_address(name="  Asha  Rao ", line2="  Near the park ", city="Bengaluru\u00a0")
    assert address == ShippingAddress("  Asha  Rao ", "12 MG Road", "  Near the park ",
                                      "Bengaluru\u00a0", "Karnataka", "560001",
                                      Phone("+919876543210"), "IN")


@pytest.mark.parametrize("blank", [" ", "\u00a0\u3000", " " * 101])
def test_address_required_text_must_hold_more_than_whitespace(blank: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        an_address(name=blank)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("shipping_address.name", "must not be blank")]


@pytest.mark.parametrize("line2", [None, "", "   "])
def test_address_line2_is_optional(line2: object) -> None:
    assert an_address(line2=line2).line2 is None


def test_address_country_none_means_india() -> None:
    assert an_address(country=None).country == "IN"


def test_address_lists_every_bad_field_with_dotted_names() -> None:
    with pytest.raises(InvalidInput) as caught:
        ShippingAddress.create(name="", line1=" ", city="", state=None, postal_code="",
                               phone="+919876543210", line2="x" * 201, country="india")
    assert [e.field for e in caught.value.errors] == [
        "shipping_address.name", "shipping_address.line1", "shipping_address.line2",
        "shipping_address.city", "shipping_address.state", "shipping_address.postal_code",
        "shipping_address.country", "shipping_address.phone",
    ]


def test_address_field_prefix_can_be_changed() -> None:
    with pytest.raises(InvalidInput) as caught:
        ShippingAddress.create(name="", line1="a", city="b", state="c", postal_code="560001",
                               phone=Phone("+919876543210"), field_prefix="address")
    assert caught.value.errors[0].field == "address.name"


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 100), ("line1", 200), ("line2", 200), ("city", 100), ("state", 100)],
)
def test_address_length_limits(field: str, limit: int) -> None:
    assert getattr(an_address(**{field: "a" * limit}), field) == "a" * limit
    with pytest.raises(InvalidInput) as caught:
        an_address(**{field: "a" * (limit + 1)})
    assert [e.field for e in caught.value.errors] == [f"shipping_address.{field}"]


@pytest.mark.parametrize("field", ["name", "line1", "city", "state", "postal_code"])
@pytest.mark.parametrize("value", ["", "   ", None, 5])
def test_address_required_fields_must_be_non_empty_text(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        an_address(**{field: value})
    assert [e.field for e in caught.value.errors] == [f"shipping_address.{field}"]


def test_address_refuses_control_characters() -> None:
    with pytest.raises(InvalidInput) as caught:
        an_address(city="Bengal\x00uru", line1="12\nMG Road")
    assert [e.field for e in caught.value.errors] == ["shipping_address.line1",
                                                       "shipping_address.city"]


@pytest.mark.parametrize(("code", "ok"), [
    ("560001", True), ("999999", True), (" 110001", False), ("110001 ", False), ("060001", False),
    ("56000", False), ("5600011", False), ("56 0001", False), ("56000a", False),
    ("५६०००१", False),  # Devanagari digits are not ASCII digits
])
def test_indian_postal_codes_are_six_digits_not_starting_with_zero(code: str, ok: bool) -> None:
    if ok:
        assert an_address(postal_code=code).postal_code == code
    else:
        with pytest.raises(InvalidInput) as caught:
            an_address(postal_code=code)
        assert [e.field for e in caught.value.errors] == ["shipping_address.postal_code"]


@pytest.mark.parametrize(("code", "ok"), [
    ("SW1A 1AA", True), ("10115", True), ("K1A-0B1", True), ("123456789012", True),
    ("1234567890123", False), ("-123", False), ("123-", False), ("SW1A ", False),
    (" SW1A", False), ("12#4", False),
])
def test_foreign_postal_codes_are_up_to_12_letters_digits_spaces_or_hyphens(
    code: str, ok: bool
) -> None:
    if ok:
        assert an_address(postal_code=code, country="GB").postal_code == code
    else:
        with pytest.raises(InvalidInput) as caught:
            an_address(postal_code=code, country="GB")
        assert [e.field for e in caught.value.errors] == ["shipping_address.postal_code"]


@pytest.mark.parametrize("country", ["in", "IND", "I", "", "I1", 91, "ÉT", " IN", "IN "])
def test_country_is_two_upper_case_letters(country: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        an_address(country=country)
    assert caught.value.errors[0].field == "shipping_address.country"


def test_address_phone_must_be_a_parsed_phone() -> None:
    with pytest.raises(InvalidInput) as caught:
        an_address(phone="+919876543210")
    assert [e.field for e in caught.value.errors] == ["shipping_address.phone"]
    assert an_address().phone == Phone("+919876543210")
