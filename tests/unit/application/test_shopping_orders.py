"""PlaceOrder, CancelOrder, ListOrders, GetOrder and ChangeOrderStatus on the fakes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shopcore.adapters.memory.unit_of_work import MemoryUnitOfWork
from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import RecentCarts, UnitOfWorkFactory
from shopcore.application.shopping.add_to_cart import AddToCart, AddToCartCommand
from shopcore.application.shopping.cancel_order import CancelOrderCommand
from shopcore.application.shopping.change_order_status import ChangeOrderStatusCommand
from shopcore.application.shopping.get_cart import GetCartQuery
from shopcore.application.shopping.get_order import GetOrderQuery
from shopcore.application.shopping.idempotency import IdempotencyKeyReused
from shopcore.application.shopping.list_orders import ListOrdersQuery
from shopcore.application.shopping.place_order import PlacedOrder, PlaceOrder, PlaceOrderCommand
from shopcore.application.shopping.remove_from_cart import RemoveFromCartCommand
from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput, NotFound, Unauthenticated
from shopcore.domain.money import Money
from shopcore.domain.ordering import (
    CartEmpty,
    InsufficientStock,
    InvalidState,
    OrderStatus,
    Shortage,
)
from shopcore.testing import InMemoryShop, build_in_memory_shop
from tests.unit.application.shopping_support import (
    ADDRESS,
    ALICE,
    BOB,
    StaleSnapshotUnitOfWork,
    add_product,
    add_users,
    change_product,
    counting,
    product_now,
)


@pytest.fixture(params=["unlocked-first", "locked"])
async def shop(request: pytest.FixtureRequest) -> InMemoryShop:
    """The in-memory shop; its PlaceOrder tries without the cart's lock first (as on
    PostgreSQL), or only places under it (as on SQLite)."""
    shop = build_in_memory_shop()
    if request.param == "locked":
        shop.place_order = locked_place_order(shop)
    await add_users(shop)
    return shop


def locked_place_order(shop: InMemoryShop, uow: UnitOfWorkFactory | None = None, *,
                       unlocked_uow: UnitOfWorkFactory | None = None,
                       recent: RecentCarts | None = None) -> PlaceOrder:
    return PlaceOrder(uow or shop.database.unit_of_work, shop.clock, shop.ids,
                      PhonenumbersPhoneParser(), shop.currency, unlocked_uow=unlocked_uow,
                      recent=recent)


async def fill(shop: InMemoryShop, user_id: str, *lines: tuple[Product, int]) -> None:
    for product, quantity in lines:
        await shop.add_to_cart(AddToCartCommand(user_id, product.id, quantity))


async def place(shop: InMemoryShop, user_id: str = ALICE, key: str | None = None,
                **address: object) -> PlacedOrder:
    return await shop.place_order(PlaceOrderCommand(
        user_id, replace(ADDRESS, **address), key))  # type: ignore[arg-type]


# PlaceOrder

async def test_placing_snapshots_lines_takes_stock_and_empties_the_cart(
    shop: InMemoryShop,
) -> None:
    phone, laptop = await add_product(shop, stock=5), await add_product(shop, "Laptop", "0.10")
    await fill(shop, ALICE, (phone, 2), (laptop, 3))
    placed = await place(shop)
    order = placed.order
    assert not placed.replayed and order.status is OrderStatus.PLACED
    assert [(line.product_id, line.name, line.unit_price.amount, line.quantity)
            for line in order.lines] == [(phone.id, "Smartphone", "19999.00", 2),
                                         (laptop.id, "Laptop", "0.10", 3)]
    assert order.total.amount == "39998.30" and order.user_id == ALICE
    assert order.created_at == shop.clock.now() and order.cancelled_at is None
    assert (product_now(shop, phone).stock, product_now(shop, laptop).stock) == (3, 7)
    assert (await shop.get_cart(GetCartQuery(ALICE))).lines == ()


async def test_an_order_over_an_unchanged_cart_takes_no_lock() -> None:
    shop = build_in_memory_shop()
    await add_users(shop)
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 2))
    locked: list[MemoryUnitOfWork] = []

    def locked_unit() -> MemoryUnitOfWork:
        locked.append(shop.database.unit_of_work())
        return locked[-1]

    place_order = locked_place_order(shop, locked_unit,
                                     unlocked_uow=shop.database.unit_of_work)
    placed = await place_order(PlaceOrderCommand(ALICE, ADDRESS))
    assert locked == [] and product_now(shop, phone).stock == 3
    assert [line.quantity for line in placed.order.lines] == [2]
    with pytest.raises(CartEmpty):  # what it cannot place is decided under the lock
        await place_order(PlaceOrderCommand(ALICE, ADDRESS))
    assert len(locked) == 1


async def test_an_order_whose_cart_changed_after_its_read_is_placed_under_the_lock() -> None:
    shop = build_in_memory_shop()
    await add_users(shop)
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 2))
    unlocked: list[MemoryUnitOfWork] = []

    def stale_unit() -> MemoryUnitOfWork:
        unlocked.append(StaleSnapshotUnitOfWork(shop.database))
        return unlocked[-1]

    placed = await locked_place_order(shop, unlocked_uow=stale_unit)(
        PlaceOrderCommand(ALICE, ADDRESS))
    assert len(unlocked) == 1  # tried without the lock once, wrote nothing
    assert [line.quantity for line in placed.order.lines] == [2]
    assert product_now(shop, phone).stock == 3 and len(shop.database.state.orders) == 1
    assert (await shop.get_cart(GetCartQuery(ALICE))).lines == ()


async def test_the_cart_an_addition_remembered_is_ordered_without_reading_it(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 2))
    calls: list[str] = []
    place_order = locked_place_order(shop, unlocked_uow=counting(shop, calls),
                                     recent=shop.recent_carts)
    placed = await place_order(PlaceOrderCommand(ALICE, ADDRESS))
    assert calls == [] and [line.quantity for line in placed.order.lines] == [2]
    assert product_now(shop, phone).stock == 3
    emptied = shop.recent_carts.take(ALICE)  # the cart as the order left it
    async with shop.database.unit_of_work() as uow:
        now = await uow.carts.get_snapshot(ALICE)
    assert emptied is not None and now is not None
    assert (emptied.cart, emptied.products, emptied.version) == (now.cart, {}, now.version)
    assert emptied.cart.is_empty


async def test_the_cart_an_order_emptied_takes_the_next_addition_without_a_read(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 2))
    await locked_place_order(shop, unlocked_uow=shop.database.unit_of_work,
                             recent=shop.recent_carts)(PlaceOrderCommand(ALICE, ADDRESS))
    calls: list[str] = []
    add = AddToCart(shop.database.unit_of_work, shop.clock,
                    unlocked_uow=counting(shop, calls), recent=shop.recent_carts)
    total = await add(AddToCartCommand(ALICE, phone.id, 3))
    assert calls == ["wrote"] and total.total_quantity == 3
    assert [line.quantity for line in (await shop.get_cart(GetCartQuery(ALICE))).lines] == [3]


async def test_a_remembered_cart_that_changed_since_is_read_again(shop: InMemoryShop) -> None:
    phone, case = await add_product(shop, stock=5), await add_product(shop, "Case", "5.00")
    await fill(shop, ALICE, (phone, 2))
    remembered = shop.recent_carts.take(ALICE)
    assert remembered is not None
    await shop.remove_from_cart(RemoveFromCartCommand(ALICE, phone.id))  # after the add
    await fill(shop, ALICE, (case, 1))
    shop.recent_carts.remember(remembered)  # as if the other writes went through another process
    change_product(shop, case, price=Money(700))
    calls: list[str] = []
    placed = await locked_place_order(shop, unlocked_uow=counting(shop, calls),
                                      recent=shop.recent_carts)(PlaceOrderCommand(ALICE, ADDRESS))
    assert calls == ["read"]  # refused as remembered, then read
    assert [(line.product_id, line.quantity, line.unit_price.minor)
            for line in placed.order.lines] == [(case.id, 1, 700)]
    assert product_now(shop, phone).stock == 5


async def test_a_remembered_cart_whose_product_changed_is_ordered_at_the_new_price(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 1))
    change_product(shop, phone, price=Money(150), name="Smartphone 2")
    placed = await locked_place_order(shop, unlocked_uow=shop.database.unit_of_work,
                                      recent=shop.recent_carts)(PlaceOrderCommand(ALICE, ADDRESS))
    (line,) = placed.order.lines
    assert (line.name, line.unit_price.minor) == ("Smartphone 2", 150)


async def test_the_address_is_checked_and_its_phone_normalised(shop: InMemoryShop) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    order = (await place(shop, line2="  ", country=None)).order
    address = order.shipping_address
    assert address.phone.e164 == "+919876543210" and address.country == "IN"
    assert address.line2 is None


async def test_every_bad_address_field_is_named_with_its_prefix(shop: InMemoryShop) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    with pytest.raises(InvalidInput) as caught:
        await place(shop, city="", phone="12345", postal_code="000000", name=None)
    assert {e.field for e in caught.value.errors} == {
        "shipping_address.city", "shipping_address.phone", "shipping_address.postal_code",
        "shipping_address.name"}
    assert len(shop.database.state.orders) == 0


async def test_an_empty_cart_cannot_be_ordered(shop: InMemoryShop) -> None:
    with pytest.raises(CartEmpty):
        await place(shop)


async def test_every_short_line_is_reported_and_nothing_changes(shop: InMemoryShop) -> None:
    phone, laptop, cable = (await add_product(shop, "Phone", stock=5),
                            await add_product(shop, "Laptop", stock=5),
                            await add_product(shop, "Cable", stock=5))
    await fill(shop, ALICE, (phone, 3), (laptop, 4), (cable, 1))
    change_product(shop, phone, stock=2)
    change_product(shop, laptop, archived=True)
    with pytest.raises(InsufficientStock) as caught:
        await place(shop)
    assert set(caught.value.shortages) == {Shortage(phone.id, 3, 2), Shortage(laptop.id, 4, 0)}
    assert [product_now(shop, p).stock for p in (phone, laptop, cable)] == [2, 5, 5]
    assert len((await shop.get_cart(GetCartQuery(ALICE))).lines) == 3
    assert shop.database.state.orders == {}


async def test_a_replay_with_the_same_key_returns_the_first_order(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 2))
    first = await place(shop, key="k-1")
    await fill(shop, ALICE, (phone, 1))
    again = await place(shop, key="k-1", phone="+91 98765-43210")  # the same phone in E.164
    assert again == PlacedOrder(first.order, replayed=True)
    assert product_now(shop, phone).stock == 3 and len(shop.database.state.orders) == 1


async def test_a_key_reused_with_another_address_is_refused(shop: InMemoryShop) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    await place(shop, key="k-1")
    for city in ("Mysuru", " Bengaluru"):
        with pytest.raises(IdempotencyKeyReused):
            await place(shop, key="k-1", city=city)


async def test_keys_are_scoped_per_user(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await fill(shop, ALICE, (phone, 1))
    await fill(shop, BOB, (phone, 1))
    mine, theirs = await place(shop, ALICE, "k"), await place(shop, BOB, "k")
    assert not theirs.replayed and mine.order.id != theirs.order.id


@pytest.mark.parametrize("key", ["", "k" * 256, "naïve", "tab\there"])
async def test_a_bad_idempotency_key_is_invalid(shop: InMemoryShop, key: str) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    with pytest.raises(InvalidInput) as caught:
        await place(shop, key=key)
    assert caught.value.errors[0].field == "Idempotency-Key"


async def test_a_failed_order_leaves_its_key_free(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=1)
    await fill(shop, ALICE, (phone, 1))
    change_product(shop, phone, stock=0)
    with pytest.raises(InsufficientStock):
        await place(shop, key="k-1")
    change_product(shop, phone, stock=1)
    assert not (await place(shop, key="k-1")).replayed


# CancelOrder

async def test_cancelling_gives_the_stock_back_once(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 2))
    order = (await place(shop)).order
    shop.clock.advance(minutes=5)
    cancelled = await shop.cancel_order(CancelOrderCommand(ALICE, order.id))
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancelled_at == shop.clock.now()
    assert product_now(shop, phone).stock == 5
    with pytest.raises(InvalidState):
        await shop.cancel_order(CancelOrderCommand(ALICE, order.id))
    assert product_now(shop, phone).stock == 5


async def test_only_the_owner_can_cancel(shop: InMemoryShop) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    order = (await place(shop)).order
    for user_id, order_id in ((BOB, order.id), (ALICE, "unknown")):
        with pytest.raises(NotFound):
            await shop.cancel_order(CancelOrderCommand(user_id, order_id))
    assert (await shop.get_order(GetOrderQuery(ALICE, order.id))).status is OrderStatus.PLACED


async def test_shipped_orders_cannot_be_cancelled(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await fill(shop, ALICE, (phone, 1))
    order = (await place(shop)).order
    for status in ("paid", "shipped"):
        await shop.change_order_status(ChangeOrderStatusCommand(order.id, status))
    with pytest.raises(InvalidState):
        await shop.cancel_order(CancelOrderCommand(ALICE, order.id))
    assert product_now(shop, phone).stock == 4


# ChangeOrderStatus

async def test_an_admin_moves_an_order_along_the_table_only(shop: InMemoryShop) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    order = (await place(shop)).order
    with pytest.raises(InvalidState):
        await shop.change_order_status(ChangeOrderStatusCommand(order.id, "delivered"))
    for status in ("paid", "shipped", "delivered"):
        moved = await shop.change_order_status(ChangeOrderStatusCommand(order.id, status))
        assert moved.status.value == status
    assert (await shop.get_order(GetOrderQuery(ALICE, order.id))).status is OrderStatus.DELIVERED


@pytest.mark.parametrize("status", ["cancelled", "placed", "lost", ""])
async def test_other_statuses_are_invalid_input(shop: InMemoryShop, status: str) -> None:
    with pytest.raises(InvalidInput):
        await shop.change_order_status(ChangeOrderStatusCommand("unknown", status))


async def test_changing_an_unknown_order_is_not_found(shop: InMemoryShop) -> None:
    with pytest.raises(NotFound):
        await shop.change_order_status(ChangeOrderStatusCommand("unknown", "paid"))


# GetOrder and ListOrders

async def test_another_users_order_is_not_found(shop: InMemoryShop) -> None:
    await fill(shop, ALICE, (await add_product(shop), 1))
    order = (await place(shop)).order
    assert await shop.get_order(GetOrderQuery(ALICE, order.id)) == order
    with pytest.raises(NotFound):
        await shop.get_order(GetOrderQuery(BOB, order.id))


async def test_orders_are_listed_newest_first_per_user(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=50, price="1.00")
    mine = []
    for _ in range(3):
        await fill(shop, ALICE, (phone, 1))
        mine.append((await place(shop)).order)
        shop.clock.advance(minutes=1)
    await fill(shop, BOB, (phone, 1))
    await place(shop, BOB)
    page = await shop.list_orders(ListOrdersQuery(ALICE, PageRequest(1, 2)))
    assert page.count == 3 and list(page.items) == [mine[2], mine[1]] and page.has_next
    rest = await shop.list_orders(ListOrdersQuery(ALICE, PageRequest(2, 2)))
    assert list(rest.items) == [mine[0]]


async def test_order_prices_do_not_follow_the_product(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await fill(shop, ALICE, (phone, 1))
    order = (await place(shop)).order
    change_product(shop, phone, price=Money(1), name="Renamed")
    stored = await shop.get_order(GetOrderQuery(ALICE, order.id))
    assert (stored.lines[0].name, stored.lines[0].unit_price.amount) == ("Smartphone", "19999.00")


async def test_a_deleted_account_cannot_order(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 1))
    del shop.database.state.users[ALICE]  # the account is deleted
    with pytest.raises(Unauthenticated, match="no longer exists"):
        await shop.place_order(PlaceOrderCommand(ALICE, ADDRESS))
    assert product_now(shop, phone).stock == phone.stock
