"""Running a unit of work again after it lost a race; PlaceOrder's replay after a
concurrent insert of its idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shopcore.adapters.memory.unit_of_work import MemoryUnitOfWork
from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.application.ports.shopping import IdempotencyKeyTaken, IdempotencyRecord
from shopcore.application.ports.unit_of_work import ConcurrentUpdate
from shopcore.application.shopping.add_to_cart import AddToCartCommand
from shopcore.application.shopping.cancel_order import CancelOrder, CancelOrderCommand
from shopcore.application.shopping.place_order import PlaceOrder, PlaceOrderCommand
from shopcore.application.shopping.retrying import retry_on_concurrent_update
from shopcore.domain.ordering import Order, OrderStatus
from shopcore.testing import InMemoryShop, build_in_memory_shop
from tests.unit.application.shopping_support import (
    ADDRESS,
    ALICE,
    add_product,
    add_users,
    product_now,
)


async def test_work_that_succeeds_runs_once() -> None:
    calls = []

    async def work() -> str:
        calls.append(1)
        return "done"

    assert await retry_on_concurrent_update(work) == "done" and calls == [1]


async def test_a_lost_race_is_retried_until_it_succeeds() -> None:
    failures = [ConcurrentUpdate(), ConcurrentUpdate()]

    async def work() -> str:
        if failures:
            raise failures.pop()
        return "done"

    assert await retry_on_concurrent_update(work, attempts=3, base_delay=0) == "done"


async def test_the_last_lost_race_propagates_after_the_attempts() -> None:
    calls = []

    async def work() -> str:
        calls.append(1)
        raise ConcurrentUpdate()

    with pytest.raises(ConcurrentUpdate):
        await retry_on_concurrent_update(work, attempts=3, base_delay=0)
    assert len(calls) == 3


async def test_other_errors_are_not_retried() -> None:
    calls = []

    async def work() -> str:
        calls.append(1)
        raise ValueError("no")

    with pytest.raises(ValueError):
        await retry_on_concurrent_update(work, base_delay=0)
    assert calls == [1]


class FlakyCommits:
    """A unit-of-work factory on the shop's database whose first ``failures`` commits
    lose a race, as ``SqlUnitOfWork`` reports a deadlock."""

    def __init__(self, shop: InMemoryShop, failures: int) -> None:
        self.database = shop.database
        self.failures = failures

    def __call__(self) -> MemoryUnitOfWork:
        return _FlakyUnitOfWork(self)


class _FlakyUnitOfWork(MemoryUnitOfWork):
    def __init__(self, factory: FlakyCommits) -> None:
        super().__init__(factory.database)
        self._factory = factory

    async def commit(self) -> None:
        if self._factory.failures:
            self._factory.failures -= 1
            raise ConcurrentUpdate()
        await super().commit()


@pytest.fixture
async def shop() -> InMemoryShop:
    shop = build_in_memory_shop()
    await add_users(shop)
    return shop


def place_order_on(shop: InMemoryShop, uow: Callable[[], Any]) -> PlaceOrder:
    return PlaceOrder(uow, shop.clock, shop.ids, PhonenumbersPhoneParser())


async def test_place_order_is_retried_after_a_lost_race(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    flaky = FlakyCommits(shop, failures=2)
    placed = await place_order_on(shop, flaky)(PlaceOrderCommand(ALICE, ADDRESS))
    assert flaky.failures == 0 and placed.order.status is OrderStatus.PLACED
    assert product_now(shop, phone).stock == 3 and len(shop.database.state.orders) == 1


async def test_place_order_gives_up_after_three_lost_races(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    with pytest.raises(ConcurrentUpdate):
        await place_order_on(shop, FlakyCommits(shop, failures=3))(
            PlaceOrderCommand(ALICE, ADDRESS))
    assert product_now(shop, phone).stock == 5 and shop.database.state.orders == {}


async def test_cancel_order_is_retried_after_a_lost_race(shop: InMemoryShop) -> None:
    phone = await add_product(shop, stock=5)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 2))
    order = (await shop.place_order(PlaceOrderCommand(ALICE, ADDRESS))).order
    flaky = FlakyCommits(shop, failures=1)
    cancelled = await CancelOrder(flaky, shop.clock)(CancelOrderCommand(ALICE, order.id))
    assert cancelled.status is OrderStatus.CANCELLED and product_now(shop, phone).stock == 5


class _LateUnitOfWork(MemoryUnitOfWork):
    """Sees no order for any key, then collides on insert: what a transaction that
    started before a concurrent request with the same key committed experiences."""

    async def __aenter__(self) -> _LateUnitOfWork:
        await super().__aenter__()

        async def not_yet_visible(user_id: str, key: str) -> None:
            return None

        async def colliding_add(order: Order, idempotency: IdempotencyRecord | None = None
                                ) -> None:
            raise IdempotencyKeyTaken()

        self.orders.get_by_idempotency_key = not_yet_visible  # type: ignore[method-assign]
        self.orders.add = colliding_add  # type: ignore[method-assign]
        return self


async def test_a_key_taken_by_a_concurrent_request_replays_its_order(
    shop: InMemoryShop,
) -> None:
    phone = await add_product(shop, stock=5)
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 1))
    winner = (await shop.place_order(PlaceOrderCommand(ALICE, ADDRESS, "k-1"))).order
    await shop.add_to_cart(AddToCartCommand(ALICE, phone.id, 1))
    units = iter([_LateUnitOfWork(shop.database), shop.database.unit_of_work()])
    placed = await place_order_on(shop, lambda: next(units))(
        PlaceOrderCommand(ALICE, ADDRESS, "k-1"))
    assert placed.replayed and placed.order == winner
    assert product_now(shop, phone).stock == 4 and len(shop.database.state.orders) == 1
