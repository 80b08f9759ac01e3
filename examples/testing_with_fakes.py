"""Unit-test code that uses shopcore, with the shipped in-memory fakes.

``build_in_memory_shop()`` is the same shop as ``shopcore.bootstrap(...)`` (same use
cases, same attribute names) on fakes: an in-memory database with real commit and
rollback, a manual clock, a recording OTP gateway, a fake payment provider. No
database, no network, no sleeping: each test below runs in about a millisecond.

With pytest and pytest-asyncio (``asyncio_mode = "auto"``) the ``test_*`` functions
are tests as they are; ``main()`` runs them without pytest.

    python examples/testing_with_fakes.py
"""

from __future__ import annotations

import asyncio

from shopcore.application import (
    AddToCartCommand,
    CreateProductCommand,
    PlaceOrderCommand,
    RequestOtpCommand,
    ShippingAddressInput,
    ShopUseCases,
    VerifyOtpCommand,
)
from shopcore.domain import InsufficientStock, OrderStatus, OtpExpired
from shopcore.testing import InMemoryShop, build_in_memory_shop

PHONE = "+919876543210"


# The code under test: it takes any ShopUseCases, so production passes the Shop of
# shopcore.bootstrap(...) and the tests pass an InMemoryShop.
async def reorder_bestseller(shop: ShopUseCases, user_id: str, product_id: int) -> str:
    """Buy one more of a product for a customer; the new order's id."""
    await shop.add_to_cart(AddToCartCommand(user_id, product_id, quantity=1))
    placed = await shop.place_order(PlaceOrderCommand(user_id, ShippingAddressInput(
        name="Asha Rao", line1="12 MG Road", city="Bengaluru", state="Karnataka",
        postal_code="560001", phone=PHONE)))
    return placed.order.id


async def logged_in_customer(shop: InMemoryShop) -> str:
    requested = await shop.request_otp(RequestOtpCommand(phone=PHONE))
    code = shop.otp_gateway.last_code(requested.phone)  # what the fake "sent"
    login = await shop.verify_otp(VerifyOtpCommand(phone=PHONE, otp=code))
    return login.session.user.id


async def test_reordering_places_an_order_and_takes_the_stock() -> None:
    shop = build_in_memory_shop()
    user_id = await logged_in_customer(shop)
    tea = await shop.create_product(CreateProductCommand(
        name="Assam Tea", price="350", category="grocery", stock=1))

    order_id = await reorder_bestseller(shop, user_id, tea.id)

    order = shop.database.state.orders[order_id]  # the fake's committed state
    assert order.status is OrderStatus.PLACED and order.total.minor == 350_00
    assert shop.database.state.products[tea.id].stock == 0


async def test_reordering_without_stock_changes_nothing() -> None:
    shop = build_in_memory_shop()
    user_id = await logged_in_customer(shop)
    tea = await shop.create_product(CreateProductCommand(
        name="Assam Tea", price="350", category="grocery", stock=0))
    try:
        await reorder_bestseller(shop, user_id, tea.id)
    except InsufficientStock as error:
        assert error.shortages[0].available == 0
    else:
        raise AssertionError("an order without stock was placed")
    assert shop.database.state.orders == {}  # rolled back: nothing half-written


async def test_a_code_expires_after_five_minutes_without_sleeping() -> None:
    shop = build_in_memory_shop()
    requested = await shop.request_otp(RequestOtpCommand(phone=PHONE))
    shop.clock.advance(minutes=5, seconds=1)
    try:
        await shop.verify_otp(VerifyOtpCommand(
            phone=PHONE, otp=shop.otp_gateway.last_code(requested.phone)))
    except OtpExpired:
        pass
    else:
        raise AssertionError("an expired code was accepted")


async def main() -> None:
    tests = [test_reordering_places_an_order_and_takes_the_stock,
             test_reordering_without_stock_changes_nothing,
             test_a_code_expires_after_five_minutes_without_sleeping]
    for test in tests:
        await test()
        print(f"passed: {test.__name__}")


if __name__ == "__main__":
    asyncio.run(main())
