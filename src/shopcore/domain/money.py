"""Money in integer minor units (paise for INR); never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shopcore.domain.errors import InvalidInput

MAX_PRICE_MINOR = 99_999_999_99
_CENT = Decimal("0.01")


def _plain_notation(text: str) -> bool:
    return text.isascii() and "_" not in text


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount of one currency, in minor units (1/100)."""

    minor: int
    currency: str = "INR"

    @classmethod
    def parse(
        cls,
        value: object,
        currency: str = "INR",
        *,
        field: str = "price",
        maximum: int = MAX_PRICE_MINOR,
    ) -> Money:
        """Read a price from text, an int or a ``Decimal`` (never a float's binary value).

        At most two decimals, not negative, finite, and at most ``maximum`` minor units.
        Text is decimal notation in ASCII: no digit grouping (``1_000``) and no digits of
        other scripts, which ``Decimal`` alone would take (query parameters and form
        fields come here as text; a JSON body's price reaches it as msgspec's ``Decimal``).
        """
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal) or (
                isinstance(value, str) and not _plain_notation(value)):
            raise InvalidInput(field, "must be a decimal number such as 199.99")
        try:
            amount = Decimal(value.strip() if isinstance(value, str) else value)
        except (InvalidOperation, ValueError):
            raise InvalidInput(field, "must be a decimal number such as 199.99") from None
        if not amount.is_finite():
            raise InvalidInput(field, "must be a finite number")
        if amount < 0:
            raise InvalidInput(field, "must not be negative")
        if amount > Decimal(maximum).scaleb(-2):  # compare, never multiply: 1e999999999 overflows
            raise InvalidInput(field, f"must be at most {Money(maximum).amount}")
        if amount.quantize(_CENT) != amount:
            raise InvalidInput(field, "must have at most two decimals")
        return cls(int(amount * 100), currency)

    @property
    def amount(self) -> str:
        """The amount with exactly two decimals, e.g. ``"19999.00"``."""
        sign = "-" if self.minor < 0 else ""
        whole, cents = divmod(abs(self.minor), 100)
        return f"{sign}{whole}.{cents:02d}"

    def as_decimal(self) -> Decimal:
        """The amount as an exact ``Decimal``."""
        return Decimal(self.minor).scaleb(-2)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def times(self, quantity: int) -> Money:
        """This amount multiplied by a whole quantity."""
        return Money(self.minor * quantity, self.currency)

    @classmethod
    def zero(cls, currency: str = "INR") -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals (``4.665`` → ``4.67``)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
