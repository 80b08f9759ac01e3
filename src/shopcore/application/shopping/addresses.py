"""Reading a shipping address as a client sent it."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.ports.common import PhoneNumberParser
from shopcore.domain.errors import FieldError, InvalidInput
from shopcore.domain.ordering import ShippingAddress
from shopcore.domain.phone import Phone

ADDRESS_FIELD = "shipping_address"


@dataclass(frozen=True, slots=True)
class ShippingAddressInput:
    """The raw fields of a shipping address; checked by :func:`read_shipping_address`."""

    name: object
    line1: object
    city: object
    state: object
    postal_code: object
    phone: object
    line2: object = None
    country: object = None


def read_shipping_address(raw: ShippingAddressInput, phones: PhoneNumberParser) -> ShippingAddress:
    """The checked address; one ``InvalidInput`` naming every bad field as
    ``shipping_address.<field>``. The phone is read with ``phones`` (any notation)."""
    phone: Phone | None = None
    phone_problem: str | None = None
    if isinstance(raw.phone, str):
        try:
            phone = phones.parse(raw.phone)
        except InvalidInput as error:
            phone_problem = error.errors[0].message
    try:
        return ShippingAddress.create(
            name=raw.name, line1=raw.line1, line2=raw.line2, city=raw.city, state=raw.state,
            postal_code=raw.postal_code, phone=phone, country=raw.country,
            field_prefix=ADDRESS_FIELD,
        )
    except InvalidInput as error:
        if phone_problem is None:
            raise
        phone_field = f"{ADDRESS_FIELD}.phone"
        raise InvalidInput.many([
            FieldError(e.field, phone_problem) if e.field == phone_field else e
            for e in error.errors
        ]) from None


def address_fields(address: ShippingAddress) -> dict[str, str | None]:
    """The address as plain fields (as stored, hashed and shown)."""
    return {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
        "country": address.country,
        "phone": address.phone.e164,
    }
