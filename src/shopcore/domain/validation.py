"""Checking raw input fields, collecting every problem before raising once.

The entities' ``create`` constructors use :class:`FieldChecks` so that one bad
request names *all* of its bad fields (``InvalidInput.many``), not just the first.
"""

from __future__ import annotations

import unicodedata

from shopcore.domain.errors import FieldError, InvalidInput
from shopcore.domain.money import Money

_LINE_BREAKS = frozenset("\n\r\t")


class FieldChecks:
    """Checks fields one by one and remembers what was wrong with them.

    Each check returns the cleaned value (or a placeholder when the value is bad);
    :meth:`raise_if_any` then raises one ``InvalidInput`` listing every bad field.
    ``prefix`` names the enclosing object for dotted field names
    (``shipping_address`` → ``shipping_address.city``).
    """

    def __init__(self, prefix: str = "") -> None:
        self._prefix = f"{prefix}." if prefix else ""
        self._errors: list[FieldError] = []

    @property
    def errors(self) -> tuple[FieldError, ...]:
        """The problems found so far."""
        return tuple(self._errors)

    def add(self, field: str, message: str) -> None:
        """Record one problem with ``field``."""
        self._errors.append(FieldError(self._prefix + field, message))

    def text(
        self,
        field: str,
        value: object,
        *,
        max_length: int,
        min_length: int = 1,
        multiline: bool = False,
        strip: bool = True,
    ) -> str:
        """``value`` stripped, between ``min_length`` and ``max_length`` characters.

        With ``strip=False`` the value is kept exactly as given, but a required value
        (``min_length`` ≥ 1) must still hold a character other than whitespace.
        Control characters are refused (line breaks and tabs only when ``multiline``),
        and so are lone surrogates, which no database can store.
        """
        if not isinstance(value, str):
            self.add(field, "must be text")
            return ""
        cleaned = value.strip() if strip else value
        if not _printable(cleaned, multiline=multiline):
            self.add(field, "must not contain control characters")
        elif min_length and not cleaned.strip():
            self.add(field, "must not be blank" if cleaned else "must not be empty")
        elif len(cleaned) < min_length:
            self.add(field, "must not be empty" if min_length == 1
                     else f"must be at least {min_length} characters")
        elif len(cleaned) > max_length:
            self.add(field, f"must be at most {max_length} characters")
        return cleaned

    def optional_text(
        self, field: str, value: object, *, max_length: int, strip: bool = True
    ) -> str | None:
        """Like :meth:`text`, but ``None`` or blank text means "not given" (``None``)."""
        if value is None or isinstance(value, str) and not value.strip():
            return None
        return self.text(field, value, max_length=max_length, strip=strip)

    def integer(self, field: str, value: object, *, minimum: int, maximum: int) -> int:
        """A whole number (``bool`` is not one) within ``minimum..maximum``."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, "must be a whole number")
            return minimum
        if not minimum <= value <= maximum:
            self.add(field, f"must be between {minimum} and {maximum}")
            return minimum
        return value

    def money(self, field: str, value: object, currency: str) -> Money:
        """A price read by :meth:`Money.parse`."""
        try:
            return Money.parse(value, currency, field=self._prefix + field)
        except InvalidInput as error:
            self._errors.extend(error.errors)
            return Money.zero(currency)

    def raise_if_any(self) -> None:
        """Raise one ``InvalidInput`` naming every bad field, if there was any."""
        if self._errors:
            raise InvalidInput.many(self._errors)


def _printable(text: str, *, multiline: bool) -> bool:
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            return False
        if category == "Cc" and not (multiline and char in _LINE_BREAKS):
            return False
    return True
