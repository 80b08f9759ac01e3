"""Orders: placing them, the one table of status transitions, and shipping addresses."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from shopcore.domain.errors import Conflict, InvalidInput
from shopcore.domain.money import Money
from shopcore.domain.phone import Phone
from shopcore.domain.validation import FieldChecks


class OrderStatus(enum.StrEnum):
    """Where an order is in its life."""

    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


#: The only place that says which status may follow which.
ALLOWED_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType({
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
})

#: The statuses an admin may set; cancelling has its own operation.
ADMIN_STATUSES: frozenset[OrderStatus] = frozenset(
    {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """True when ``ALLOWED_TRANSITIONS`` lets an order go from ``current`` to ``target``."""
    return target in ALLOWED_TRANSITIONS[current]


def parse_admin_status(value: object) -> OrderStatus:
    """The status an admin asked for; anything but paid/shipped/delivered is invalid."""
    allowed = sorted(ADMIN_STATUSES, key=list(OrderStatus).index)
    if isinstance(value, str) and value in {status.value for status in allowed}:
        return OrderStatus(value)
    raise InvalidInput("status", "must be one of " + ", ".join(allowed))


class InvalidState(Conflict):
    """The order's current status does not allow the requested one."""

    def __init__(self, current: OrderStatus, target: OrderStatus,
                 message: str | None = None) -> None:
        super().__init__(message or f"An order that is {current} cannot become {target}.")
        self.current = current
        self.target = target


class RefundOwed(InvalidState):
    """The order's payment is being or has been refunded (its cancellation is under
    way): the order cannot be shipped."""

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(current, target, f"An order whose payment is being refunded "
                                          f"cannot become {target}.")


@dataclass(frozen=True, slots=True)
class Shortage:
    """One product that has fewer units than requested."""

    product_id: int
    requested: int
    available: int


class InsufficientStock(Conflict):
    """One or more products are short of stock; ``shortages`` lists every one."""

    def __init__(self, shortages: Sequence[Shortage]) -> None:
        if not shortages:
            raise ValueError("InsufficientStock needs at least one shortage")
        self.shortages: tuple[Shortage, ...] = tuple(shortages)
        super().__init__("Not enough stock: " + "; ".join(
            f"product {s.product_id} (requested {s.requested}, available {s.available})"
            for s in self.shortages
        ) + ".")


class CartEmpty(Conflict):
    """An order was requested from an empty cart."""

    def __init__(self) -> None:
        super().__init__("The cart is empty.")


_IN_POSTAL_CODE = re.compile(r"[1-9][0-9]{5}")
_POSTAL_CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 -]*[A-Za-z0-9])?")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class ShippingAddress:
    """Where an order goes. Build it with :meth:`create`, which checks every field."""

    name: str
    line1: str
    line2: str | None
    city: str
    state: str
    postal_code: str
    phone: Phone
    country: str = "IN"

    @classmethod
    def create(
        cls,
        *,
        name: object,
        line1: object,
        city: object,
        state: object,
        postal_code: object,
        phone: object,
        line2: object = None,
        country: object = "IN",
        field_prefix: str = "shipping_address",
    ) -> ShippingAddress:
        """Check every field; raise one ``InvalidInput`` naming each bad field as
        ``<field_prefix>.<field>`` (``shipping_address.city``).

        Text is kept exactly as given (the order echoes it), but a required field must
        hold more than whitespace. ``line2`` may be absent (``None``, also for blank
        text); ``country`` is an ISO 3166 alpha-2 code in upper case, ``IN`` when
        absent; an Indian postal code is six digits not starting with 0. The phone is
        parsed before it gets here.
        """
        checks = FieldChecks(field_prefix)
        country_code = country if isinstance(country, str) else "IN"
        address = cls(
            name=checks.text("name", name, max_length=100, strip=False),
            line1=checks.text("line1", line1, max_length=200, strip=False),
            line2=checks.optional_text("line2", line2, max_length=200, strip=False),
            city=checks.text("city", city, max_length=100, strip=False),
            state=checks.text("state", state, max_length=100, strip=False),
            postal_code=_postal_code(checks, postal_code, country_code),
            country=_country(checks, country),
            phone=_phone(checks, phone),
        )
        checks.raise_if_any()
        return address


def _country(checks: FieldChecks, value: object) -> str:
    if value is None:
        return "IN"
    code = value if isinstance(value, str) else ""
    if not _COUNTRY.fullmatch(code):
        checks.add("country", "must be two upper-case letters (ISO 3166), such as IN")
    return code


def _postal_code(checks: FieldChecks, value: object, country: str) -> str:
    before = len(checks.errors)
    code = checks.text("postal_code", value, max_length=12, strip=False)
    if len(checks.errors) > before:
        return code
    if country == "IN" and not _IN_POSTAL_CODE.fullmatch(code):
        checks.add("postal_code", "must be six digits not starting with 0")
    elif not _POSTAL_CODE.fullmatch(code):
        checks.add("postal_code", "may hold only letters, digits, spaces and hyphens, "
                                  "and begins and ends with a letter or digit")
    return code


def _phone(checks: FieldChecks, value: object) -> Phone:
    if isinstance(value, Phone):
        return value
    checks.add("phone", "must be a mobile number")
    return Phone("+10000000")


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One product of an order, with the name and price it had when ordered."""

    product_id: int
    name: str
    unit_price: Money
    quantity: int

    @property
    def line_total(self) -> Money:
        """Unit price times quantity, exactly."""
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True, slots=True)
class Order:
    """A placed order. Its status only moves along ``ALLOWED_TRANSITIONS``."""

    id: str
    user_id: str
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    total: Money
    shipping_address: ShippingAddress
    created_at: datetime
    cancelled_at: datetime | None
    updated_at: datetime

    @classmethod
    def place(
        cls,
        order_id: str,
        user_id: str,
        lines: Sequence[OrderLine],
        address: ShippingAddress,
        now: datetime,
        currency: str = "INR",
    ) -> Order:
        """A new order in status ``placed``, its total the exact sum of its lines.

        Raises ``CartEmpty`` without lines; a line priced in another currency is a
        programming error (``ValueError``).
        """
        if not lines:
            raise CartEmpty()
        total = Money.zero(currency)
        for line in lines:
            total = total + line.line_total
        return cls(
            id=order_id,
            user_id=user_id,
            status=OrderStatus.PLACED,
            lines=tuple(lines),
            total=total,
            shipping_address=address,
            created_at=now,
            cancelled_at=None,
            updated_at=now,
        )

    @property
    def currency(self) -> str:
        """The currency of every amount of this order."""
        return self.total.currency

    @property
    def total_quantity(self) -> int:
        """How many units the order holds."""
        return sum(line.quantity for line in self.lines)

    def cancel(self, now: datetime) -> Order:
        """The order cancelled (only from placed or paid, else ``InvalidState``).

        Giving the stock back is the caller's job, in the same transaction.
        """
        self._ensure_can_become(OrderStatus.CANCELLED)
        return replace(self, status=OrderStatus.CANCELLED, cancelled_at=now, updated_at=now)

    def advance_to(self, status: OrderStatus | str, now: datetime) -> Order:
        """The order moved on by an admin (paid, shipped or delivered).

        Any other requested status is ``InvalidInput("status")``; a move the table
        does not allow (including to the current status) is ``InvalidState``.
        """
        target = parse_admin_status(status)
        self._ensure_can_become(target)
        return replace(self, status=target, updated_at=now)

    def _ensure_can_become(self, target: OrderStatus) -> None:
        if not can_transition(self.status, target):
            raise InvalidState(self.status, target)
