"""The ``Phone`` value object: a mobile number in E.164 form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shopcore.domain.errors import InvalidInput

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True, slots=True)
class Phone:
    """A mobile number, always held normalised to E.164 (``+919876543210``).

    Parsing the many notations people type is the job of a ``PhoneNumberParser``
    port; this type only guarantees the normal form.
    """

    e164: str

    def __post_init__(self) -> None:
        if not _E164.fullmatch(self.e164):
            raise InvalidInput("phone", "must be an E.164 number such as +919876543210")

    def __str__(self) -> str:
        return self.e164

    def masked(self) -> str:
        """The number with all but the country code and last four digits hidden."""
        digits = self.e164
        country = 3 if digits.startswith("+91") else 2
        hidden = len(digits) - country - 4
        return digits[:country] + "*" * hidden + digits[-4:]
