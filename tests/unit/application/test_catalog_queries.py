"""ListProducts, SearchProducts and MostBoughtProducts on the in-memory fakes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shopcore.application.catalog.create_product import CreateProductCommand
from shopcore.application.catalog.list_products import ListProductsQuery
from shopcore.application.catalog.most_bought import MostBoughtQuery
from shopcore.application.catalog.search_products import SearchProductsQuery
from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.phone import Phone
from shopcore.testing import InMemoryShop, build_in_memory_shop


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


async def create(shop: InMemoryShop, name: str, price: str = "10.00",
                 category: str = "misc", stock: int = 1, description: str = "") -> Product:
    shop.clock.advance(seconds=1)
    return await shop.create_product(CreateProductCommand(
        name=name, price=price, category=category, stock=stock, description=description))


def order(shop: InMemoryShop, product: Product, quantity: int,
          status: OrderStatus = OrderStatus.PLACED) -> None:
    number = len(shop.database.state.orders) + 1
    address = ShippingAddress("A", "1 Road", None, "Pune", "MH", "411001", Phone("+919000000001"))
    line = OrderLine(product.id, product.name, product.price, quantity)
    placed = Order.place(f"order-{number:012d}", "u", [line], address, shop.clock.now())
    shop.database.state.orders[placed.id] = replace(placed, status=status)


async def test_the_list_filters_orders_and_pages(shop: InMemoryShop) -> None:
    for name, price in (("a", "5.00"), ("b", "15.00"), ("c", "25.00"), ("d", "35.00")):
        await create(shop, name, price=price, category="Toys")
    page = await shop.list_products(ListProductsQuery(
        category=" TOYS ", min_price="15", max_price=Money(3500).amount, ordering="-price",
        page=1, page_size=2))
    assert [p.name for p in page.items] == ["d", "c"] and page.count == 3 and page.has_next


async def test_a_category_filter_finds_every_spelling_of_the_category(
    shop: InMemoryShop,
) -> None:
    await create(shop, "a", category="\u00e9lectronique")  # precomposed
    await create(shop, "b", category="e\u0301lectronique")  # "e" + combining acute
    await create(shop, "c", category="Électronique")
    await create(shop, "d", category="electronique")  # another category
    for spelling in ("\u00e9lectronique", "e\u0301lectronique", " \u00c9LECTRONIQUE "):
        page = await shop.list_products(ListProductsQuery(category=spelling, ordering="name"))
        assert [p.name for p in page.items] == ["a", "b", "c"] and page.count == 3


async def test_every_bad_filter_is_named(shop: InMemoryShop) -> None:
    with pytest.raises(InvalidInput) as error:
        await shop.list_products(ListProductsQuery(
            category="", min_price="1.001", max_price="NaN", ordering="stock", page=0,
            page_size=101))
    assert {e.field for e in error.value.errors} == {
        "category", "min_price", "max_price", "ordering", "page", "page_size"}


@pytest.mark.parametrize("q", ["", "   ", "x" * 101])
async def test_a_search_needs_1_to_100_characters(shop: InMemoryShop, q: str) -> None:
    with pytest.raises(InvalidInput) as error:
        await shop.search_products(SearchProductsQuery(q))
    assert error.value.errors[0].field == "q"


async def test_a_search_of_100_characters_after_trimming_is_fine(shop: InMemoryShop) -> None:
    await shop.search_products(SearchProductsQuery("  " + "x" * 100 + "  "))


async def test_search_ranks_name_hits_first(shop: InMemoryShop) -> None:
    await create(shop, "Cable", description="for any phone")
    await create(shop, "Phone")
    page = await shop.search_products(SearchProductsQuery("PHO"))
    assert [p.name for p in page.items] == ["Phone", "Cable"]


async def test_a_query_of_punctuation_finds_nothing(shop: InMemoryShop) -> None:
    await create(shop, "Phone")
    page = await shop.search_products(SearchProductsQuery("%_*"))
    assert page.items == () and page.count == 0


async def test_most_bought_counts_the_window_and_skips_cancelled_orders(
    shop: InMemoryShop,
) -> None:
    old, new = await create(shop, "old"), await create(shop, "new")
    order(shop, old, 10)
    shop.clock.advance(days=40)
    order(shop, new, 2)
    order(shop, new, 1)
    order(shop, old, 99, status=OrderStatus.CANCELLED)
    recent = await shop.most_bought_products(MostBoughtQuery(limit=10, days=30))
    assert [(s.product.name, s.units_sold, s.orders) for s in recent] == [("new", 3, 2)]
    ever = await shop.most_bought_products(MostBoughtQuery())
    assert [s.product.name for s in ever] == ["old", "new"]


@pytest.mark.parametrize(("limit", "days", "fields"), [
    (0, None, {"limit"}), (101, None, {"limit"}), (10, 0, {"days"}), (0, 99999, {"limit", "days"})])
async def test_most_bought_checks_its_limits(
    shop: InMemoryShop, limit: int, days: int | None, fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as error:
        await shop.most_bought_products(MostBoughtQuery(limit=limit, days=days))
    assert {e.field for e in error.value.errors} == fields


async def test_the_window_starts_days_before_now(shop: InMemoryShop) -> None:
    product = await create(shop, "p")
    order(shop, product, 1)
    shop.clock.advance(days=30)
    assert len(await shop.most_bought_products(MostBoughtQuery(days=30))) == 1
    shop.clock.advance(seconds=1)
    assert len(await shop.most_bought_products(MostBoughtQuery(days=30))) == 0


async def test_the_window_starts_at_a_whole_second(shop: InMemoryShop) -> None:
    # The requests of one second ask the same question (the read cache shares it).
    product = await create(shop, "p")
    order(shop, product, 1)  # at a whole second
    shop.clock.advance(days=30, microseconds=999_999)
    assert len(await shop.most_bought_products(MostBoughtQuery(days=30))) == 1
    shop.clock.advance(microseconds=1)
    assert len(await shop.most_bought_products(MostBoughtQuery(days=30))) == 0
