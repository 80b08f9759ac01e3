"""Phone: only the E.164 normal form, in ASCII digits, is a phone."""

from __future__ import annotations

import pytest

from shopcore.domain.errors import InvalidInput
from shopcore.domain.phone import Phone


def test_an_e164_number_is_a_phone_and_masks_all_but_its_last_four_digits() -> None:
    assert Phone("+919876543210").masked() == "+91******3210"


@pytest.mark.parametrize("raw", [
    "919876543210", "+091987654321", "+91 98765 43210", "+919876", "+9198765432101234",
    "+91\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660",  # Arabic-Indic
    "+91\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10",  # full-width
])
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        Phone(raw)
