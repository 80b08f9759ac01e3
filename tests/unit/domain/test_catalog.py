"""Products: creation and change rules, stock and rating views."""

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shopcore.domain.catalog import (
    MAX_STOCK,
    SORT_NAME_MAX_LENGTH,
    Product,
    ProductChanges,
    ProductDraft,
    VersionMismatch,
    name_sort_key,
    normalise_category,
)
from shopcore.domain.errors import Conflict, InvalidInput
from shopcore.domain.money import Money

CREATED = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def a_product(**overrides: object) -> Product:
    fields: dict[str, object] = {
        "id": 17, "name": "Smartphone", "description": "Latest Android device",
        "price": Money(1_999_900), "category": "mobile", "stock": 12, "archived": False,
        "image_url": None, "thumbnail_url": None, "created_at": CREATED, "updated_at": CREATED,
    }
    fields.update(overrides)
    return Product(**fields)  # type: ignore[arg-type]


def bad_fields(error: InvalidInput) -> list[str]:
    return [e.field for e in error.errors]


# --- Product -------------------------------------------------------------------------

def test_a_product_is_in_stock_while_it_has_units() -> None:
    assert a_product(stock=1).in_stock
    assert not a_product(stock=0).in_stock


def test_a_product_is_immutable() -> None:
    with pytest.raises(FrozenInstanceError):
        a_product().stock = 3  # type: ignore[misc]


def test_rating_average_is_none_without_reviews() -> None:
    assert a_product().rating_average is None


@pytest.mark.parametrize(
    ("count", "total", "average"),
    [
        (1, 5, "5.00"),
        (2, 9, "4.50"),
        (3, 14, "4.67"),   # 4.666…
        (3, 13, "4.33"),   # 4.333…
        (200, 933, "4.67"),  # exactly 4.665: half goes up
        (200, 931, "4.66"),  # exactly 4.655 → 4.66
        (200, 929, "4.65"),  # exactly 4.645 → 4.65
        (6, 7, "1.17"),    # 1.1666…
        (7, 8, "1.14"),    # 1.142857…
        (10**12, 4 * 10**12 + 5 * 10**9, "4.01"),  # 4.005 with huge counts
    ],
)
def test_rating_average_is_rounded_half_up_to_two_decimals(
    count: int, total: int, average: str
) -> None:
    result = a_product(rating_count=count, rating_total=total).rating_average
    assert isinstance(result, Decimal)
    assert str(result) == average


def test_rating_average_matches_exact_fraction_rounding_for_every_small_case() -> None:
    for count in range(1, 60):
        for total in range(count, 5 * count + 1):
            exact_hundredths = (total * 200 + count) // (2 * count)  # half-up, integers only
            expected = Decimal(exact_hundredths).scaleb(-2)
            assert a_product(rating_count=count, rating_total=total).rating_average == expected


def test_archiving_hides_the_product_and_stamps_the_time() -> None:
    archived = a_product().archive(LATER)
    assert archived.archived
    assert archived.updated_at == LATER
    assert archived.created_at == CREATED


def test_a_new_product_is_at_version_1_and_each_change_makes_the_next_one() -> None:
    product = ProductDraft.create("Pen", "Blue", "10", "office", 3).to_product(5, CREATED)
    assert product.version == 1
    changed = ProductChanges.create(stock=2).apply(product, LATER)
    assert changed.version == 2 and changed.archive(LATER).version == 3
    assert ProductChanges.create().apply(changed, LATER).version == 2  # no change


def test_a_product_requires_the_version_a_change_was_based_on() -> None:
    product = a_product(version=4)
    product.require_version(None)
    product.require_version(4)
    with pytest.raises(VersionMismatch) as caught:
        product.require_version(3)
    assert (caught.value.product_id, caught.value.expected, caught.value.current) == (17, 3, 4)
    assert isinstance(caught.value, Conflict)


# --- ProductDraft --------------------------------------------------------------------

def test_draft_keeps_valid_fields_stripped_and_lowercases_the_category() -> None:
    draft = ProductDraft.create("  Smartphone ", "Latest\nAndroid device\t", "19999.00",
                                "  Mobile ", 12, "INR")
    assert draft == ProductDraft("Smartphone", "Latest\nAndroid device", Money(1_999_900),
                                 "mobile", 12)


def test_draft_stock_defaults_to_zero_and_description_may_be_empty() -> None:
    draft = ProductDraft.create("Pen", "", 10, "office")
    assert draft.stock == 0
    assert draft.description == ""
    assert draft.price == Money(1000, "INR")


def test_draft_price_uses_the_shop_currency() -> None:
    assert ProductDraft.create("Pen", "", "1.50", "office", 0, "USD").price == Money(150, "USD")


def test_draft_lists_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        ProductDraft.create("   ", "x" * 5001, "1.005", "", -1, "INR")
    assert bad_fields(caught.value) == ["name", "description", "price", "category", "stock"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a", True), ("a" * 200, True), ("  " + "a" * 200 + "  ", True), ("a" * 201, False),
     ("", False), ("   ", False), (None, False), (5, False), ("bad\x00name", False),
     ("tab\tname", False), ("line\nbreak", False), ("\ud800", False), ("नमस्ते", True)],
)
def test_draft_name_is_1_to_200_printable_characters(name: object, ok: bool) -> None:
    check_field("name", ok, name=name)


@pytest.mark.parametrize(
    ("description", "ok"),
    [("", True), ("x" * 5000, True), ("x" * 5001, False), ("two\nlines\r\n\ttab", True),
     ("nul\x00", False), ("bell\x07", False), (None, False)],
)
def test_draft_description_is_0_to_5000_characters(description: object, ok: bool) -> None:
    check_field("description", ok, description=description)


@pytest.mark.parametrize(
    ("category", "ok"),
    [("m", True), ("c" * 100, True), ("c" * 101, False), ("", False), ("  ", False),
     (3, False), ("İ" * 100, False)],  # "İ".lower() is two characters
)
def test_draft_category_is_1_to_100_characters_after_lowercasing(
    category: object, ok: bool
) -> None:
    check_field("category", ok, category=category)


@pytest.mark.parametrize(("raw", "stored"), [
    ("\u00e9lectronique", "\u00e9lectronique"),
    ("e\u0301lectronique", "\u00e9lectronique"),  # decomposed: composed to U+00E9
    ("  E\u0301LECTRONIQUE ", "\u00e9lectronique"),
    ("Home  Garden", "home garden"),  # a run of inner whitespace is one space
    ("home\u00a0\u2003 garden", "home garden"),
    ("Straße", "straße"),  # lower(), not casefold(): ß stays
    ("ΕΛΛΗΝΙΚΆ", "ελληνικ\u03ac"),
    ("ελληνικα\u0301", "ελληνικ\u03ac"),
    ("\u1f71", "\u03ac"),  # a singleton decomposition: NFC's own form
    ("İstanbul", "i\u0307stanbul"),  # no precomposed "i" with a dot: stays two
    ("electronique", "electronique"),  # accents are not folded away
    ("tab\tkept", "tab\tkept"),  # control characters are left for the check to refuse
])
def test_a_category_is_stored_stripped_lower_case_single_spaced_in_nfc(
    raw: str, stored: str,
) -> None:
    assert normalise_category(raw) == stored
    assert normalise_category(stored) == stored


def test_every_spelling_of_a_category_makes_the_same_draft_and_change() -> None:
    spellings = ["\u00e9lectronique", "e\u0301lectronique", " \u00c9LECTRONIQUE",
                 "E\u0301lectronique "]
    assert {ProductDraft.create("Pen", "", 10, spelling).category
            for spelling in spellings} == {"\u00e9lectronique"}
    assert {ProductChanges.create(category=spelling).category
            for spelling in spellings} == {"\u00e9lectronique"}


@pytest.mark.parametrize(("category", "ok"), [
    ("e\u0301" * 100, True),  # 200 characters typed, 100 stored
    ("a" + "  " * 49 + "b", True),
    ("\u0958" * 100, False),  # NFC lengthens: U+0915 U+093C, 200 characters
    ("home\tgarden", False), ("home\ngarden", False),
])
def test_a_category_is_checked_in_its_stored_form(category: object, ok: bool) -> None:
    check_field("category", ok, category=category)


@pytest.mark.parametrize(
    ("stock", "ok"),
    [(0, True), (MAX_STOCK, True), (MAX_STOCK + 1, False), (-1, False), (True, False),
     (False, False), (1.0, False), ("3", False), (None, False)],
)
def test_draft_stock_is_a_whole_number_up_to_a_billion(stock: object, ok: bool) -> None:
    check_field("stock", ok, stock=stock)


@pytest.mark.parametrize(
    ("price", "ok"),
    [("0", True), ("99999999.99", True), ("100000000", False), (1.5, False), ("NaN", False),
     ("-1", False), (None, False), (True, False)],
)
def test_draft_price_follows_the_money_rules(price: object, ok: bool) -> None:
    check_field("price", ok, price_raw=price)


def check_field(field: str, ok: bool, **given: object) -> None:
    fields: dict[str, object] = {"name": "Pen", "description": "", "price_raw": "1",
                                 "category": "office", "stock": 0}
    fields.update(given)
    if ok:
        ProductDraft.create(**fields)  # type: ignore[arg-type]
        ProductChanges.create(**given)  # type: ignore[arg-type]
        return
    with pytest.raises(InvalidInput) as caught:
        ProductDraft.create(**fields)  # type: ignore[arg-type]
    assert bad_fields(caught.value) == [field]
    if next(iter(given.values())) is not None:  # None means "unchanged" for changes
        with pytest.raises(InvalidInput) as caught:
            ProductChanges.create(**given)  # type: ignore[arg-type]
        assert bad_fields(caught.value) == [field]


def test_draft_becomes_a_fresh_visible_product() -> None:
    draft = ProductDraft.create("Pen", "Blue", "10", "office", 3)
    product = draft.to_product(5, CREATED, image_url="/media/a.jpg",
                               thumbnail_url="/media/a_thumb.jpg")
    assert product == Product(5, "Pen", "Blue", Money(1000), "office", 3, False,
                              "/media/a.jpg", "/media/a_thumb.jpg", CREATED, CREATED, 0, 0)
    assert draft.to_product(6, CREATED).image_url is None


# --- ProductChanges ------------------------------------------------------------------

def test_changes_without_fields_change_nothing() -> None:
    changes = ProductChanges.create()
    assert changes.is_empty
    product = a_product()
    assert changes.apply(product, LATER) is product


def test_changes_replace_only_the_given_fields_and_stamp_the_time() -> None:
    changes = ProductChanges.create(price_raw="10.50", stock=0, category=" Phones ")
    updated = changes.apply(a_product(), LATER)
    assert updated == a_product(price=Money(1050), stock=0, category="phones", updated_at=LATER,
                                version=2)


def test_changes_can_set_every_field() -> None:
    changes = ProductChanges.create(name="New", description="", price_raw=1, category="x",
                                    stock=7, currency="INR")
    assert not changes.is_empty
    updated = changes.apply(a_product(), LATER)
    assert (updated.name, updated.description, updated.price, updated.category,
            updated.stock) == ("New", "", Money(100), "x", 7)
    assert updated.id == 17 and updated.created_at == CREATED


def test_changes_list_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        ProductChanges.create(name="", description=1, price_raw="x", category=" ",
                              stock=True)
    assert bad_fields(caught.value) == ["name", "description", "price", "category", "stock"]


def test_changing_the_description_to_empty_is_a_change() -> None:
    changes = ProductChanges.create(description="")
    assert not changes.is_empty
    assert changes.apply(a_product(), LATER).description == ""


# the name orderings' key


@pytest.mark.parametrize(("name", "key"), [
    ("Apple", "apple"), ("APPLE", "apple"), ("Éclair", "eclair"), ("e\u0301clair", "eclair"),
    ("Äpfel", "apfel"), ("Straße", "strasse"), ("İstanbul", "istanbul"),
    ("ısparta", "ısparta"), ("Ωmega", "ωmega"), ("Ёлка", "елка"), ("ﬁsh", "fish"),
    ("Ｆull", "full"), ("फ़ोन", "फोन"), ("soft\u00adhyphen", "softhyphen"),
    ("C++ & Co.", "c++ & co."), ("wi_fi", "wi_fi"), ("10 items", "10 items"),
])
def test_a_names_sort_key_ignores_case_accents_and_nuktas_and_keeps_the_rest(
    name: str, key: str,
) -> None:
    assert name_sort_key(name) == key


def test_a_sort_key_is_cut_to_its_maximum_length() -> None:
    assert name_sort_key("ß" * 200) == "s" * SORT_NAME_MAX_LENGTH
    assert len(name_sort_key("\ufdfa" * 200)) == SORT_NAME_MAX_LENGTH  # 18 characters each
    assert len(name_sort_key("\ufdfa" * 200).encode()) < 2700  # a PostgreSQL index entry
