"""SeedDemoOrders: a deterministic order history for the demo catalog, on the fakes."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from shopcore.application.catalog.seed_demo_catalog import SeedDemoCatalogCommand
from shopcore.application.shopping.seed_demo_orders import DEMO_BUYERS, SeedDemoOrdersCommand
from shopcore.domain.errors import InvalidInput
from shopcore.domain.ordering import OrderStatus
from shopcore.testing import InMemoryShop, build_in_memory_shop


async def demo_shop(products: int = 40) -> InMemoryShop:
    shop = build_in_memory_shop()
    await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=products))
    return shop


async def test_the_history_has_the_orders_asked_for_by_the_demo_buyers() -> None:
    shop = await demo_shop()
    seeded = await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=400))
    orders = list(shop.database.state.orders.values())
    assert (seeded.buyers, seeded.orders) == (DEMO_BUYERS, 400) == \
        (len(shop.database.state.users), len(orders))
    assert seeded.order_lines == sum(len(order.lines) for order in orders)
    assert {len(order.lines) for order in orders} == {1, 2, 3, 4}
    assert {order.user_id for order in orders} <= set(shop.database.state.users)


async def test_exactly_the_lines_asked_for() -> None:
    shop = await demo_shop()
    seeded = await shop.seed_demo_orders(SeedDemoOrdersCommand(order_lines=1001))
    orders = shop.database.state.orders.values()
    assert seeded.order_lines == 1001 == sum(len(order.lines) for order in orders)
    assert seeded.orders == len(orders)


async def test_past_orders_are_valid_history_of_the_year_and_take_no_stock() -> None:
    shop = await demo_shop()
    stock = {p.id: p.stock for p in shop.database.state.products.values()}
    await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=1000))
    midnight = shop.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    orders = list(shop.database.state.orders.values())
    for order in orders:
        assert midnight - timedelta(days=365) <= order.created_at < midnight
        assert order.created_at <= order.updated_at <= midnight
        assert (order.cancelled_at is not None) == (order.status is OrderStatus.CANCELLED)
        assert order.total.minor == sum(line.line_total.minor for line in order.lines)
        for line in order.lines:
            product = shop.database.state.products[line.product_id]
            assert (line.name, line.unit_price) == (product.name, product.price)
    statuses = Counter(order.status for order in orders)
    assert set(statuses) == set(OrderStatus)
    assert 20 <= statuses[OrderStatus.CANCELLED] <= 80  # one in twenty
    assert statuses[OrderStatus.DELIVERED] > len(orders) / 2
    assert {p.id: p.stock for p in shop.database.state.products.values()} == stock


async def test_low_product_ids_sell_most() -> None:
    shop = await demo_shop(products=100)
    await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=2000))
    sellers = await shop.catalog.most_bought(10, None)
    assert sellers[0].product.id == min(shop.database.state.products)
    assert all(seller.product.id <= 30 for seller in sellers)


async def test_the_same_sizes_give_the_same_history() -> None:
    first, second = await demo_shop(), await demo_shop()
    for shop in (first, second):
        await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=300))
    assert first.database.state.orders == second.database.state.orders
    assert first.database.state.users == second.database.state.users


@pytest.mark.parametrize("sizes", [
    {}, {"orders": 5, "order_lines": 5}, {"orders": 0}, {"order_lines": -1},
    {"orders": 10_000_001},
], ids=["neither", "both", "no orders", "negative", "too many"])
def test_a_size_that_is_not_one_in_range_is_refused(sizes: dict[str, int]) -> None:
    with pytest.raises(InvalidInput):
        SeedDemoOrdersCommand(**sizes)


@pytest.mark.parametrize("sizes", [{"orders": 1}, {"order_lines": 10_000_000}])
def test_a_size_in_range_makes_a_command(sizes: dict[str, int]) -> None:
    command = SeedDemoOrdersCommand(**sizes)
    assert (command.size, command.by_lines) == (*sizes.values(), "order_lines" in sizes)


async def test_it_needs_a_catalog_and_runs_once() -> None:
    shop = await demo_shop(products=3)
    with pytest.raises(InvalidInput, match="seed the catalog first"):
        await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=10))
    shop = await demo_shop()
    await shop.seed_demo_orders.refuse_if_seeded_before()
    await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=10))
    with pytest.raises(InvalidInput, match="seeded before"):
        await shop.seed_demo_orders.refuse_if_seeded_before()
    with pytest.raises(InvalidInput, match="seeded before"):
        await shop.seed_demo_orders(SeedDemoOrdersCommand(orders=10))
    assert len(shop.database.state.orders) == 10
