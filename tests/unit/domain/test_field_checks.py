"""FieldChecks: collecting every bad field of one input before raising."""

import pytest

from shopcore.domain.errors import FieldError, InvalidInput
from shopcore.domain.money import Money
from shopcore.domain.validation import FieldChecks


def test_no_problems_raise_nothing() -> None:
    checks = FieldChecks()
    assert checks.text("name", " ok ", max_length=5) == "ok"
    checks.raise_if_any()
    assert checks.errors == ()


def test_every_problem_is_raised_together_with_dotted_names() -> None:
    checks = FieldChecks("shipping_address")
    checks.text("city", "", max_length=10)
    checks.integer("count", "3", minimum=0, maximum=5)
    checks.money("price", "1.001", "INR")
    with pytest.raises(InvalidInput) as caught:
        checks.raise_if_any()
    assert caught.value.errors == (
        FieldError("shipping_address.city", "must not be empty"),
        FieldError("shipping_address.count", "must be a whole number"),
        FieldError("shipping_address.price", "must have at most two decimals"),
    )


def test_text_reports_its_minimum_when_above_one() -> None:
    checks = FieldChecks()
    checks.text("code", "ab", min_length=3, max_length=5)
    assert checks.errors == (FieldError("code", "must be at least 3 characters"),)


def test_optional_text_treats_none_and_blank_as_absent() -> None:
    checks = FieldChecks()
    assert checks.optional_text("line2", None, max_length=3) is None
    assert checks.optional_text("line2", "   ", max_length=3) is None
    assert checks.optional_text("line2", " ab ", max_length=3) == "ab"
    assert checks.optional_text("line2", "abcd", max_length=3) == "abcd"
    assert checks.optional_text("line2", 7, max_length=3) == ""
    assert [e.field for e in checks.errors] == ["line2", "line2"]


@pytest.mark.parametrize(("value", "ok"), [(0, True), (5, True), (6, False), (-1, False),
                                           (True, False), (2.0, False)])
def test_integer_accepts_only_whole_numbers_in_range(value: object, ok: bool) -> None:
    checks = FieldChecks()
    checks.integer("n", value, minimum=0, maximum=5)
    assert (checks.errors == ()) is ok


def test_money_returns_the_parsed_amount() -> None:
    checks = FieldChecks()
    assert checks.money("price", "2.50", "INR") == Money(250)
    assert checks.errors == ()
