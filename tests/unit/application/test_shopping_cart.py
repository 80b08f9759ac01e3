"""The cart use cases and ComputeCartTotal, on the shipped in-memory fakes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopcore.adapters.memory.unit_of_work import MemoryUnitOfWork
from shopcore.application.shopping.add_to_cart import AddToCart, AddToCartCommand
from shopcore.application.shopping.get_cart import GetCartQuery
from shopcore.application.shopping.remove_from_cart import RemoveFromCartCommand
from shopcore.application.shopping.update_cart_line import UpdateCartLineCommand
from shopcore.domain.cart import MAX_CART_LINES, PricedCartLine, compute_cart_total
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.errors import InvalidInput, NotFound, Unauthenticated
from shopcore.domain.money import MAX_PRICE_MINOR, Money
from shopcore.domain.ordering import InsufficientStock, Shortage
from shopcore.testing import InMemoryShop, build_in_memory_shop
from tests.unit.application.shopping_support import (
    ALICE,
    BOB,
    StaleSnapshotUnitOfWork,
    add_product,
    add_users,
    change_product,
    counting,
)


@pytest.fixture
async def shop() -> InMemoryShop:
    shop = build_in_memory_shop()
    await add_users(shop)
    return shop


# ComputeCartTotal: a pure function of the lines and their current prices

def a_line(price_minor: int, quantity: int, *, available: bool = True) -> PricedCartLine:
    return PricedCartLine(1, "Thing", Money(price_minor), quantity, available)


def test_the_total_of_no_lines_is_zero_in_the_shop_currency() -> None:
    total = compute_cart_total([], "INR")
    assert (total.subtotal, total.total, total.total_quantity) == (Money(0), Money(0), 0)


def test_unavailable_lines_still_count_in_the_total() -> None:
    total = compute_cart_total([a_line(100, 2), a_line(250, 1, available=False)], "INR")
    assert total.total.amount == "4.50" and total.total_quantity == 3
    assert not total.all_available


def test_totals_are_exact_beyond_32_bits() -> None:
    total = compute_cart_total([a_line(MAX_PRICE_MINOR, 99), a_line(99, 1)], "INR")
    assert total.total.amount == "9900000000.00"


@given(st.lists(st.tuples(st.integers(0, MAX_PRICE_MINOR), st.integers(1, 99)),
                max_size=MAX_CART_LINES))
def test_the_total_is_the_exact_sum_of_price_times_quantity(
    lines: list[tuple[int, int]],
) -> None:
    total = compute_cart_total([a_line(price, quantity) for price, quantity in lines], "INR")
    assert total.subtotal.minor == total.total.minor == sum(p * q for p, q in lines)
    assert total.total_quantity == sum(q for _, q in lines)


# the use cases

async def test_adding_accumulates_on_one_line_priced_now(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    cart = await shop.add_to_cart(AddToCartCommand(ALICE, phone.id))
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(phone.id, 3)]
    assert cart.total.amount == "59997.00"
    change_product(shop, phone, price=Money(100))
    assert (await shop.get_cart(GetCartQuery(ALICE))).total.amount == "3.00"


async def test_an_addition_whose_cart_changed_after_its_read_adds_under_the_lock(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=10)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    unlocked: list[MemoryUnitOfWork] = []

    def stale_unit() -> MemoryUnitOfWork:
        unlocked.append(StaleSnapshotUnitOfWork(shop.database))
        return unlocked[-1]

    add = AddToCart(shop.database.unit_of_work, shop.clock, unlocked_uow=stale_unit)
    total = await add(AddToCartCommand(ALICE, phone.id, 3))
    assert len(unlocked) == 1  # tried without the lock once, wrote nothing
    assert total.total_quantity == 5
    cart = await shop.get_cart(GetCartQuery(ALICE))
    assert [line.quantity for line in cart.lines] == [5]


async def test_an_addition_remembers_the_cart_it_wrote_and_one_under_the_lock_forgets_it(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=10)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    remembered = shop.recent_carts.take(ALICE)
    async with shop.database.unit_of_work() as uow:
        now = await uow.carts.get_snapshot(ALICE)
    assert remembered is not None and now is not None
    assert (remembered.cart, remembered.version) == (now.cart, now.version)
    # Stale, as remembered before a change made through another process.
    shop.recent_carts.remember(replace(remembered, version=remembered.version - 1))
    add = AddToCart(shop.database.unit_of_work, shop.clock,
                    unlocked_uow=lambda: StaleSnapshotUnitOfWork(shop.database),
                    recent=shop.recent_carts)
    await add(AddToCartCommand(ALICE, phone.id, 1))  # falls back to the lock
    assert shop.recent_carts.take(ALICE) is None


def counting_add_to_cart(shop: InMemoryShop, calls: list[str]) -> AddToCart:
    """AddToCart as the in-memory shop wires it, its unlocked unit of work counting."""
    return AddToCart(shop.database.unit_of_work, shop.clock, unlocked_uow=counting(shop, calls),
                     recent=shop.recent_carts)


async def test_an_addition_to_a_remembered_cart_reads_nothing_first_and_prices_it_now(
    shop: InMemoryShop,
) -> None:
    phone, case = await add_product(shop, stock=10), await add_product(shop, "Case", "5.00")
    calls: list[str] = []
    add = counting_add_to_cart(shop, calls)
    await add(AddToCartCommand(ALICE, phone.id, 2))
    assert calls == ["read"]  # nothing remembered yet
    change_product(shop, phone, price=Money(100))  # after it was remembered
    total = await add(AddToCartCommand(ALICE, case.id, 1))
    assert calls == ["read", "wrote"]
    assert [(line.product_id, line.quantity, line.unit_price.minor) for line in total.lines] \
        == [(phone.id, 2, 100), (case.id, 1, 500)]  # the phone at its price now
    total = await add(AddToCartCommand(ALICE, phone.id, 3))
    assert calls == ["read", "wrote", "wrote"] and total.total_quantity == 6
    cart = await shop.get_cart(GetCartQuery(ALICE))
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(phone.id, 5),
                                                                       (case.id, 1)]
    remembered = shop.recent_carts.take(ALICE)
    async with shop.database.unit_of_work() as uow:
        now = await uow.carts.get_snapshot(ALICE)
    assert remembered is not None and now is not None
    assert (remembered.cart, remembered.version) == (now.cart, now.version)


async def test_a_refused_addition_to_a_remembered_cart_reads_it_and_says_why(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=3)
    calls: list[str] = []
    add = counting_add_to_cart(shop, calls)
    await add(AddToCartCommand(ALICE, phone.id, 2))
    with pytest.raises(InsufficientStock) as caught:  # 4 of 3: refused, read, decided
        await add(AddToCartCommand(ALICE, phone.id, 2))
    assert caught.value.shortages == (Shortage(phone.id, 4, 3),)
    assert calls == ["read", "refused", "read"]
    assert shop.recent_carts.take(ALICE) is None  # forgotten: the next addition reads
    await add(AddToCartCommand(ALICE, phone.id, 1))
    assert calls[3:] == ["read"]
    change_product(shop, phone, archived=True)
    with pytest.raises(NotFound):
        await add(AddToCartCommand(ALICE, phone.id, 1))
    assert calls[4:] == ["refused", "read"]
    assert [line.quantity for line in (await shop.get_cart(GetCartQuery(ALICE))).lines] == [3]


async def test_an_addition_over_a_cap_of_a_remembered_cart_is_decided_by_reading_it(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=500)
    calls: list[str] = []
    add = counting_add_to_cart(shop, calls)
    await add(AddToCartCommand(ALICE, phone.id, 90))
    change_product(shop, phone, archived=True)
    with pytest.raises(NotFound):  # the product's answer first, as without the memory
        await add(AddToCartCommand(ALICE, phone.id, 10))
    assert calls == ["read", "read"]  # over 99 units: not tried on the remembered cart


async def test_a_remembered_cart_changed_since_is_read_before_adding(shop: InMemoryShop) -> None:
    phone, case = await add_product(shop, stock=10), await add_product(shop, "Case", "5.00")
    calls: list[str] = []
    add = counting_add_to_cart(shop, calls)
    await add(AddToCartCommand(ALICE, phone.id, 2))
    remembered = shop.recent_carts.take(ALICE)
    assert remembered is not None
    await shop.update_cart_line(UpdateCartLineCommand(ALICE, phone.id, 1))
    shop.recent_carts.remember(remembered)  # as if that change went through another process
    total = await add(AddToCartCommand(ALICE, case.id, 1))
    assert calls == ["read", "refused", "read"]
    assert [(line.product_id, line.quantity) for line in total.lines] == [(phone.id, 1),
                                                                        (case.id, 1)]


async def test_adding_an_unknown_or_archived_product_is_not_found(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    change_product(shop, phone, archived=True)
    for product_id in (phone.id, 999):
        with pytest.raises(NotFound):
            await shop.add_to_cart(AddToCartCommand(ALICE, product_id))


async def test_a_new_line_above_the_stock_is_insufficient_stock(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=2)
    with pytest.raises(InsufficientStock) as caught:
        await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 3))
    assert caught.value.shortages == (Shortage(phone.id, 3, 2),)
    assert (await shop.get_cart(GetCartQuery(ALICE))).lines == ()


@pytest.mark.parametrize("quantity", [0, 100, -1, True, 1.5, "2"])
async def test_a_bad_quantity_is_invalid(shop: InMemoryShop, quantity: object) -> None:
    phone = await add_product(shop)
    with pytest.raises(InvalidInput):
        await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, quantity))


async def test_a_line_may_not_pass_99_units(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=1000)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 99))
    with pytest.raises(InvalidInput):
        await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 1))


async def test_a_cart_holds_at_most_100_lines(shop: InMemoryShop) -> None:
    async with shop.database.unit_of_work() as uow:
        products = [await uow.products.add(ProductDraft.create(f"P{i}", "", "1", "c", 5),
                                           shop.clock.now())
                    for i in range(MAX_CART_LINES + 1)]
        for product in products[:MAX_CART_LINES]:
            await uow.carts.set_quantity(ALICE, product.id, 1, shop.clock.now())
        await uow.commit()
    with pytest.raises(InvalidInput):
        await shop.add_to_cart(AddToCartCommand(ALICE, products[-1].id))
    await shop.add_to_cart(AddToCartCommand(ALICE, products[0].id))  # an existing line grows


async def test_update_sets_and_zero_removes(shop: InMemoryShop) -> None:
    phone, laptop = await add_product(shop), await add_product(shop, "Laptop")
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 5))
    await shop.add_to_cart(AddToCartCommand(ALICE, laptop.id))
    cart = await shop.update_cart_line(UpdateCartLineCommand(ALICE, phone.id, 2))
    assert [(line.product_id, line.quantity) for line in cart.lines] == [
        (phone.id, 2), (laptop.id, 1)]
    cart = await shop.update_cart_line(UpdateCartLineCommand(ALICE, phone.id, 0))
    assert [line.product_id for line in cart.lines] == [laptop.id]


async def test_update_of_a_product_not_in_the_cart_is_not_found(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await shop.add_to_cart(AddToCartCommand(BOB, phone.id))
    for product_id in (phone.id, 999):
        with pytest.raises(NotFound):
            await shop.update_cart_line(UpdateCartLineCommand(ALICE, product_id, 1))


async def test_an_unavailable_line_can_be_lowered_but_not_raised(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 4))
    change_product(shop, phone, stock=1)
    cart = await shop.get_cart(GetCartQuery(ALICE))
    assert [line.available for line in cart.lines] == [False]
    with pytest.raises(InsufficientStock):
        await shop.update_cart_line(UpdateCartLineCommand(ALICE, phone.id, 5))
    cart = await shop.update_cart_line(UpdateCartLineCommand(ALICE, phone.id, 1))
    assert [line.available for line in cart.lines] == [True]


async def test_an_archived_line_stays_unavailable(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    change_product(shop, phone, archived=True)
    cart = await shop.get_cart(GetCartQuery(ALICE))
    assert [(line.product_id, line.available) for line in cart.lines] == [(phone.id, False)]
    assert cart.total.amount == "39998.00"


async def test_remove_deletes_the_line_once(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id))
    assert (await shop.remove_from_cart(RemoveFromCartCommand(ALICE, phone.id))).lines == ()
    with pytest.raises(NotFound):
        await shop.remove_from_cart(RemoveFromCartCommand(ALICE, phone.id))


async def test_carts_are_private(shop: InMemoryShop) -> None:
    await shop.add_to_cart(AddToCartCommand(ALICE, (await add_product(shop)).id))
    assert (await shop.get_cart(GetCartQuery(BOB))).lines == ()


async def test_a_deleted_account_cannot_change_its_cart(shop: InMemoryShop) -> None:
    phone = await add_product(shop)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    del shop.database.state.users[ALICE]  # the account is deleted
    for change in (shop.add_to_cart(AddToCartCommand(ALICE, phone.id)),
                   shop.update_cart_line(UpdateCartLineCommand(ALICE, phone.id, 1)),
                   shop.remove_from_cart(RemoveFromCartCommand(ALICE, phone.id))):
        with pytest.raises(Unauthenticated, match="no longer exists"):
            await change


async def test_the_total_after_adding_lists_every_line_in_cart_order(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, price="100.00")
    case = await add_product(shop, name="Case", price="2.50")
    await shop.add_to_cart(AddToCartCommand(ALICE, case.id, 2))
    shop.clock.advance(seconds=1)
    total = await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 1))
    assert [(line.product_id, line.quantity) for line in total.lines] == [
        (case.id, 2), (phone.id, 1)]
    assert total.total.amount == "105.00"
    assert total == await shop.get_cart(GetCartQuery(ALICE))
