"""Contract of the shopping repositories (carts, orders, wishlists, reviews), on every
implementation: the shipped fakes, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shopcore.application.pagination import PageRequest
from shopcore.application.ports import UnitOfWorkFactory
from shopcore.application.ports.shopping import IdempotencyKeyTaken, IdempotencyRecord
from shopcore.application.shopping.get_cart import GetCart, GetCartQuery
from shopcore.domain.cart import CartLine
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import AlreadyReviewed, ReviewDraft
from shopcore.domain.users import User
from tests.contract.conftest import UnitsOfWork

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ALICE, BOB = "user-alice", "user-bob"
PHONES = {ALICE: Phone("+919876543210"), BOB: Phone("+919812345678")}


async def setup(uow: UnitOfWorkFactory, *stocks: int) -> list[Product]:
    """Alice, Bob and one product per stock figure."""
    async with uow() as work:
        for user_id, phone in PHONES.items():
            await work.users.add(User(user_id, phone, False, NOW))
        made = [
            await work.products.add(
                ProductDraft.create(f"Product {i}", "", "100.50", "things", stock), NOW)
            for i, stock in enumerate(stocks)
        ]
        await work.commit()
    return made


def an_address(line2: str | None = None) -> ShippingAddress:
    return ShippingAddress.create(name="Asha Rao", line1="12 MG Road", line2=line2,
                                  city="Bengaluru", state="Karnataka", postal_code="560001",
                                  phone=PHONES[ALICE])


def an_order(order_id: str, user_id: str, *products: Product, at: datetime = NOW,
             line2: str | None = None) -> Order:
    lines = [OrderLine(p.id, p.name, p.price, i + 1) for i, p in enumerate(products)]
    return Order.place(order_id, user_id, lines, an_address(line2), at)


# carts

async def test_a_cart_keeps_lines_in_the_order_they_were_first_added(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    async with uow() as work:
        await work.carts.set_quantity(ALICE, second.id, 1, NOW)
        await work.carts.set_quantity(ALICE, first.id, 2, NOW + timedelta(seconds=1))
        await work.carts.set_quantity(ALICE, second.id, 3, NOW + timedelta(seconds=2))
        await work.commit()
    async with uow() as work:
        cart = await work.carts.get(ALICE)
        for_update = await work.carts.get_for_update(ALICE)
        assert (await work.carts.get(BOB)).lines == ()
    assert for_update is not None
    assert cart.lines == (CartLine(second.id, 3), CartLine(first.id, 2)) == for_update.cart.lines


async def test_the_cart_for_update_of_a_user_without_lines_is_empty(
    uow: UnitOfWorkFactory,
) -> None:
    await setup(uow)
    async with uow() as work:
        locked = await work.carts.get_for_update(BOB)
    assert locked is not None and locked.cart.user_id == BOB and locked.cart.lines == ()
    assert locked.products == {}


async def test_there_is_no_cart_for_update_of_an_unknown_user(uow: UnitOfWorkFactory) -> None:
    await setup(uow)
    async with uow() as work:
        assert await work.carts.get_for_update("user-nobody") is None
        assert await work.carts.get_for_update("user-nobody", also_product=1) is None


async def test_the_cart_for_update_comes_with_its_products_in_cart_order(
    uow: UnitOfWorkFactory,
) -> None:
    first, second, third = await setup(uow, 5, 5, 5)
    archived = second.archive(NOW)
    async with uow() as work:
        await work.carts.set_quantity(ALICE, third.id, 1, NOW)
        await work.carts.set_quantity(ALICE, first.id, 2, NOW + timedelta(seconds=1))
        await work.carts.set_quantity(ALICE, second.id, 3, NOW + timedelta(seconds=2))
        await work.carts.set_quantity(BOB, first.id, 4, NOW)
        await work.products.update(archived)
        await work.commit()
    async with uow() as work:
        locked = await work.carts.get_for_update(ALICE)
    assert locked is not None and locked.cart.user_id == ALICE
    assert locked.cart.lines == (
        CartLine(third.id, 1), CartLine(first.id, 2), CartLine(second.id, 3))
    assert locked.products == {first.id: first, second.id: archived, third.id: third}


async def test_the_cart_for_update_also_reads_the_product_being_added(
    uow: UnitOfWorkFactory,
) -> None:
    first, second, third = await setup(uow, 5, 5, 5)
    archived = third.archive(NOW)
    async with uow() as work:
        await work.carts.set_quantity(ALICE, second.id, 1, NOW)
        await work.carts.set_quantity(ALICE, first.id, 2, NOW + timedelta(seconds=1))
        await work.carts.set_quantity(BOB, third.id, 1, NOW)
        await work.products.update(archived)
        await work.commit()
    async with uow() as work:
        in_cart = await work.carts.get_for_update(ALICE, also_product=first.id)
        not_in_cart = await work.carts.get_for_update(ALICE, also_product=third.id)
        unknown = await work.carts.get_for_update(ALICE, also_product=999)
        unstorable = await work.carts.get_for_update(ALICE, also_product=2**40)
    lines = (CartLine(second.id, 1), CartLine(first.id, 2))
    cart_products = {first.id: first, second.id: second}
    for locked in (in_cart, not_in_cart, unknown, unstorable):
        assert locked is not None and locked.cart.lines == lines
    assert in_cart is not None and in_cart.products == cart_products
    assert not_in_cart is not None
    assert not_in_cart.products == {**cart_products, third.id: archived}
    assert unknown is not None and unknown.products == cart_products
    assert unstorable is not None and unstorable.products == cart_products


async def test_the_cart_for_update_of_a_user_without_lines_has_the_added_product(
    uow: UnitOfWorkFactory,
) -> None:
    (product,) = await setup(uow, 5)
    async with uow() as work:
        locked = await work.carts.get_for_update(BOB, also_product=product.id)
    assert locked is not None and locked.cart.user_id == BOB and locked.cart.lines == ()
    assert locked.products == {product.id: product}


async def test_cart_lines_come_with_their_products_as_they_are_now(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    archived = second.archive(NOW)
    async with uow() as work:
        await work.carts.set_quantity(ALICE, first.id, 2, NOW)
        await work.carts.set_quantity(ALICE, second.id, 1, NOW + timedelta(seconds=1))
        await work.products.update(archived)
        await work.commit()
    async with uow() as work:
        rows = await work.carts.lines_with_products(ALICE)
    assert [(r.line, r.product) for r in rows] == [
        (CartLine(first.id, 2), first), (CartLine(second.id, 1), archived)]


async def test_removing_and_clearing_cart_lines(uow: UnitOfWorkFactory) -> None:
    first, second = await setup(uow, 5, 5)
    async with uow() as work:
        for product in (first, second):
            await work.carts.set_quantity(ALICE, product.id, 1, NOW)
            await work.carts.set_quantity(BOB, product.id, 1, NOW)
        await work.carts.remove(ALICE, first.id)
        await work.carts.remove(ALICE, 999)
        await work.commit()
    async with uow() as work:
        assert (await work.carts.get(ALICE)).lines == (CartLine(second.id, 1),)
        await work.carts.clear(ALICE)
        await work.commit()
    async with uow() as work:
        assert (await work.carts.get(ALICE)).is_empty
        assert len((await work.carts.get(BOB)).lines) == 2


async def version_of(uow: UnitOfWorkFactory, user_id: str) -> int:
    async with uow() as work:
        snapshot = await work.carts.get_snapshot(user_id)
    assert snapshot is not None
    return snapshot.version


async def test_every_change_of_a_cart_and_only_that_moves_its_version(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    seen = [await version_of(uow, ALICE)]

    async def changed(*changes: tuple[str, int]) -> None:
        async with uow() as work:
            for change, product_id in changes:
                if change == "set":
                    await work.carts.set_quantity(ALICE, product_id, 2, NOW)
                elif change == "remove":
                    await work.carts.remove(ALICE, product_id)
                else:
                    await work.carts.clear(ALICE)
            await work.commit()
        seen.append(await version_of(uow, ALICE))

    await changed(("set", first.id))  # a new line
    await changed(("set", first.id))  # the same line again
    await changed(("set", second.id), ("remove", first.id))
    await changed(("clear", 0))
    assert all(later > earlier for earlier, later in zip(seen, seen[1:], strict=False))
    bob = await version_of(uow, BOB)
    await changed(("remove", first.id), ("clear", 0))  # nothing there: nothing changed
    assert seen[-1] == seen[-2]
    async with uow() as work:  # reads, and a change of Bob's cart, leave Alice's alone
        await work.carts.get_for_update(ALICE)
        await work.carts.set_quantity(BOB, first.id, 1, NOW)
        await work.commit()
    assert await version_of(uow, ALICE) == seen[-1]
    assert await version_of(uow, BOB) > bob


async def test_a_snapshot_reads_what_the_cart_for_update_reads(uow: UnitOfWorkFactory) -> None:
    first, second = await setup(uow, 5, 5)
    async with uow() as work:
        await work.carts.set_quantity(ALICE, first.id, 3, NOW)
        await work.commit()
    async with uow() as work:
        snapshot = await work.carts.get_snapshot(ALICE, also_product=second.id)
        locked = await work.carts.get_for_update(ALICE, also_product=second.id)
        assert await work.carts.get_snapshot("user-nobody") is None
    assert snapshot is not None and snapshot == locked
    assert snapshot.cart.lines == (CartLine(first.id, 3),)
    assert sorted(snapshot.products) == [first.id, second.id]


async def test_a_conditional_quantity_is_written_only_over_the_version_read(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    read = await version_of(uow, ALICE)
    async with uow() as work:
        written = await work.carts.set_quantity_if_unchanged(ALICE, first.id, 2, NOW,
                                                             version=read)
        await work.commit()
    after = await version_of(uow, ALICE)
    assert after != read and written == after  # it tells the version it left
    async with uow() as work:  # the version read before that write is stale now
        assert not await work.carts.set_quantity_if_unchanged(ALICE, first.id, 5, NOW,
                                                              version=read)
        assert not await work.carts.set_quantity_if_unchanged(ALICE, second.id, 1, NOW,
                                                              version=read)
        assert not await work.carts.set_quantity_if_unchanged("user-nobody", first.id, 1,
                                                              NOW, version=0)
        await work.commit()
    assert await version_of(uow, ALICE) == after
    async with uow() as work:
        assert (await work.carts.get(ALICE)).lines == (CartLine(first.id, 2),)
        assert await work.carts.set_quantity_if_unchanged(ALICE, first.id, 4, NOW,
                                                          version=after) == after + 1
        await work.commit()
    assert await version_of(uow, ALICE) == after + 1
    async with uow() as work:
        assert (await work.carts.get(ALICE)).lines == (CartLine(first.id, 4),)


async def test_a_line_is_written_over_a_known_cart_only_if_the_product_has_the_units(
    units_of_work: UnitsOfWork,
) -> None:
    uow, unlocked = units_of_work.uow, units_of_work.unlocked
    first, second, archived = await setup(uow, 5, 3, 5)
    async with uow() as work:
        await work.carts.set_quantity(ALICE, first.id, 2, NOW)
        await work.products.update(archived.archive(NOW))
        repriced = replace(first, price=Money(777), name="Product renamed")
        await work.products.update(repriced)
        await work.commit()
    known = await version_of(uow, ALICE)
    async with unlocked() as work:
        for product_id, quantity in ((second.id, 4), (archived.id, 1), (999_999, 1),
                                     (2**40, 1)):  # too few units, archived, unknown
            assert await work.carts.set_quantity_if_available(
                ALICE, product_id, quantity, NOW, version=known) is None
        assert await work.carts.set_quantity_if_available(  # a stale version
            ALICE, second.id, 1, NOW, version=known - 1) is None
        await work.commit()
    assert await version_of(uow, ALICE) == known
    async with unlocked() as work:  # exactly the units there are
        written = await work.carts.set_quantity_if_available(
            ALICE, second.id, 3, NOW, version=known)
        await work.commit()
    assert written is not None and written.version == await version_of(uow, ALICE)
    assert written.version == known + 1
    async with uow() as work:
        now = await work.products.get_many([first.id, second.id])
        assert (await work.carts.get(ALICE)).lines == (CartLine(first.id, 2),
                                                       CartLine(second.id, 3))
    assert written.products == now  # read with the write, as they are now
    assert written.products[first.id].price == Money(777)
    async with unlocked() as work:  # a line already there takes its new quantity
        again = await work.carts.set_quantity_if_available(
            ALICE, first.id, 5, NOW, version=written.version)
        await work.commit()
    assert again is not None and again.version == written.version + 1
    assert sorted(again.products) == [first.id, second.id]  # the added one and the others
    async with uow() as work:
        assert (await work.carts.get(ALICE)).lines == (CartLine(first.id, 5),
                                                       CartLine(second.id, 3))
    bob_version = await version_of(uow, BOB)
    async with unlocked() as work:  # Bob, who has no cart line, and an unknown user
        assert await work.carts.set_quantity_if_available(
            "user-nobody", first.id, 1, NOW, version=0) is None
        bob = await work.carts.set_quantity_if_available(
            BOB, first.id, 1, NOW, version=bob_version)
        await work.commit()
    assert bob is not None and sorted(bob.products) == [first.id]


# orders

async def stocks(uow: UnitOfWorkFactory, *products: Product) -> list[int]:
    async with uow() as work:
        found = await work.products.get_many([product.id for product in products])
    return [found[product.id].stock for product in products]


async def assert_placed_whole(uow: UnitOfWorkFactory, order: Order, first: Product,
                              second: Product) -> None:
    """``order`` (2 of ``first``, 1 of ``second``, key ``key-1``) is placed whole: its
    units are taken, it is kept with its key, Alice's cart is empty, Bob's untouched."""
    assert await stocks(uow, first, second) == [3, 4]
    async with uow() as work:
        assert await work.orders.get(order.id) == order
        keyed = await work.orders.get_by_idempotency_key(ALICE, "key-1")
        assert keyed is not None and keyed.order == order
        assert (await work.carts.get(ALICE)).is_empty
        assert (await work.carts.get(BOB)).lines == (CartLine(first.id, 1),)


async def test_placing_an_order_takes_its_stock_and_empties_the_cart(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    order = an_order("order-0000000001", ALICE, second, first)  # 1 of second, 2 of first
    async with uow() as work:
        for line in order.lines:
            await work.carts.set_quantity(ALICE, line.product_id, line.quantity, NOW)
        await work.carts.set_quantity(BOB, first.id, 1, NOW)
        await work.commit()
    async with uow() as work:
        assert await work.orders.place(order, IdempotencyRecord("key-1", "hash")) \
            == frozenset()
        await work.commit()
    await assert_placed_whole(uow, order, first, second)


async def test_an_order_with_short_lines_names_them_all_and_is_not_placed(
    uow: UnitOfWorkFactory,
) -> None:
    plenty, scarce, archived = await setup(uow, 5, 1, 5)
    async with uow() as work:
        await work.products.update(archived.archive(NOW))
        await work.carts.set_quantity(ALICE, plenty.id, 1, NOW)
        await work.commit()
    order = an_order("order-0000000001", ALICE, plenty, scarce, archived)  # 1, 2, 3 units
    async with uow() as work:
        assert await work.orders.place(order) == frozenset({scarce.id, archived.id})
        # not committed: the caller rolls back what was taken
    assert await stocks(uow, plenty, scarce, archived) == [5, 1, 5]
    async with uow() as work:
        assert await work.orders.get(order.id) is None
        assert (await work.carts.get(ALICE)).lines == (CartLine(plenty.id, 1),)


async def test_placing_an_order_with_a_taken_key_raises(uow: UnitOfWorkFactory) -> None:
    (product,) = await setup(uow, 5)
    async with uow() as work:
        await work.orders.place(an_order("order-0000000001", ALICE, product),
                                IdempotencyRecord("key-1", "hash"))
        await work.commit()
    async with uow() as work:
        with pytest.raises(IdempotencyKeyTaken):
            await work.orders.place(an_order("order-0000000002", ALICE, product),
                                    IdempotencyRecord("key-1", "hash"))
    assert await stocks(uow, product) == [4]


async def versions(uow: UnitOfWorkFactory, *products: Product) -> list[int]:
    async with uow() as work:
        found = await work.products.get_many([product.id for product in products])
    return [found[product.id].version for product in products]


async def test_placing_an_order_moves_the_version_of_each_product_it_takes_units_of(
    units_of_work: UnitsOfWork,
) -> None:
    uow = units_of_work.uow
    first, second, untouched = await setup(uow, 5, 5, 5)
    async with uow() as work:
        assert await work.orders.place(an_order("order-0000000001", ALICE, first, second)) \
            == frozenset()
        await work.commit()
    assert await versions(uow, first, second, untouched) == [2, 2, 1]
    order = an_order("order-0000000002", ALICE, second)
    version = await fill_cart(uow, order)
    async with units_of_work.unlocked() as work:
        assert await work.orders.place_if_unchanged(order, cart_version=version) is not None
        await work.commit()
    assert await versions(uow, first, second, untouched) == [2, 3, 1]


async def test_an_order_that_is_not_placed_moves_no_version(units_of_work: UnitsOfWork) -> None:
    uow = units_of_work.uow
    plenty, scarce = await setup(uow, 5, 1)
    order = an_order("order-0000000001", ALICE, plenty, scarce)  # 1 and 2 units: short
    async with uow() as work:
        assert await work.orders.place(order) == frozenset({scarce.id})
    version = await fill_cart(uow, order)
    async with units_of_work.unlocked() as work:
        assert await work.orders.place_if_unchanged(order, cart_version=version) is None
    assert await versions(uow, plenty, scarce) == [1, 1]


async def fill_cart(uow: UnitOfWorkFactory, order: Order) -> int:
    """Put the order's lines in its buyer's cart; the cart's version after."""
    async with uow() as work:
        for line in order.lines:
            await work.carts.set_quantity(order.user_id, line.product_id, line.quantity, NOW)
        await work.commit()
    return await version_of(uow, order.user_id)


async def test_an_order_over_an_unchanged_cart_is_placed_whole(
    units_of_work: UnitsOfWork,
) -> None:
    uow = units_of_work.uow
    first, second = await setup(uow, 5, 5)
    order = an_order("order-0000000001", ALICE, second, first)  # 1 of second, 2 of first
    version = await fill_cart(uow, order)
    async with uow() as work:
        await work.carts.set_quantity(BOB, first.id, 1, NOW)
        await work.commit()
    async with units_of_work.unlocked() as work:
        emptied = await work.orders.place_if_unchanged(
            order, IdempotencyRecord("key-1", "hash"), cart_version=version)
        await work.commit()
    await assert_placed_whole(uow, order, first, second)
    assert emptied is not None and emptied != version
    assert emptied == await version_of(uow, ALICE)  # the emptied cart's version


async def test_an_order_over_a_changed_cart_is_not_placed(units_of_work: UnitsOfWork) -> None:
    uow = units_of_work.uow
    first, second = await setup(uow, 5, 5)
    order = an_order("order-0000000001", ALICE, first)
    read = await fill_cart(uow, order)
    async with uow() as work:  # a change after the read
        await work.carts.set_quantity(ALICE, second.id, 1, NOW)
        await work.commit()
    async with units_of_work.unlocked() as work:
        assert await work.orders.place_if_unchanged(order, cart_version=read) is None
        assert await work.orders.place_if_unchanged(
            an_order("order-0000000002", "user-nobody", first), cart_version=0) is None
    assert await stocks(uow, first, second) == [5, 5]
    async with uow() as work:
        assert await work.orders.get(order.id) is None
        assert (await work.carts.get(ALICE)).lines == (CartLine(first.id, 1),
                                                       CartLine(second.id, 1))


async def test_an_order_with_a_short_line_over_an_unchanged_cart_takes_nothing(
    units_of_work: UnitsOfWork,
) -> None:
    uow = units_of_work.uow
    plenty, scarce, archived = await setup(uow, 5, 1, 5)
    order = an_order("order-0000000001", ALICE, plenty, scarce, archived)  # 1, 2, 3 units
    async with uow() as work:
        await work.products.update(archived.archive(NOW))
        await work.commit()
    for short in (order, an_order("order-0000000002", ALICE, plenty, scarce)):
        version = await fill_cart(uow, short)
        async with units_of_work.unlocked() as work:
            assert await work.orders.place_if_unchanged(short, cart_version=version) is None
            # the unit of work goes on after the refusal (then ends without commit)
            assert (await work.carts.get_snapshot(ALICE)) is not None
        # plenty's unit was taken before a later line was found short: it is back
        assert await stocks(uow, plenty, scarce, archived) == [5, 1, 5]
        async with uow() as work:
            assert await work.orders.get(short.id) is None
            assert len((await work.carts.get(ALICE)).lines) == len(order.lines)


async def test_an_order_whose_product_changed_over_an_unchanged_cart_takes_nothing(
    units_of_work: UnitsOfWork,
) -> None:
    uow = units_of_work.uow
    first, second = await setup(uow, 5, 5)
    order = an_order("order-0000000001", ALICE, first, second)  # made of the products as read
    version = await fill_cart(uow, order)
    for change in ({"price": Money(99)}, {"name": "Product renamed"}):
        async with uow() as work:
            current = await work.products.get(second.id)
            assert current is not None
            await work.products.update(replace(current, **change))  # type: ignore[arg-type]
            await work.commit()
        async with units_of_work.unlocked() as work:
            assert await work.orders.place_if_unchanged(order, cart_version=version) is None
        assert await stocks(uow, first, second) == [5, 5]
        async with uow() as work:
            assert await work.orders.get(order.id) is None
        async with uow() as work:  # back as the order has it
            await work.products.update(second)
            await work.commit()
    async with units_of_work.unlocked() as work:
        assert await work.orders.place_if_unchanged(order, cart_version=version) is not None
        await work.commit()
    assert await stocks(uow, first, second) == [4, 3]


async def test_an_order_with_a_taken_key_over_an_unchanged_cart_takes_nothing(
    units_of_work: UnitsOfWork,
) -> None:
    uow = units_of_work.uow
    (product,) = await setup(uow, 5)
    first = an_order("order-0000000001", ALICE, product)
    async with uow() as work:
        await work.orders.place(first, IdempotencyRecord("key-1", "hash"))
        await work.commit()
    second = an_order("order-0000000002", ALICE, product)
    version = await fill_cart(uow, second)
    async with units_of_work.unlocked() as work:
        assert await work.orders.place_if_unchanged(
            second, IdempotencyRecord("key-1", "hash"), cart_version=version) is None
    assert await stocks(uow, product) == [4]
    async with uow() as work:
        assert await work.orders.get(second.id) is None
        assert (await work.carts.get(ALICE)).lines == (CartLine(product.id, 1),)


async def test_an_order_reads_back_equal_with_its_lines_and_address(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    order = an_order("order-0000000001", ALICE, first, second)
    async with uow() as work:
        await work.orders.add(order)
        await work.commit()
    async with uow() as work:
        assert await work.orders.get(order.id) == order
        assert await work.orders.get("unknown-order") is None
        assert await work.orders.get("bad\x00id") is None
    async with uow() as work:  # locked until the unit of work ends, read the same
        assert await work.orders.get_for_update(order.id) == order
        assert await work.orders.get_for_update("unknown-order") is None
        assert await work.orders.get_for_update("bad\x00id") is None


async def test_line2_of_the_address_survives_the_round_trip(uow: UnitOfWorkFactory) -> None:
    (product,) = await setup(uow, 5)
    order = an_order("order-0000000001", ALICE, product, line2="Flat 4B")
    async with uow() as work:
        await work.orders.add(order)
        await work.commit()
    async with uow() as work:
        stored = await work.orders.get(order.id)
    assert stored is not None and stored.shipping_address.line2 == "Flat 4B"


async def test_an_address_in_any_script_survives_the_round_trip(
    uow: UnitOfWorkFactory,
) -> None:
    (product,) = await setup(uow, 5)
    address = ShippingAddress.create(
        name='Ananya "Anu" Rāo', line1="ಮಿ. ಜಿ. ರಸ್ತೆ 12", line2="Back\\slash 🏠",
        city="ಬೆಂಗಳೂರು", state="Karnataka", postal_code="560001", phone=PHONES[ALICE])
    order = Order.place("order-0000000001", ALICE, [OrderLine(product.id, product.name,
                                                              product.price, 1)], address, NOW)
    async with uow() as work:
        await work.orders.add(order)
        await work.commit()
    async with uow() as work:
        stored = await work.orders.get(order.id)
    assert stored is not None and stored.shipping_address == address


async def test_totals_beyond_32_bits_survive_the_round_trip(uow: UnitOfWorkFactory) -> None:
    (product,) = await setup(uow, 5)
    line = OrderLine(product.id, "Gold bar", Money(99_999_999_99), 99)
    order = Order.place("order-0000000001", ALICE, [line], an_address(), NOW)
    async with uow() as work:
        await work.orders.add(order)
        await work.commit()
    async with uow() as work:
        stored = await work.orders.get(order.id)
    assert stored is not None and stored.total.minor == 99_999_999_99 * 99


async def test_an_idempotency_key_finds_its_order_and_is_unique_per_user(
    uow: UnitOfWorkFactory,
) -> None:
    (product,) = await setup(uow, 5)
    record = IdempotencyRecord("key-1", "a" * 64)
    async with uow() as work:
        await work.orders.add(an_order("order-0000000001", ALICE, product), record)
        await work.orders.add(an_order("order-0000000002", BOB, product), record)
        await work.commit()
    async with uow() as work:
        found = await work.orders.get_by_idempotency_key(ALICE, "key-1")
        assert found is not None and found.order.id == "order-0000000001"
        assert found.request_hash == "a" * 64
        assert await work.orders.get_by_idempotency_key(ALICE, "key-2") is None
        with pytest.raises(IdempotencyKeyTaken):
            await work.orders.add(an_order("order-0000000003", ALICE, product), record)
    async with uow() as work:
        assert await work.orders.get("order-0000000003") is None


async def test_orders_without_a_key_never_clash(uow: UnitOfWorkFactory) -> None:
    (product,) = await setup(uow, 5)
    async with uow() as work:
        await work.orders.add(an_order("order-0000000001", ALICE, product))
        await work.orders.add(an_order("order-0000000002", ALICE, product))
        await work.commit()
    async with uow() as work:
        page = await work.orders.list_for_user(ALICE, PageRequest())
    assert page.count == 2


async def test_save_status_only_moves_from_the_expected_status(uow: UnitOfWorkFactory) -> None:
    (product,) = await setup(uow, 5)
    order = an_order("order-0000000001", ALICE, product)
    cancelled = order.cancel(NOW + timedelta(hours=1))
    async with uow() as work:
        await work.orders.add(order)
        assert await work.orders.save_status(cancelled, previous=OrderStatus.PLACED) is True
        assert await work.orders.save_status(cancelled, previous=OrderStatus.PLACED) is False
        await work.commit()
    async with uow() as work:
        assert await work.orders.get(order.id) == cancelled


async def test_orders_are_listed_newest_first_per_user_and_paged(uow: UnitOfWorkFactory) -> None:
    first, second = await setup(uow, 5, 5)
    mine = [an_order(f"order-{i:010d}", ALICE, first, second, at=NOW + timedelta(minutes=i))
            for i in range(5)]
    async with uow() as work:
        for order in mine:
            await work.orders.add(order)
        await work.orders.add(an_order("order-bob-000001", BOB, first))
        await work.commit()
    async with uow() as work:
        page_one = await work.orders.list_for_user(ALICE, PageRequest(1, 2))
        page_three = await work.orders.list_for_user(ALICE, PageRequest(3, 2))
    assert page_one.count == 5 and list(page_one.items) == [mine[4], mine[3]]
    assert list(page_three.items) == [mine[0]] and not page_three.has_next


SAME_MOMENT_IDS = ["order-a", "order-B", "Order-c", "order-ä", "order-10", "order-9",
                   "order_x", "order-x", "ORDER-Z", "order Z", "order-É", "order-e"]


async def test_orders_of_one_moment_go_by_ascending_id_in_code_point_order(
    uow_every_collation: UnitOfWorkFactory,
) -> None:
    # Order ids are opaque text: whatever the database's locale, ties go the way
    # Python compares the ids (code point order), not by a language's rules.
    uow = uow_every_collation
    first, _ = await setup(uow, 5, 5)
    async with uow() as work:
        for order_id in SAME_MOMENT_IDS:
            await work.orders.add(an_order(order_id, ALICE, first))
        await work.commit()
    expected = sorted(SAME_MOMENT_IDS)
    async with uow() as work:
        whole = await work.orders.list_for_user(ALICE, PageRequest(1, 100))
        pages = [await work.orders.list_for_user(ALICE, PageRequest(number, 5))
                 for number in (1, 2, 3)]
    assert [order.id for order in whole.items] == expected
    assert [order.id for page in pages for order in page.items] == expected
    assert [page.count for page in pages] == [12, 12, 12]


async def test_has_purchased_counts_only_orders_that_are_not_cancelled(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    kept = an_order("order-0000000001", ALICE, first)
    dropped = an_order("order-0000000002", ALICE, second)
    async with uow() as work:
        await work.orders.add(kept)
        await work.orders.add(dropped)
        await work.orders.save_status(dropped.cancel(NOW), previous=OrderStatus.PLACED)
        await work.commit()
    async with uow() as work:
        assert await work.orders.has_purchased(ALICE, first.id) is True
        assert await work.orders.has_purchased(ALICE, second.id) is False
        assert await work.orders.has_purchased(BOB, first.id) is False


# wishlists

async def test_a_wishlist_holds_each_product_once_newest_first(uow: UnitOfWorkFactory) -> None:
    first, second = await setup(uow, 5, 0)
    async with uow() as work:
        assert await work.wishlists.add(ALICE, first.id, NOW) is True
        assert await work.wishlists.add(ALICE, second.id, NOW + timedelta(seconds=1)) is True
        assert await work.wishlists.add(ALICE, first.id, NOW + timedelta(seconds=2)) is False
        await work.commit()
    async with uow() as work:
        entries = await work.wishlists.list_with_products(ALICE)
        assert await work.wishlists.list_with_products(BOB) == []
    assert [(e.product, e.added_at) for e in entries] == [
        (second, NOW + timedelta(seconds=1)), (first, NOW)]


async def test_a_wishlist_hides_archived_products_and_removes_idempotently(
    uow: UnitOfWorkFactory,
) -> None:
    first, second = await setup(uow, 5, 5)
    async with uow() as work:
        await work.wishlists.add(ALICE, first.id, NOW)
        await work.wishlists.add(ALICE, second.id, NOW)
        await work.products.update(second.archive(NOW))
        await work.wishlists.remove(ALICE, first.id)
        await work.wishlists.remove(ALICE, first.id)
        await work.commit()
    async with uow() as work:
        assert await work.wishlists.list_with_products(ALICE) == []
        await work.products.update(second)
        assert [e.product.id for e in await work.wishlists.list_with_products(ALICE)] == [
            second.id]


# reviews

async def test_a_review_is_added_once_per_user_and_product(uow: UnitOfWorkFactory) -> None:
    (product,) = await setup(uow, 5)
    draft = ReviewDraft.create(4, "Good value")
    async with uow() as work:
        await work.orders.add(an_order("order-0000000001", ALICE, product))
        review = await work.reviews.add(draft, product.id, ALICE, PHONES[ALICE], NOW)
        assert await work.reviews.exists(ALICE, product.id) is True
        assert await work.reviews.exists(BOB, product.id) is False
        with pytest.raises(AlreadyReviewed):
            await work.reviews.add(draft, product.id, ALICE, PHONES[ALICE], NOW)
        await work.commit()
    async with uow() as work:
        page = await work.reviews.list_for_product(product.id, PageRequest())
    assert list(page.items) == [review] and review.author == PHONES[ALICE]
    assert (review.rating, review.comment, review.verified_purchase) == (4, "Good value", True)


async def test_reviews_are_listed_newest_first_and_paged(uow: UnitOfWorkFactory) -> None:
    first, second = await setup(uow, 5, 5)
    async with uow() as work:
        older = await work.reviews.add(ReviewDraft.create(5), first.id, ALICE, PHONES[ALICE],
                                       NOW)
        newer = await work.reviews.add(ReviewDraft.create(2), first.id, BOB, PHONES[BOB],
                                       NOW + timedelta(minutes=1))
        await work.reviews.add(ReviewDraft.create(3), second.id, BOB, PHONES[BOB], NOW)
        await work.commit()
    async with uow() as work:
        page = await work.reviews.list_for_product(first.id, PageRequest(1, 1))
        rest = await work.reviews.list_for_product(first.id, PageRequest(2, 1))
    assert page.count == 2 and list(page.items) == [newer] and list(rest.items) == [older]


async def test_deleting_a_review_returns_it_once_and_allows_a_new_one(
    uow: UnitOfWorkFactory,
) -> None:
    (product,) = await setup(uow, 5)
    async with uow() as work:
        review = await work.reviews.add(ReviewDraft.create(5, "x"), product.id, ALICE,
                                        PHONES[ALICE], NOW)
        await work.commit()
    async with uow() as work:
        assert await work.reviews.delete(ALICE, product.id) == review
        assert await work.reviews.delete(ALICE, product.id) is None
        await work.commit()
    async with uow() as work:
        again = await work.reviews.add(ReviewDraft.create(1), product.id, ALICE, PHONES[ALICE],
                                       NOW)
        await work.commit()
    async with uow() as work:
        page = await work.reviews.list_for_product(product.id, PageRequest())
    assert list(page.items) == [again] and again.rating == 1


async def set_status(uow: UnitOfWorkFactory, order: Order, status: OrderStatus) -> Order:
    """``order`` (as stored) moved to ``status`` (``cancelled``: cancelled)."""
    async with uow() as work:
        stored = await work.orders.get(order.id)
        assert stored is not None
        moved = stored.cancel(NOW) if status is OrderStatus.CANCELLED \
            else stored.advance_to(status, NOW)
        assert await work.orders.save_status(moved, previous=stored.status)
        await work.commit()
    return moved


async def verified(uow: UnitOfWorkFactory, product: Product) -> dict[str, bool]:
    """``verified_purchase`` of each review of the product listed, by author."""
    async with uow() as work:
        page = await work.reviews.list_for_product(product.id, PageRequest())
    return {review.user_id: review.verified_purchase for review in page.items}


async def test_a_review_is_verified_while_its_author_has_an_order_of_it_not_cancelled(
    uow: UnitOfWorkFactory,
) -> None:
    reviewed, other = await setup(uow, 5, 5)
    first = an_order("order-0000000001", ALICE, reviewed)
    async with uow() as work:
        await work.orders.add(first)
        await work.orders.add(an_order("order-0000000002", BOB, other))  # another product
        added = await work.reviews.add(ReviewDraft.create(5), reviewed.id, ALICE,
                                       PHONES[ALICE], NOW)
        await work.commit()
    assert added.verified_purchase is True
    assert await verified(uow, reviewed) == {ALICE: True}
    await set_status(uow, first, OrderStatus.CANCELLED)
    assert await verified(uow, reviewed) == {ALICE: False}
    second = an_order("order-0000000003", ALICE, other, reviewed)
    async with uow() as work:
        await work.orders.add(second)
        await work.commit()
    assert await verified(uow, reviewed) == {ALICE: True}
    for status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        await set_status(uow, second, status)
        assert await verified(uow, reviewed) == {ALICE: True}


async def test_authors_in_different_states_are_verified_each_on_one_page(
    uow: UnitOfWorkFactory,
) -> None:
    reviewed, other = await setup(uow, 5, 5)
    cancelled = an_order("order-0000000001", BOB, reviewed)
    async with uow() as work:
        await work.orders.add(an_order("order-0000000002", ALICE, reviewed))
        await work.orders.add(cancelled)
        await work.orders.add(an_order("order-0000000003", BOB, other))
        for user_id in (ALICE, BOB):
            await work.reviews.add(ReviewDraft.create(4), reviewed.id, user_id,
                                   PHONES[user_id], NOW)
        await work.reviews.add(ReviewDraft.create(3), other.id, ALICE, PHONES[ALICE], NOW)
        await work.commit()
    assert await verified(uow, reviewed) == {ALICE: True, BOB: True}
    await set_status(uow, cancelled, OrderStatus.CANCELLED)
    assert await verified(uow, reviewed) == {ALICE: True, BOB: False}
    assert await verified(uow, other) == {ALICE: False}  # Alice never bought it
    async with uow() as work:
        removed = await work.reviews.delete(BOB, reviewed.id)
        kept = await work.reviews.delete(ALICE, reviewed.id)
    assert removed is not None and removed.verified_purchase is False
    assert kept is not None and kept.verified_purchase is True


# ties and totals: the same answer on every store


async def test_cart_lines_added_at_one_moment_go_by_product_id(uow: UnitOfWorkFactory) -> None:
    products = await setup(uow, 5, 5, 5, 5)
    async with uow() as work:
        for product in reversed(products):
            await work.carts.set_quantity(ALICE, product.id, 1, NOW)
        await work.commit()
    async with uow() as work:
        cart = await work.carts.get(ALICE)
        lines = await work.carts.lines_with_products(ALICE)
    ids = [product.id for product in products]
    assert [line.product_id for line in cart.lines] == ids
    assert [row.line.product_id for row in lines] == ids


async def test_a_cart_of_the_dearest_products_totals_exactly_with_its_availability(
    uow: UnitOfWorkFactory,
) -> None:
    first, second, third = await setup(uow, 99, 98, 99)
    async with uow() as work:
        for product in (first, second, third):
            await work.products.update(replace(product, price=Money(9_999_999_999)))
        await work.products.update(replace(third, price=Money(9_999_999_999)).archive(NOW))
        for product in (first, second, third):
            await work.carts.set_quantity(ALICE, product.id, 99, NOW)
        await work.commit()
    cart = await GetCart(uow)(GetCartQuery(ALICE))
    assert [(line.product_id, line.available, str(line.line_total.amount))
            for line in cart.lines] == [(first.id, True, "9899999999.01"),
                                        (second.id, False, "9899999999.01"),
                                        (third.id, False, "9899999999.01")]
    assert (cart.total_quantity, str(cart.subtotal.amount), str(cart.total.amount)) == (
        297, "29699999997.03", "29699999997.03")


async def test_wishlist_items_added_at_one_moment_go_by_ascending_product_id(
    uow: UnitOfWorkFactory,
) -> None:
    # API.md: every ordering breaks ties by ascending id.
    products = await setup(uow, 5, 5, 5, 5)
    async with uow() as work:
        for product in reversed(products):
            await work.wishlists.add(ALICE, product.id, NOW)
        await work.commit()
    async with uow() as work:
        entries = await work.wishlists.list_with_products(ALICE)
    assert [entry.product.id for entry in entries] == [p.id for p in products]


async def test_reviews_written_at_one_moment_go_by_ascending_id_in_pages(
    uow: UnitOfWorkFactory,
) -> None:
    (product,) = await setup(uow, 5)
    users = [(f"user-{number}", Phone(f"+9198000000{number:02d}")) for number in range(7)]
    async with uow() as work:
        for user_id, phone in users:
            await work.users.add(User(user_id, phone, False, NOW))
        written = [await work.reviews.add(ReviewDraft.create(1 + n % 5), product.id, user_id,
                                          phone, NOW) for n, (user_id, phone) in enumerate(users)]
        await work.commit()
    async with uow() as work:
        pages = [await work.reviews.list_for_product(product.id, PageRequest(number, 3))
                 for number in (1, 2, 3, 4)]
    assert [review.id for page in pages for review in page.items] == sorted(
        review.id for review in written)
    assert [(len(page.items), page.count, page.has_next) for page in pages] == [
        (3, 7, True), (3, 7, True), (1, 7, False), (0, 7, False)]
