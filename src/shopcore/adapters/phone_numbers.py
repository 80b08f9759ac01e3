"""Read the notations people type for a mobile number, with Google's libphonenumber data."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from shopcore.domain.errors import InvalidInput
from shopcore.domain.phone import Phone

MAX_INPUT_LENGTH = 32
CACHE_SIZE = 4096
_FIELD = "phone"
# An optional leading "+", then digits and the punctuation of common notations. Letters
# ("1-800-FLOWERS"), extensions and other scripts are refused before libphonenumber,
# which would otherwise read them generously.
_NOTATION = re.compile(r"\(?\+? ?[0-9][0-9\-.() ]*")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class PhonenumbersPhoneParser:
    """``PhoneNumberParser`` accepting only valid mobile numbers of ``allowed_regions``.

    Numbers without a country code are read in ``default_region``: for India
    ``9876543210``, ``09876543210``, ``919876543210``, ``+91 98765 43210`` and
    ``0091 98765 43210`` all give ``+919876543210``.
    """

    def __init__(
        self,
        default_region: str = "IN",
        allowed_regions: frozenset[str] = frozenset({"IN"}),
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self._default_region = default_region
        self._allowed_regions = allowed_regions
        # The answer depends only on the text, and libphonenumber is slow (every order
        # reads its address's phone). Refusals are not kept (lru_cache stores no raised
        # exception): each raises a fresh error, and bad input never evicts good entries.
        self._parse_text = lru_cache(maxsize=cache_size)(self._parse_uncached)

    def parse(self, raw: str) -> Phone:
        """The number in E.164; ``InvalidInput`` (field ``phone``) for anything else."""
        if not isinstance(raw, str):
            raise InvalidInput(_FIELD, "must be a text such as +919876543210")
        if len(raw) > MAX_INPUT_LENGTH:
            raise InvalidInput(_FIELD, f"must be at most {MAX_INPUT_LENGTH} characters")
        return self._parse_text(raw)

    def _parse_uncached(self, raw: str) -> Phone:
        text = " ".join(raw.split())  # tabs, newlines, repeated spaces → one space
        if not text:
            raise InvalidInput(_FIELD, "is required")
        if not _NOTATION.fullmatch(text):
            raise InvalidInput(
                _FIELD, "may contain only digits, spaces, -, ., ( and ) after an optional +")
        try:
            number = phonenumbers.parse(text, self._default_region)
        except NumberParseException:
            raise InvalidInput(_FIELD, "is not a phone number") from None
        if not phonenumbers.is_valid_number(number):
            raise InvalidInput(_FIELD, "is not a valid phone number")
        if phonenumbers.region_code_for_number(number) not in self._allowed_regions:
            raise InvalidInput(_FIELD, "numbers of this country are not accepted")
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            raise InvalidInput(_FIELD, "must be a mobile number")
        return Phone(phonenumbers.format_number(number, PhoneNumberFormat.E164))
