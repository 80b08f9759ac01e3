"""PhonenumbersPhoneParser: the notations people type, and everything refused."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.domain.errors import InvalidInput
from shopcore.domain.phone import Phone


@pytest.fixture
def parser() -> PhonenumbersPhoneParser:
    return PhonenumbersPhoneParser()


@pytest.mark.parametrize("raw", [
    "9876543210",
    "+919876543210",
    "+91.98765.43210",
    "+ 91 98765 43210",
    "+91.98765.43210",
    "+ 91 98765 43210",
    "+91 (98765) 43210",
    "(+91) 98765 43210",
    "+91.98765.43210",
    "+ 91 98765 43210",
    "09876543210",
    "919876543210",
    "91 98765 43210",
    "0091 98765 43210",
    "  98765\t43210 \n",
    "98765  43210",
])
def test_notations_of_one_mobile(parser: PhonenumbersPhoneParser, raw: str) -> None:
    assert parser.parse(raw) == Phone("+919876543210")


@pytest.mark.parametrize(("raw", "e164"), [
    ("9198765432", "+919198765432"),  # ten digits that happen to start with 91
    ("919198765432", "+919198765432"),
    ("7012345678", "+917012345678"),
    ("6300000000", "+916300000000"),
    ("+91 81234 56789", "+918123456789"),
])
def test_other_indian_mobiles(parser: PhonenumbersPhoneParser, raw: str, e164: str) -> None:
    assert parser.parse(raw).e164 == e164


def refusal(parser: PhonenumbersPhoneParser, raw: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parser.parse(raw)
    error = caught.value
    assert [e.field for e in error.errors] == ["phone"]
    return error


@pytest.mark.parametrize("raw", ["+91 80 2222 3333", "08022223333", "+91 11 2345 6789"])
def test_landline_refused(parser: PhonenumbersPhoneParser, raw: str) -> None:
    assert "mobile" in refusal(parser, raw).detail


@pytest.mark.parametrize("raw", ["+44 7400 123456", "+1 650 253 0000", "+61 412 345 678",
                                 "+971 50 123 4567"])
def test_other_country_refused(parser: PhonenumbersPhoneParser, raw: str) -> None:
    assert "country" in refusal(parser, raw).detail


def test_other_country_allowed_when_configured() -> None:
    parser = PhonenumbersPhoneParser(allowed_regions=frozenset({"IN", "GB"}))
    assert parser.parse("+44 7400 123456") == Phone("+447400123456")
    assert parser.parse("9876543210") == Phone("+919876543210")


def test_default_region_reads_national_numbers() -> None:
    parser = PhonenumbersPhoneParser(default_region="GB", allowed_regions=frozenset({"GB"}))
    assert parser.parse("07400 123456") == Phone("+447400123456")


@pytest.mark.parametrize("raw", [
    "12345",
    "98765432",
    "987654321012",
    "+91 98765 4321",
    "+91 98765 432101",
    "1234567890",
    "0000000000",
    "+",
    "+0 98765 43210",
    "++919876543210",
    "98765+43210",
    "1800 123 4567",  # toll-free
])
def test_not_valid_numbers(parser: PhonenumbersPhoneParser, raw: str) -> None:
    refusal(parser, raw)


@pytest.mark.parametrize("raw", [
    "98765ABCDE",  # libphonenumber would read letters as keypad digits
    "+91 98765 43210 ext. 5",
    "+91 98765 43210;ext=5",
    "tel:+919876543210",
    "phone",
    "९८७६५४३२१०",  # Devanagari digits
    "+91 98765 43210\x00",
    "<script>",
])
def test_garbage(parser: PhonenumbersPhoneParser, raw: str) -> None:
    refusal(parser, raw)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t"])
def test_empty(parser: PhonenumbersPhoneParser, raw: str) -> None:
    assert "required" in refusal(parser, raw).detail


def test_too_long_refused_before_parsing(parser: PhonenumbersPhoneParser) -> None:
    assert "at most 32" in refusal(parser, "9" * 33).detail
    assert "at most 32" in refusal(parser, "+91 98765 43210" + " " * 30).detail


@pytest.mark.parametrize("raw", [None, 9876543210, b"9876543210", ["9876543210"]])
def test_not_text(parser: PhonenumbersPhoneParser, raw: Any) -> None:
    refusal(parser, raw)


@given(st.text(max_size=40))
def test_any_text_gives_a_phone_or_invalid_input(raw: str) -> None:
    parser = PhonenumbersPhoneParser()
    try:
        phone = parser.parse(raw)
    except InvalidInput:
        return
    assert phone.e164.startswith("+91") and len(phone.e164) == 13


@pytest.fixture
def libphonenumber_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts handed to libphonenumber's parser."""
    calls: list[str] = []
    real_parse = phonenumbers.parse

    def counting_parse(text: str, region: str) -> phonenumbers.PhoneNumber:
        calls.append(text)
        return real_parse(text, region)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    return calls


def test_a_repeated_text_is_read_once(libphonenumber_calls: list[str]) -> None:
    parser = PhonenumbersPhoneParser()
    first, again = parser.parse("+91 98765 43210"), parser.parse("+91 98765 43210")
    assert first == again == Phone("+919876543210")
    assert libphonenumber_calls == ["+91 98765 43210"]


def test_the_remembered_texts_are_bounded(libphonenumber_calls: list[str]) -> None:
    parser = PhonenumbersPhoneParser(cache_size=2)
    for raw in ["9876543210", "9876543211", "9876543212", "9876543212", "9876543210"]:
        parser.parse(raw)
    # the latest two are kept; the first was pushed out and is read again
    assert libphonenumber_calls == ["9876543210", "9876543211", "9876543212", "9876543210"]


def test_a_repeated_refusal_is_a_fresh_equal_error(
    parser: PhonenumbersPhoneParser, libphonenumber_calls: list[str]
) -> None:
    first, again = refusal(parser, "+91 80 2222 3333"), refusal(parser, "+91 80 2222 3333")
    assert first is not again
    assert (first.detail, first.errors) == (again.detail, again.errors)
    assert len(libphonenumber_calls) == 2


def test_instances_do_not_share_answers() -> None:
    indian_only = PhonenumbersPhoneParser()
    assert PhonenumbersPhoneParser(allowed_regions=frozenset({"GB"})).parse(
        "+44 7400 123456") == Phone("+447400123456")
    assert "country" in refusal(indian_only, "+44 7400 123456").detail
