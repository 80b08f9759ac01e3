"""Contract of the read-side catalog (list, detail, search, best sellers), on the
in-memory fake, SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductFilters, ProductOrdering
from shopcore.domain.catalog import Product, ProductChanges, ProductDraft, normalise_category
from shopcore.domain.money import Money
from shopcore.domain.search import SearchTerms
from tests.contract.conftest import CatalogStore

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FIRST_PAGE = PageRequest(1, 20)
EVERYTHING = ProductFilters()


async def add(store: CatalogStore, name: str, *, price: str = "100.00", category: str = "misc",
              description: str = "", stock: int = 5, minutes: int = 0) -> Product:
    async with store.uow() as work:
        product = await work.products.add(
            ProductDraft.create(name, description, price, category, stock),
            NOW + timedelta(minutes=minutes))
        await work.commit()
    return product


async def archive(store: CatalogStore, product: Product) -> None:
    async with store.uow() as work:
        await work.products.update(product.archive(NOW + timedelta(hours=1)))
        await work.commit()


async def names(store: CatalogStore, filters: ProductFilters = EVERYTHING,
                page: PageRequest = FIRST_PAGE) -> list[str]:
    return [p.name for p in (await store.catalog.list_products(filters, page)).items]


async def found(store: CatalogStore, q: str, page: PageRequest = FIRST_PAGE) -> list[str]:
    return [p.name for p in (await store.catalog.search(SearchTerms.parse(q), page)).items]


# list and detail


async def test_the_default_list_is_newest_first_with_ties_by_ascending_id(
    catalog_store: CatalogStore,
) -> None:
    await add(catalog_store, "old", minutes=0)
    await add(catalog_store, "tie-a", minutes=5)
    await add(catalog_store, "tie-b", minutes=5)
    await add(catalog_store, "new", minutes=9)
    assert await names(catalog_store) == ["new", "tie-a", "tie-b", "old"]


@pytest.mark.parametrize(("ordering", "expected"), [
    (ProductOrdering.PRICE, ["b", "c", "a", "d"]),
    (ProductOrdering.PRICE_DESC, ["d", "a", "b", "c"]),
    (ProductOrdering.NAME, ["a", "b", "c", "d"]),
    (ProductOrdering.NAME_DESC, ["d", "c", "b", "a"]),
    (ProductOrdering.CREATED_AT, ["b", "d", "a", "c"]),
    (ProductOrdering.CREATED_AT_DESC, ["a", "c", "b", "d"]),
])
async def test_every_ordering_breaks_ties_by_ascending_id(
    catalog_store: CatalogStore, ordering: ProductOrdering, expected: list[str]
) -> None:
    # ids follow insertion order: a=1, b=2, c=3, d=4
    await add(catalog_store, "a", price="20.00", minutes=3)
    await add(catalog_store, "b", price="10.00", minutes=1)
    await add(catalog_store, "c", price="10.00", minutes=3)
    await add(catalog_store, "d", price="30.00", minutes=1)
    assert await names(catalog_store, ProductFilters(ordering=ordering)) == expected


async def test_name_ordering_ignores_ascii_case(catalog_store: CatalogStore) -> None:
    for name in ("banana", "Apple", "cherry", "apple"):
        await add(catalog_store, name)
    ordered = await names(catalog_store, ProductFilters(ordering=ProductOrdering.NAME))
    assert ordered == ["Apple", "apple", "banana", "cherry"]


# Names sort by their folded letters (shopcore.domain.catalog.name_sort_key): case,
# the accents of Latin, Greek and Cyrillic letters and the nukta ignored, then code
# point order; equal keys by ascending id. The same on every store, in every locale.
NAMES_AS_ADDED = [
    "Zebra", "éclair", "apple", "Äpfel", "Éclair", "APPLE", "eclair", "Straße", "strasse",
    "İstanbul", "istanbul", "Ωmega", "Яблоко", "फ़ोन", "zebra", "Apple", "apfel",
    "e\u0301clair", "ﬁsh", "Fish", "Ёлка", "Елка", "ısparta",
]
NAMES_ASCENDING = [
    "Äpfel", "apfel", "apple", "APPLE", "Apple", "éclair", "Éclair", "eclair",
    "e\u0301clair", "ﬁsh", "Fish", "İstanbul", "istanbul", "Straße", "strasse", "Zebra",
    "zebra", "ısparta", "Ωmega", "Ёлка", "Елка", "Яблоко", "फ़ोन",
]
NAMES_DESCENDING = [
    "फ़ोन", "Яблоко", "Ёлка", "Елка", "Ωmega", "ısparta", "Zebra", "zebra", "Straße",
    "strasse", "İstanbul", "istanbul", "ﬁsh", "Fish", "éclair", "Éclair", "eclair",
    "e\u0301clair", "apple", "APPLE", "Apple", "Äpfel", "apfel",
]


@pytest.mark.parametrize(("ordering", "expected"), [
    (ProductOrdering.NAME, NAMES_ASCENDING), (ProductOrdering.NAME_DESC, NAMES_DESCENDING),
], ids=["name", "-name"])
async def test_names_sort_by_their_letters_ignoring_case_and_accents_in_every_locale(
    catalog_store_every_collation: CatalogStore, ordering: ProductOrdering,
    expected: list[str],
) -> None:
    store = catalog_store_every_collation
    for name in NAMES_AS_ADDED:
        await add(store, name, category="food" if name.isascii() else "world")
    by_name = ProductFilters(ordering=ordering)
    assert await names(store, by_name, PageRequest(1, 100)) == expected
    paged = [await store.catalog.list_products(by_name, PageRequest(number, 5))
             for number in range(1, 6)]
    assert [p.name for page in paged for p in page.items] == expected
    assert [(page.count, page.has_next, page.has_previous) for page in paged] == [
        (23, True, False), (23, True, True), (23, True, True), (23, True, True),
        (23, False, True)]
    food = ProductFilters(category="food", ordering=ordering)
    assert await names(store, food, PageRequest(1, 100)) == [
        name for name in expected if name.isascii()]


async def test_long_names_sort_by_their_first_200_folded_characters(
    catalog_store_every_collation: CatalogStore,
) -> None:
    store = catalog_store_every_collation
    sharp_s = await add(store, "ß" * 200)  # "ss" * 200: its key is "s" * 200
    capital = await add(store, "S" * 200)  # the same key: after it, by id
    earlier = await add(store, "s" * 199 + "r")
    arabic = await add(store, "\ufdfa" * 200)  # 18 characters each, folded
    by_name = ProductFilters(ordering=ProductOrdering.NAME)
    listed = (await store.catalog.list_products(by_name, FIRST_PAGE)).items
    assert [p.id for p in listed] == [earlier.id, sharp_s.id, capital.id, arabic.id]
    assert listed[0] == earlier and listed[3] == arabic


async def test_a_renamed_product_moves_in_the_name_order(
    catalog_store_every_collation: CatalogStore,
) -> None:
    store = catalog_store_every_collation
    zebra = await add(store, "Zebra")
    await add(store, "Mango")
    async with store.uow() as work:
        await work.products.update(ProductChanges.create(name="Éléphant").apply(zebra, NOW))
        await work.commit()
    by_name = ProductFilters(ordering=ProductOrdering.NAME)
    assert await names(store, by_name) == ["Éléphant", "Mango"]


async def test_filters_combine_and_price_bounds_are_inclusive(
    catalog_store: CatalogStore,
) -> None:
    await add(catalog_store, "cheap", price="9.99", category="mobile")
    await add(catalog_store, "low", price="10.00", category="mobile")
    await add(catalog_store, "high", price="20.00", category="mobile", stock=0)
    await add(catalog_store, "dear", price="20.01", category="mobile")
    await add(catalog_store, "other", price="15.00", category="audio")
    by_price = ProductFilters(min_price=Money(1000), max_price=Money(2000),
                              ordering=ProductOrdering.PRICE)
    assert await names(catalog_store, by_price) == ["low", "other", "high"]
    mobile = ProductFilters(category="mobile", ordering=ProductOrdering.PRICE)
    assert await names(catalog_store, mobile) == ["cheap", "low", "high", "dear"]
    in_stock = ProductFilters(category="mobile", in_stock=True, ordering=ProductOrdering.PRICE)
    assert await names(catalog_store, in_stock) == ["cheap", "low", "dear"]
    sold_out = ProductFilters(in_stock=False)
    assert await names(catalog_store, sold_out) == ["high"]


async def test_pages_count_every_match_and_slice_in_order(catalog_store: CatalogStore) -> None:
    for number in range(5):
        await add(catalog_store, f"p{number}", minutes=number)
    created = ProductFilters(ordering=ProductOrdering.CREATED_AT)
    second = await catalog_store.catalog.list_products(created, PageRequest(2, 2))
    assert [p.name for p in second.items] == ["p2", "p3"]
    assert second.count == 5 and second.has_next and second.has_previous
    beyond = await catalog_store.catalog.list_products(created, PageRequest(9, 2))
    assert beyond.items == () and beyond.count == 5 and not beyond.has_next


async def test_archived_products_are_neither_listed_nor_shown(
    catalog_store: CatalogStore,
) -> None:
    kept, gone = await add(catalog_store, "kept"), await add(catalog_store, "gone")
    await archive(catalog_store, gone)
    assert await names(catalog_store) == ["kept"]
    assert (await catalog_store.catalog.list_products(ProductFilters(), FIRST_PAGE)).count == 1
    assert await catalog_store.catalog.get_visible(kept.id) == kept
    assert await catalog_store.catalog.get_visible(gone.id) is None


@pytest.mark.parametrize("product_id", [0, -1, 999, 2**31, 2**63, 10**30])
async def test_unknown_and_out_of_range_ids_are_simply_not_found(
    catalog_store: CatalogStore, product_id: int
) -> None:
    await add(catalog_store, "only")
    assert await catalog_store.catalog.get_visible(product_id) is None


async def test_products_read_back_with_every_field(catalog_store: CatalogStore) -> None:
    product = await add(catalog_store, "Smartphone", price="99999999.99", category="mobile",
                        description="Latest\nAndroid", stock=12)
    async with catalog_store.uow() as work:
        await work.products.adjust_rating(product.id, 2, 9)
        await work.commit()
    shown = await catalog_store.catalog.get_visible(product.id)
    assert shown is not None
    assert shown.price == Money(9_999_999_999) and shown.description == "Latest\nAndroid"
    assert (shown.rating_count, shown.rating_total) == (2, 9)
    assert shown.created_at == NOW and shown.created_at.tzinfo is not None


@pytest.mark.parametrize("ordering", list(ProductOrdering), ids=str)
async def test_equal_prices_times_and_names_page_by_ascending_id(
    catalog_store: CatalogStore, ordering: ProductOrdering,
) -> None:
    # 41 products alike in every sorted field: three pages of 20, 20 and 1, by id
    added = [await add(catalog_store, "Twin", price="5.00") for _ in range(41)]
    filters = ProductFilters(ordering=ordering)
    pages = [await catalog_store.catalog.list_products(filters, PageRequest(number, 20))
             for number in (1, 2, 3, 4)]
    assert [p.id for page in pages for p in page.items] == [p.id for p in added]
    assert [(len(page.items), page.count, page.has_next, page.has_previous)
            for page in pages] == [(20, 41, True, False), (20, 41, True, True),
                                   (1, 41, False, True), (0, 41, False, True)]


async def test_prices_at_the_limits_are_listed_filtered_and_ordered(
    catalog_store: CatalogStore,
) -> None:
    await add(catalog_store, "dearest", price="99999999.99")
    await add(catalog_store, "free", price="0")
    await add(catalog_store, "cent", price="0.01")
    await add(catalog_store, "also dearest", price="99999999.99")
    everything = ProductFilters(min_price=Money(0), max_price=Money(9_999_999_999),
                                ordering=ProductOrdering.PRICE_DESC)
    assert await names(catalog_store, everything) == ["dearest", "also dearest", "cent", "free"]
    free = ProductFilters(max_price=Money(0))
    assert await names(catalog_store, free) == ["free"]
    dearest = ProductFilters(min_price=Money(9_999_999_999), ordering=ProductOrdering.PRICE)
    assert await names(catalog_store, dearest) == ["dearest", "also dearest"]
    assert await names(catalog_store, ProductFilters(min_price=Money(1), max_price=Money(0))) \
        == []


CATEGORIES = ["électronique", "electronique", "straße", "strasse", "i̇stanbul",
              "ελληνικά", "हिन्दी", "home garden", "home-garden", "x" * 100]


@pytest.mark.parametrize("category", CATEGORIES)
async def test_a_category_in_any_script_is_matched_and_counted_exactly(
    catalog_store: CatalogStore, category: str,
) -> None:
    # Categories are stored as ProductDraft normalises them (normalise_category:
    # stripped, lower(), inner whitespace runs one space, NFC); a filter matches the
    # stored text exactly: no store folds accents, ß or hyphens. The count is the kept
    # one.
    for number, stored in enumerate(CATEGORIES):
        await add(catalog_store, f"{number}", category=stored)
        await add(catalog_store, f"{number} again", category=stored)
    filters = ProductFilters(category=category, ordering=ProductOrdering.NAME)
    page = await catalog_store.catalog.list_products(filters, FIRST_PAGE)
    number = CATEGORIES.index(category)
    assert [p.name for p in page.items] == [f"{number}", f"{number} again"]
    assert page.count == 2 and {p.category for p in page.items} == {category}


SPELLINGS = [("électronique", ["\u00e9lectronique", "e\u0301lectronique", " \u00c9lectronique ",
                                "E\u0301LECTRONIQUE"]),
             ("home garden", ["home garden", "Home  Garden", "home\u00a0\u2003garden"]),
             ("ελληνικά", ["ελληνικά", "ελληνικα\u0301", "ΕΛΛΗΝΙΚΆ"])]


@pytest.mark.parametrize(("stored", "spellings"), SPELLINGS, ids=["nfc", "spaces", "greek"])
async def test_a_category_written_in_several_spellings_is_one_category(
    catalog_store: CatalogStore, stored: str, spellings: list[str],
) -> None:
    # Precomposed or decomposed accents, case and runs of spaces make one category:
    # one stored text, one count, and a filter of any spelling (normalised as
    # ListProducts does) lists every product.
    for number, spelling in enumerate(spellings):
        await add(catalog_store, f"{number}", category=spelling)
    await add(catalog_store, "other", category="electronique")
    for spelling in spellings:
        filters = ProductFilters(category=normalise_category(spelling),
                                 ordering=ProductOrdering.NAME)
        page = await catalog_store.catalog.list_products(filters, FIRST_PAGE)
        assert [p.name for p in page.items] == [f"{n}" for n in range(len(spellings))]
        assert page.count == len(spellings)
        assert {p.category for p in page.items} == {stored}
    everything = await catalog_store.catalog.list_products(EVERYTHING, FIRST_PAGE)
    assert everything.count == len(spellings) + 1


async def test_products_archived_between_pages_shift_the_later_pages_alike(
    catalog_store: CatalogStore,
) -> None:
    added = [await add(catalog_store, f"p{number:02d}", category="toys", minutes=number)
             for number in range(25)]
    for filters in (ProductFilters(ordering=ProductOrdering.CREATED_AT),
                    ProductFilters(category="toys", ordering=ProductOrdering.CREATED_AT),
                    ProductFilters(in_stock=True, ordering=ProductOrdering.CREATED_AT)):
        first = await catalog_store.catalog.list_products(filters, PageRequest(1, 10))
        assert [p.name for p in first.items] == [f"p{n:02d}" for n in range(10)]
    await archive(catalog_store, added[3])
    await archive(catalog_store, added[12])
    for filters in (ProductFilters(ordering=ProductOrdering.CREATED_AT),
                    ProductFilters(category="toys", ordering=ProductOrdering.CREATED_AT),
                    ProductFilters(in_stock=True, ordering=ProductOrdering.CREATED_AT)):
        second = await catalog_store.catalog.list_products(filters, PageRequest(2, 10))
        third = await catalog_store.catalog.list_products(filters, PageRequest(3, 10))
        assert [p.name for p in second.items] == [
            f"p{n:02d}" for n in (*range(11, 12), *range(13, 22))]
        assert [p.name for p in third.items] == ["p22", "p23", "p24"]
        assert (second.count, second.has_next, third.count, third.has_next) == (
            23, True, 23, False)


@pytest.mark.parametrize(("count", "total", "average"), [
    (1, 5, "5.00"), (2, 9, "4.50"), (3, 14, "4.67"), (3, 13, "4.33"), (8, 35, "4.38"),
    (8, 33, "4.13"), (200, 601, "3.01"), (400, 1002, "2.51"), (7, 7, "1.00"), (0, 0, None),
])
async def test_rating_averages_round_half_up_to_two_decimals_on_every_store(
    catalog_store: CatalogStore, count: int, total: int, average: str | None,
) -> None:
    product = await add(catalog_store, "Rated")
    async with catalog_store.uow() as work:
        await work.products.adjust_rating(product.id, count, total)
        await work.commit()
    shown = await catalog_store.catalog.get_visible(product.id)
    listed = (await catalog_store.catalog.list_products(EVERYTHING, FIRST_PAGE)).items[0]
    assert shown is not None and shown == listed
    assert (None if shown.rating_average is None else str(shown.rating_average)) == average


# search


async def test_search_finds_word_prefixes_case_insensitively(catalog_store: CatalogStore) -> None:
    await add(catalog_store, "Smartphone X", category="mobile")
    await add(catalog_store, "Laptop", category="computers")
    assert await found(catalog_store, "smart") == ["Smartphone X"]
    assert await found(catalog_store, "SMARTPHONE") == ["Smartphone X"]
    assert await found(catalog_store, "phone") == []  # a prefix of a word, not a substring


async def test_name_hits_outrank_category_hits_outrank_description_hits(
    catalog_store: CatalogStore,
) -> None:
    await add(catalog_store, "Charger", description="Charges any phone quickly")
    await add(catalog_store, "Case", category="phone-accessories")
    await add(catalog_store, "Phone stand", description="Holds things")
    assert await found(catalog_store, "phone") == ["Phone stand", "Case", "Charger"]


async def test_every_word_must_match_somewhere(catalog_store: CatalogStore) -> None:
    await add(catalog_store, "Red phone", description="bright")
    await add(catalog_store, "Blue phone", description="calm")
    await add(catalog_store, "Red kettle")
    assert await found(catalog_store, "red phone") == ["Red phone"]
    assert await found(catalog_store, "phone calm") == ["Blue phone"]


PHONE = ["Phone"]


@pytest.mark.parametrize(("q", "expected"), [
    ("%", []), ("_", []), ("*", []), ('"', []), ("'", []), ("%%", []), ("\\", []),
    ("ph%", PHONE), ("p_one", []), ("phone*", PHONE), ('"phone', PHONE), ("(phone", PHONE),
    ("phone)", PHONE), ("-phone", PHONE), ("^phone", PHONE), ("phone:*", PHONE),
    ("!phone", PHONE), ("phone & kettle", PHONE), ("phone | kettle", PHONE),
    ("NOT phone", PHONE), ("phone OR kettle", []), ("phone AND", []), ("name:kettle", []),
    ("{name}: phone", []), ("NEAR(phone kettle)", []), ("' OR 1=1 --", []),
    ("phone\x00", PHONE), ("ⅷ", []), ("ØÆ", []), ("a:*A", PHONE),
])
async def test_operator_and_wildcard_input_never_widens_and_never_fails(
    catalog_store: CatalogStore, q: str, expected: list[str]
) -> None:
    await add(catalog_store, "Phone", description="not a kettle")
    await add(catalog_store, "Kettle", description="boils water")
    await add(catalog_store, "Name tag")
    assert await found(catalog_store, q) == expected


async def test_not_and_or_are_searched_as_words(catalog_store: CatalogStore) -> None:
    await add(catalog_store, "Phone", description="not a kettle")
    await add(catalog_store, "Kettle", description="boils water")
    assert await found(catalog_store, "NOT phone") == ["Phone"]
    assert await found(catalog_store, "phone OR kettle") == []


async def test_search_pages_and_counts(catalog_store: CatalogStore) -> None:
    for number in range(5):
        await add(catalog_store, f"Lamp {number}")
    page = await catalog_store.catalog.search(SearchTerms.parse("lamp"), PageRequest(2, 2))
    assert page.count == 5 and [p.name for p in page.items] == ["Lamp 2", "Lamp 3"]
    past_the_end = await catalog_store.catalog.search(SearchTerms.parse("lamp"),
                                                      PageRequest(4, 2))
    assert past_the_end.count == 5 and past_the_end.items == ()


async def test_search_neither_finds_nor_counts_archived_products(
    catalog_store: CatalogStore,
) -> None:
    lamps = [await add(catalog_store, f"Lamp {number}") for number in range(3)]
    await archive(catalog_store, lamps[1])
    page = await catalog_store.catalog.search(SearchTerms.parse("lamp"), FIRST_PAGE)
    assert page.count == 2 and [p.name for p in page.items] == ["Lamp 0", "Lamp 2"]


async def test_search_follows_creates_updates_and_archives(catalog_store: CatalogStore) -> None:
    product = await add(catalog_store, "Teapot")
    assert await found(catalog_store, "teap") == ["Teapot"]
    async with catalog_store.uow() as work:
        renamed = ProductChanges.create(name="Coffee grinder").apply(product, NOW)
        await work.products.update(renamed)
        await work.commit()
    assert await found(catalog_store, "teapot") == []
    assert await found(catalog_store, "grind") == ["Coffee grinder"]
    await archive(catalog_store, renamed)
    assert await found(catalog_store, "grind") == []


# One definition of a word on every store (shopcore.domain.search): Indic words keep
# their vowel signs and viramas, nuktas and Latin accents are folded, punctuation and
# "_" separate words. Each name appears once per list, compared as sets: the stores
# order the products of one tier by their own relevance scores.
MOBILE = "मोबाइल फ\u093cोन"  # "mobile phone", the nukta as a combining mark
COVER = "फोन कवर"  # "phone cover", without nukta
MUG = "Café Crème Mug"
TORCH = "Crème brûlée torch"
JACK = "Headphone jack adapter 3.5mm"
SUPPORT = "Support bundle"
ROUTER = "Wi-Fi router"
WATCH = "Smart_Watch"
WORLDWIDE = [
    (MOBILE, "मोबाइल", "स्मार्टफोन 5G, दो सिम"),
    (COVER, "accessories", "सिलिकॉन"),
    (MUG, "kitchen", "Holds 350 ml"),
    (TORCH, "kitchen", "Butane"),
    (JACK, "audio", "3.5 mm to USB-C"),
    (SUPPORT, "services", "Mail support@example.com or visit https://help.example.com/wi-fi"),
    (ROUTER, "network", "dual_band 2.4/5 GHz"),
    (WATCH, "wearables", ""),
]


@pytest.mark.parametrize(("q", "expected"), [
    # Hindi: whole words, with or without nukta, and prefixes of them
    ("फोन", {MOBILE, COVER}),
    ("\u095eोन", {MOBILE, COVER}),  # फ़ as one character
    ("फ\u093cोन", {MOBILE, COVER}),  # फ + nukta
    ("फो", {MOBILE, COVER}),
    ("फ", {MOBILE, COVER}),
    ("मोबाइल फोन", {MOBILE}),
    ("स्मार्ट", {MOBILE}),  # the start of a word with a virama
    ("कवर", {COVER}),
    ("सिम", {MOBILE}),
    # accented Latin: either way round, any case
    ("cafe", {MUG}), ("CAFÉ", {MUG}), ("café", {MUG}), ("Cafe\u0301", {MUG}),
    ("creme", {MUG, TORCH}), ("CRÈME", {MUG, TORCH}), ("crème brûlée", {TORCH}),
    ("brul", {TORCH}),
    # numbers, e-mail addresses, URLs, hyphens, underscores: words between separators
    ("3.5", {JACK}), ("3.5mm", {JACK}), ("3,5", {JACK}), ("350", {MUG}),
    ("support@example.com", {SUPPORT}), ("example.com", {SUPPORT}),
    ("https://help.example.com", {SUPPORT}), ("help.example", {SUPPORT}),
    ("wi-fi", {ROUTER, SUPPORT}), ("Wi Fi", {ROUTER, SUPPORT}), ("wifi", set()),
    ("usb-c", {JACK}), ("dual_band", {ROUTER}), ("2.4 ghz", {ROUTER}),
    ("smart_watch", {WATCH}), ("smart watch", {WATCH}), ("smart", {WATCH}),
    # mixed scripts and punctuation
    ("फोन 5g", {MOBILE}), ("café-350", {MUG}), ("mobile फोन", set()),
    ("@@", set()), ("..", set()),
])
async def test_every_store_finds_the_same_words_in_every_script(
    catalog_store: CatalogStore, q: str, expected: set[str]
) -> None:
    for name, category, description in WORLDWIDE:
        await add(catalog_store, name, category=category, description=description)
    names = await found(catalog_store, q)
    assert len(names) == len(set(names))
    assert set(names) == expected


async def test_a_query_without_words_matches_nothing(catalog_store: CatalogStore) -> None:
    await add(catalog_store, "Anything")
    empty = await catalog_store.catalog.search(SearchTerms.parse("%*_"), FIRST_PAGE)
    assert empty.items == () and empty.count == 0


# most bought


async def test_most_bought_counts_units_and_orders_of_non_cancelled_orders(
    catalog_store: CatalogStore,
) -> None:
    a, b, c = [await add(catalog_store, name) for name in "abc"]
    await catalog_store.record_order([(a.id, 2), (b.id, 1)])
    await catalog_store.record_order([(a.id, 1)], status="paid")
    await catalog_store.record_order([(b.id, 5)], status="delivered")
    await catalog_store.record_order([(c.id, 50)], status="cancelled")
    sellers = await catalog_store.catalog.most_bought(10, None)
    assert [(s.product.name, s.units_sold, s.orders) for s in sellers] == [
        ("b", 6, 2), ("a", 3, 2)]
    assert sellers[0].product == b


@pytest.mark.parametrize("days", [None, 30], ids=["all time", "window"])
async def test_most_bought_ties_go_by_product_id_and_limit_cuts(
    catalog_store: CatalogStore, days: int | None,
) -> None:
    products = [await add(catalog_store, name) for name in "abcd"]
    for product in reversed(products):
        await catalog_store.record_order([(product.id, 3)])
    since = None if days is None else NOW - timedelta(days=days)
    sellers = await catalog_store.catalog.most_bought(3, since)
    assert [s.product.name for s in sellers] == ["a", "b", "c"]


async def test_most_bought_honours_the_window(catalog_store: CatalogStore) -> None:
    old, recent = await add(catalog_store, "old"), await add(catalog_store, "recent")
    await catalog_store.record_order([(old.id, 9)], created_at=NOW - timedelta(days=40))
    await catalog_store.record_order([(recent.id, 1)], created_at=NOW - timedelta(days=2))
    window = await catalog_store.catalog.most_bought(10, NOW - timedelta(days=30))
    assert [s.product.name for s in window] == ["recent"]
    ever = await catalog_store.catalog.most_bought(10, None)
    assert [s.product.name for s in ever] == ["old", "recent"]


@pytest.mark.parametrize("days", [None, 30], ids=["all time", "window"])
async def test_archived_products_are_left_out_of_most_bought(
    catalog_store: CatalogStore, days: int | None,
) -> None:
    gone, kept = await add(catalog_store, "gone"), await add(catalog_store, "kept")
    await catalog_store.record_order([(gone.id, 9), (kept.id, 1)])
    await archive(catalog_store, gone)
    since = None if days is None else NOW - timedelta(days=days)
    sellers = await catalog_store.catalog.most_bought(1, since)
    assert [(s.product.name, s.units_sold) for s in sellers] == [("kept", 1)]


MIDNIGHT = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
AROUND_MIDNIGHT = [  # (name, created_at) of one order each
    ("before", MIDNIGHT - timedelta(microseconds=1)),
    ("at", MIDNIGHT),
    ("just after", MIDNIGHT + timedelta(microseconds=1)),
    ("end of day", MIDNIGHT + timedelta(days=1, microseconds=-1)),
    ("next day", MIDNIGHT + timedelta(days=1)),
    ("days later", MIDNIGHT + timedelta(days=3, hours=5)),
]


@pytest.mark.parametrize(("since", "expected"), [
    (MIDNIGHT, ["at", "just after", "end of day", "next day", "days later"]),
    (MIDNIGHT - timedelta(microseconds=1), [name for name, _ in AROUND_MIDNIGHT]),
    (MIDNIGHT + timedelta(microseconds=1), ["just after", "end of day", "next day",
                                            "days later"]),
    (MIDNIGHT + timedelta(hours=12), ["end of day", "next day", "days later"]),
    (MIDNIGHT + timedelta(days=1), ["next day", "days later"]),
    (MIDNIGHT - timedelta(days=30), [name for name, _ in AROUND_MIDNIGHT]),
    (MIDNIGHT + timedelta(days=3, hours=5), ["days later"]),
    (MIDNIGHT + timedelta(days=9), []),
], ids=["midnight", "1us before", "1us after", "noon", "next midnight", "30 days",
        "at the last", "after all"])
async def test_a_window_starts_exactly_at_its_moment_across_day_boundaries(
    catalog_store: CatalogStore, since: datetime, expected: list[str],
) -> None:
    # SQL stores add whole UTC days from the daily sales to the orders of the window's
    # first, partial day; memory reads every order: the same products either way.
    for name, created_at in AROUND_MIDNIGHT:
        product = await add(catalog_store, name)
        await catalog_store.record_order([(product.id, 2)], created_at=created_at)
    cancelled = await add(catalog_store, "cancelled")
    await catalog_store.record_order([(cancelled.id, 50)], status="cancelled",
                                     created_at=MIDNIGHT + timedelta(hours=1))
    sellers = await catalog_store.catalog.most_bought(100, since)
    assert [s.product.name for s in sellers] == expected  # ties (2 units) by product id
    assert {(s.units_sold, s.orders) for s in sellers} <= {(2, 1)}
