"""Money: parsing client input, formatting, exact arithmetic."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopcore.domain.errors import InvalidInput
from shopcore.domain.money import MAX_PRICE_MINOR, Money, round_half_up


@pytest.mark.parametrize(
    ("raw", "minor"),
    [
        ("19999", 1_999_900),
        (19999, 1_999_900),
        (Decimal("19999.5"), 1_999_950),
        ("0.10", 10),
        ("0", 0),
        ("0.00", 0),
        (" 12.34 ", 1234),
        ("1.50000", 150),
        ("99999999.99", MAX_PRICE_MINOR),
        (Decimal("99999999.99"), MAX_PRICE_MINOR),
    ],
)
def test_parse_accepts_decimal_text_ints_and_decimals(raw: object, minor: int) -> None:
    assert Money.parse(raw) == Money(minor, "INR")


@pytest.mark.parametrize(
    "raw",
    ["1.005", "0.001", Decimal("19.999"), "1e-999999999"],
)
def test_parse_refuses_more_than_two_decimals(raw: object) -> None:
    with pytest.raises(InvalidInput, match="two decimals"):
        Money.parse(raw)


@pytest.mark.parametrize("raw", ["-1", -1, Decimal("-0.01"), "-1e999999999"])
def test_parse_refuses_negative_amounts(raw: object) -> None:
    with pytest.raises(InvalidInput, match="negative"):
        Money.parse(raw)


@pytest.mark.parametrize("raw", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", Decimal("NaN")])
def test_parse_refuses_non_finite_amounts(raw: object) -> None:
    with pytest.raises(InvalidInput, match="finite"):
        Money.parse(raw)


@pytest.mark.parametrize(
    "raw",
    ["100000000.00", "99999999.991", 10_000_000_000, "1e999", "1e999999999", 10**4000],
)
def test_parse_refuses_amounts_above_the_maximum_without_overflowing(raw: object) -> None:
    with pytest.raises(InvalidInput, match="at most 99999999.99"):
        Money.parse(raw)


@pytest.mark.parametrize("raw", [True, False, 1.5, 19999.0, None, [], {}, b"12", "", " ", "abc",
                                 "0x10", "1,5", "1_000", "1_0.00", "\u0661\u0660\u0660",
                                 "\uff11\uff10", "12.\u0665", "\u00a012.34"])
def test_parse_refuses_floats_bools_and_non_numbers(raw: object) -> None:
    with pytest.raises(InvalidInput, match="decimal number"):
        Money.parse(raw)


def test_parse_names_the_given_field_and_keeps_the_currency() -> None:
    assert Money.parse("5", "USD") == Money(500, "USD")
    with pytest.raises(InvalidInput) as caught:
        Money.parse("x", field="min_price")
    assert caught.value.errors[0].field == "min_price"


def test_parse_honours_a_custom_maximum() -> None:
    assert Money.parse("1.00", maximum=100) == Money(100)
    with pytest.raises(InvalidInput):
        Money.parse("1.01", maximum=100)


@pytest.mark.parametrize(
    ("minor", "text"),
    [(0, "0.00"), (5, "0.05"), (10, "0.10"), (1_999_900, "19999.00"), (-5, "-0.05"),
     (-1234, "-12.34"), (990_000_000_000, "9900000000.00")],
)
def test_amount_has_exactly_two_decimals(minor: int, text: str) -> None:
    assert Money(minor).amount == text


def test_as_decimal_is_exact() -> None:
    assert Money(1234).as_decimal() == Decimal("12.34")
    assert Money(MAX_PRICE_MINOR * 99).as_decimal() == Decimal("9899999999.01")


def test_arithmetic_is_exact_beyond_32_bits() -> None:
    big = Money(MAX_PRICE_MINOR)
    assert big.times(99).minor == 989_999_999_901
    assert (big + big).minor == 2 * MAX_PRICE_MINOR > 2**31
    assert (big.times(99) - big).minor == 98 * MAX_PRICE_MINOR
    assert big.times(99).times(100).amount == "989999999901.00"


def test_mixing_currencies_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="cannot mix"):
        _ = Money(1, "INR") + Money(1, "USD")
    with pytest.raises(ValueError, match="cannot mix"):
        _ = Money(1, "INR") - Money(1, "USD")


def test_zero_is_nothing_in_the_currency() -> None:
    assert Money.zero("USD") == Money(0, "USD")


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("4.665", "4.67"), ("4.664", "4.66"), ("4.5", "4.50"), ("2.005", "2.01"), ("1", "1.00")],
)
def test_round_half_up_rounds_halves_up(value: str, rounded: str) -> None:
    assert str(round_half_up(Decimal(value))) == rounded


@given(st.integers(min_value=0, max_value=MAX_PRICE_MINOR))
def test_parsing_the_formatted_amount_gives_the_same_money(minor: int) -> None:
    money = Money(minor)
    assert Money.parse(money.amount) == money
    assert Money.parse(money.as_decimal()) == money


@given(st.integers(min_value=0, max_value=MAX_PRICE_MINOR // 100))
def test_parsing_a_whole_number_gives_that_many_units(units: int) -> None:
    assert Money.parse(units) == Money(units * 100)
    assert Money.parse(str(units)) == Money(units * 100)


@given(
    st.lists(st.integers(min_value=0, max_value=MAX_PRICE_MINOR), max_size=20),
    st.integers(min_value=0, max_value=99),
)
def test_sums_and_products_match_integer_arithmetic(minors: list[int], quantity: int) -> None:
    total = Money.zero()
    for minor in minors:
        total = total + Money(minor).times(quantity)
    assert total.minor == sum(minors) * quantity
    assert total.as_decimal() == sum((Decimal(m) / 100 for m in minors), Decimal(0)) * quantity
