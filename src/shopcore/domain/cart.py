"""The shopping cart: its lines, the rules for changing them, and its priced total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput, NotFound
from shopcore.domain.money import Money
from shopcore.domain.ordering import CartEmpty, InsufficientStock, OrderLine, Shortage

MAX_LINE_QUANTITY = 99
MAX_CART_LINES = 100


@dataclass(frozen=True, slots=True)
class CartLine:
    """So many units of one product in a cart."""

    product_id: int
    quantity: int


def check_quantity(value: object, *, minimum: int = 1) -> int:
    """A line quantity as a client sent it: a whole number ``minimum..99``.

    ``minimum`` is 1 for adding and 0 for setting (where 0 removes the line).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("quantity", "must be a whole number")
    if not minimum <= value <= MAX_LINE_QUANTITY:
        raise InvalidInput("quantity", f"must be between {minimum} and {MAX_LINE_QUANTITY}")
    return value


@dataclass(frozen=True, slots=True)
class Cart:
    """One user's cart. Lines keep the order in which products were first added.

    Every change returns a new cart; nothing here looks at prices, which are
    always read fresh when the cart is priced (:meth:`priced`).
    """

    user_id: str
    lines: tuple[CartLine, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True without lines."""
        return not self.lines

    @property
    def total_quantity(self) -> int:
        """How many units the cart holds."""
        return sum(line.quantity for line in self.lines)

    def quantity_of(self, product_id: int) -> int:
        """The units of ``product_id`` in the cart (0 when it has no line)."""
        return next((line.quantity for line in self.lines if line.product_id == product_id), 0)

    def contains(self, product_id: int) -> bool:
        """True when the cart has a line for ``product_id``."""
        return any(line.product_id == product_id for line in self.lines)

    def add(self, product: Product, quantity: object = 1) -> Cart:
        """The cart with ``quantity`` (1..99) more units of ``product``.

        Raises, in this order: ``InvalidInput("quantity")`` for a bad quantity;
        ``NotFound`` for an archived product; ``InvalidInput("product_id")`` when a new
        line would exceed ``MAX_CART_LINES``; ``InvalidInput("quantity")`` when the
        line would exceed 99 units; ``InsufficientStock`` when the line's new quantity
        is above the product's stock (also for stock 0) — its shortage's ``requested``
        is the line's new quantity.
        """
        added = check_quantity(quantity)
        if product.archived:
            raise NotFound(f"Product {product.id} does not exist.")
        new_quantity = self._line_after_adding(product.id, added)
        if new_quantity > product.stock:
            raise InsufficientStock([Shortage(product.id, new_quantity, product.stock)])
        return self._with_quantity(product.id, new_quantity)

    def quantity_after_adding(self, product_id: int, quantity: object) -> int:
        """The units the line of ``product_id`` would hold after :meth:`add`, by the
        checks that need no product: raises ``InvalidInput`` for a bad quantity, a new
        line beyond ``MAX_CART_LINES`` or a line beyond 99 units (whether the product
        exists and has the units is ``add``'s to say)."""
        return self._line_after_adding(product_id, check_quantity(quantity))

    def _line_after_adding(self, product_id: int, added: int) -> int:
        existing = self.quantity_of(product_id)
        if not existing and len(self.lines) >= MAX_CART_LINES:
            raise InvalidInput("product_id",
                               f"a cart holds at most {MAX_CART_LINES} different products")
        new_quantity = existing + added
        if new_quantity > MAX_LINE_QUANTITY:
            raise InvalidInput("quantity", f"a cart line holds at most {MAX_LINE_QUANTITY} "
                                           f"units ({existing} already in the cart)")
        return new_quantity

    def update(self, product: Product, quantity: object) -> Cart:
        """The cart with the line of ``product`` set to ``quantity`` (0..99; 0 removes it).

        Raises ``InvalidInput("quantity")`` for a bad quantity and ``NotFound`` when the
        product has no line. Raising a line's quantity must fit the stock (else
        ``InsufficientStock``; an archived product has none); lowering it is always
        allowed, so a line that became unavailable can be reduced.
        """
        new_quantity = check_quantity(quantity, minimum=0)
        if not self.contains(product.id):
            raise NotFound(f"Product {product.id} is not in the cart.")
        if new_quantity == 0:
            return self.remove(product.id)
        available = product.available
        if new_quantity > self.quantity_of(product.id) and new_quantity > available:
            raise InsufficientStock([Shortage(product.id, new_quantity, available)])
        return self._with_quantity(product.id, new_quantity)

    def remove(self, product_id: int) -> Cart:
        """The cart without the line of ``product_id`` (``NotFound`` if there is none)."""
        if not self.contains(product_id):
            raise NotFound(f"Product {product_id} is not in the cart.")
        return replace(self, lines=tuple(
            line for line in self.lines if line.product_id != product_id
        ))

    def cleared(self) -> Cart:
        """The cart emptied (after an order was placed)."""
        return replace(self, lines=())

    def priced(self, products: Mapping[int, Product], currency: str) -> CartTotal:
        """The cart priced from the products' current state.

        Lines of archived products stay, as unavailable; a line whose product is not
        in ``products`` at all (products are archived, never deleted) is left out.
        """
        return compute_cart_total(
            [PricedCartLine.of(line, products[line.product_id])
             for line in self.lines if line.product_id in products],
            currency,
        )

    def order_lines(self, products: Mapping[int, Product]) -> tuple[OrderLine, ...]:
        """The cart as order lines snapshotting each product's current name and price.

        Raises ``CartEmpty`` without lines, and ``InsufficientStock`` listing *every*
        line short of stock (an archived or unknown product has 0 available).
        """
        if self.is_empty:
            raise CartEmpty()
        shortages = self.shortages(products)
        if shortages:
            raise InsufficientStock(shortages)
        return tuple(
            OrderLine(line.product_id, products[line.product_id].name,
                      products[line.product_id].price, line.quantity)
            for line in self.lines
        )

    def shortages(self, products: Mapping[int, Product]) -> list[Shortage]:
        """Every line short of stock (an archived or unknown product has 0 available)."""
        shortages: list[Shortage] = []
        for line in self.lines:
            available = _available(products.get(line.product_id))
            if line.quantity > available:
                shortages.append(Shortage(line.product_id, line.quantity, available))
        return shortages

    def _with_quantity(self, product_id: int, quantity: int) -> Cart:
        if not self.contains(product_id):
            return replace(self, lines=(*self.lines, CartLine(product_id, quantity)))
        return replace(self, lines=tuple(
            CartLine(product_id, quantity) if line.product_id == product_id else line
            for line in self.lines
        ))


def _available(product: Product | None) -> int:
    return 0 if product is None else product.available


@dataclass(frozen=True, slots=True)
class PricedCartLine:
    """A cart line with its product's current name and price.

    ``available`` is False when the product was archived or its stock is now below
    the quantity.
    """

    product_id: int
    name: str
    unit_price: Money
    quantity: int
    available: bool

    @classmethod
    def of(cls, line: CartLine, product: Product) -> PricedCartLine:
        """``line`` priced with ``product`` as it is now."""
        return cls(
            product_id=line.product_id,
            name=product.name,
            unit_price=product.price,
            quantity=line.quantity,
            available=not product.archived and product.stock >= line.quantity,
        )

    @property
    def line_total(self) -> Money:
        """Unit price times quantity, exactly."""
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A labelled amount added to the subtotal (negative for a discount)."""

    label: str
    amount: Money


@dataclass(frozen=True, slots=True)
class CartTotal:
    """A priced cart: ``total = subtotal + sum(adjustments)``, all exact."""

    lines: tuple[PricedCartLine, ...]
    total_quantity: int
    subtotal: Money
    total: Money
    currency: str
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def all_available(self) -> bool:
        """True when every line could be ordered as it stands."""
        return all(line.available for line in self.lines)


def compute_cart_total(
    lines: Sequence[PricedCartLine],
    currency: str,
    adjustments: Sequence[Adjustment] = (),
) -> CartTotal:
    """Sum the lines (unavailable ones included) and apply ``adjustments``.

    Integer minor units throughout, so totals are exact far beyond 32 bits. An amount
    in another currency is a programming error (``ValueError``).
    """
    subtotal = Money.zero(currency)
    for line in lines:
        subtotal = subtotal + line.line_total
    total = subtotal
    for adjustment in adjustments:
        total = total + adjustment.amount
    return CartTotal(
        lines=tuple(lines),
        total_quantity=sum(line.quantity for line in lines),
        subtotal=subtotal,
        total=total,
        currency=currency,
        adjustments=tuple(adjustments),
    )
