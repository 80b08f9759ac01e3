"""The catalog: products, and the rules for creating and changing them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from shopcore.domain.errors import Conflict
from shopcore.domain.money import Money, round_half_up
from shopcore.domain.search import fold
from shopcore.domain.validation import FieldChecks

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
CATEGORY_MAX_LENGTH = 100
MAX_STOCK = 1_000_000_000
SORT_NAME_MAX_LENGTH = 200
"""A name's sort key is cut to this many characters (folding may lengthen a name: "ß"
is "ss", "ﬃ" is "ffi"), which bounds an index entry."""


@dataclass(frozen=True, slots=True)
class Product:
    """A product of the shop. Archived products are hidden but stay for past orders.

    ``rating_count`` and ``rating_total`` (the sum of all ratings) summarise the reviews.
    ``version`` is 1 for a new product and one more after every stored change of it (an
    admin's change, archiving, stock taken by an order or put back by a cancellation,
    its review aggregates): a change can be made conditional on the version its author
    read (:meth:`require_version`), so that it never silently undoes another one.
    """

    id: int
    name: str
    description: str
    price: Money
    category: str
    stock: int
    archived: bool
    image_url: str | None
    thumbnail_url: str | None
    created_at: datetime
    updated_at: datetime
    rating_count: int = 0
    rating_total: int = 0
    version: int = 1

    @property
    def available(self) -> int:
        """The units that can be sold now: the stock, or none once archived."""
        return 0 if self.archived else self.stock

    @property
    def in_stock(self) -> bool:
        """True when at least one unit can be sold."""
        return self.stock > 0

    @property
    def rating_average(self) -> Decimal | None:
        """The mean rating rounded half-up to two decimals (``"4.67"``); None without reviews.

        Exact: the mean is truncated to three decimals with integer arithmetic first,
        which keeps every half-up decision of the second decimal intact.
        """
        if self.rating_count <= 0:
            return None
        thousandths = self.rating_total * 1000 // self.rating_count
        return round_half_up(Decimal(thousandths).scaleb(-3))

    def archive(self, now: datetime) -> Product:
        """The product hidden from the catalog (past orders keep their lines), at its
        next version."""
        return replace(self, archived=True, updated_at=now, version=self.version + 1)

    def require_version(self, expected: int | None) -> None:
        """Raise :class:`VersionMismatch` unless ``expected`` is None (no condition) or
        this product's version."""
        if expected is not None and expected != self.version:
            raise VersionMismatch(self.id, expected, self.version)


class VersionMismatch(Conflict):
    """A change was made conditional on a version of the product that is no longer its
    current one: someone (or an order) changed it since that version was read."""

    def __init__(self, product_id: int, expected: int, current: int) -> None:
        super().__init__(f"Product {product_id} is not at the version this change expects: "
                         "read it again, then repeat the change.")
        self.product_id = product_id
        self.expected = expected
        self.current = current


@dataclass(frozen=True, slots=True)
class ProductDraft:
    """A validated new product, before it has an id."""

    name: str
    description: str
    price: Money
    category: str
    stock: int = 0

    @classmethod
    def create(
        cls,
        name: object,
        description: object,
        price_raw: object,
        category: object,
        stock: object = 0,
        currency: str = "INR",
    ) -> ProductDraft:
        """Check every field; raise one ``InvalidInput`` naming every bad one.

        The category is normalised by :func:`normalise_category`.
        """
        checks = FieldChecks()
        draft = cls(
            name=_name(checks, name),
            description=_description(checks, description),
            price=checks.money("price", price_raw, currency),
            category=_category(checks, category),
            stock=_stock(checks, stock),
        )
        checks.raise_if_any()
        return draft

    def to_product(
        self,
        product_id: int,
        now: datetime,
        *,
        image_url: str | None = None,
        thumbnail_url: str | None = None,
    ) -> Product:
        """The product this draft becomes once it has an id."""
        return Product(
            id=product_id,
            name=self.name,
            description=self.description,
            price=self.price,
            category=self.category,
            stock=self.stock,
            archived=False,
            image_url=image_url,
            thumbnail_url=thumbnail_url,
            created_at=now,
            updated_at=now,
        )


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """A validated partial update of a product; ``None`` leaves a field unchanged."""

    name: str | None = None
    description: str | None = None
    price: Money | None = None
    category: str | None = None
    stock: int | None = None

    @classmethod
    def create(
        cls,
        *,
        name: object = None,
        description: object = None,
        price_raw: object = None,
        category: object = None,
        stock: object = None,
        currency: str = "INR",
    ) -> ProductChanges:
        """Check every given field with the creation rules; raise one ``InvalidInput``."""
        checks = FieldChecks()
        changes = cls(
            name=None if name is None else _name(checks, name),
            description=None if description is None else _description(checks, description),
            price=None if price_raw is None else checks.money("price", price_raw, currency),
            category=None if category is None else _category(checks, category),
            stock=None if stock is None else _stock(checks, stock),
        )
        checks.raise_if_any()
        return changes

    @property
    def is_empty(self) -> bool:
        """True when nothing would change."""
        return all(
            value is None
            for value in (self.name, self.description, self.price, self.category, self.stock)
        )

    def apply(self, product: Product, now: datetime) -> Product:
        """``product`` with these changes, ``updated_at = now``, at its next version
        (unchanged if empty)."""
        if self.is_empty:
            return product
        return replace(
            product,
            name=product.name if self.name is None else self.name,
            description=product.description if self.description is None else self.description,
            price=product.price if self.price is None else self.price,
            category=product.category if self.category is None else self.category,
            stock=product.stock if self.stock is None else self.stock,
            updated_at=now,
            version=product.version + 1,
        )


def name_sort_key(name: str) -> str:
    """What the product list's name orderings compare: the name folded as search folds
    it (``shopcore.domain.search.fold``: NFKD, case folded, without the accents of
    Latin, Greek and Cyrillic letters, nuktas and invisible format characters), cut to
    ``SORT_NAME_MAX_LENGTH`` characters, compared by code point.

    So "apple", "Apple" and "APPLE" are equal, "Éclair" sorts with "eclair" (before
    "Zebra"), "Straße" with "strasse", "İstanbul" with "istanbul", "Ёлка" with "Елка";
    letters without a decomposition ("ı", "ø", "ł", "æ") and other scripts sort by
    their code points, after the Latin letters. Names with equal keys go by ascending
    id. The same on every store and in every locale: the SQL stores keep this key in
    ``products.sort_name`` (migration 0022), compared byte by byte (UTF-8 bytes sort
    as code points)."""
    return fold(name)[:SORT_NAME_MAX_LENGTH]


_SPACE_RUNS = re.compile(r"[^\S\x00-\x1f\x7f-\x9f]+")
"""A run of whitespace other than control characters (tabs and line breaks stay, for
the category's check to refuse)."""


def normalise_category(category: str) -> str:
    """The stored form of a category, also what a category filter compares: stripped,
    lower case (``str.lower``), each run of inner whitespace one space, in Unicode NFC.

    So "Électronique", "e" + U+0301 "lectronique" (the same word, decomposed) and
    " électronique " are one category, "électronique"; "Home \u00a0 Garden" is "home
    garden". Not case folded: "Straße" stays "straße" (what is shown), not "strasse",
    and accents are kept ("electronique" is another category). Whitespace runs are
    collapsed because two spellings that differ only in the spaces between their words
    look alike to whoever types or reads them. Tabs and line breaks are left in place
    (the category's check refuses control characters). NFC is applied last, so the
    result is NFC and normalising it again changes nothing. NFC may lengthen a text (a
    few composition exclusions), so lengths are checked on this form.

    Migration 0024 brought the categories stored before to this form (its own copy of
    this rule: a later change here needs a migration of its own)."""
    return unicodedata.normalize("NFC", _SPACE_RUNS.sub(" ", category.strip().lower()))


def _name(checks: FieldChecks, value: object) -> str:
    return checks.text("name", value, max_length=NAME_MAX_LENGTH)


def _description(checks: FieldChecks, value: object) -> str:
    return checks.text("description", value, min_length=0,
                       max_length=DESCRIPTION_MAX_LENGTH, multiline=True)


def _category(checks: FieldChecks, value: object) -> str:
    # Checked once normalised: lower() and NFC may lengthen a text.
    normalised = normalise_category(value) if isinstance(value, str) else value
    return checks.text("category", normalised, max_length=CATEGORY_MAX_LENGTH)


def _stock(checks: FieldChecks, value: object) -> int:
    return checks.integer("stock", value, minimum=0, maximum=MAX_STOCK)
