"""Place an order from another Python service, with shopcore as a library.

Opens a shop on a SQLite file, creates the schema, adds a product, logs a customer in
with a test number (a fixed code, never delivered), fills the cart and places the
order. No HTTP server, no web framework.

    python examples/place_order.py          # writes ./example-shop.db
"""

from __future__ import annotations

import asyncio

import shopcore
from shopcore.application import (
    AddToCartCommand,
    CreateProductCommand,
    GetCartQuery,
    PlaceOrderCommand,
    RequestOtpCommand,
    ShippingAddressInput,
    VerifyOtpCommand,
)
from shopcore.domain import InsufficientStock, InvalidInput

TEST_PHONE, TEST_CODE = "+919999999999", "123456"


async def main(database_url: str = "sqlite+aiosqlite:///example-shop.db") -> None:
    async with shopcore.bootstrap(
        database_url=database_url,
        otp_test_numbers={TEST_PHONE: TEST_CODE},  # fixed code, never sent, no quota
    ) as shop:
        await shop.migrate()  # create or upgrade the schema; safe on every start

        kettle = await shop.create_product(CreateProductCommand(
            name="Steel Kettle", price="1299.00", category="kitchen", stock=3))

        await shop.request_otp(RequestOtpCommand(phone="99999 99999"))
        login = await shop.verify_otp(VerifyOtpCommand(phone=TEST_PHONE, otp=TEST_CODE))
        user_id = login.session.user.id

        await shop.add_to_cart(AddToCartCommand(user_id, kettle.id, quantity=2))
        cart = await shop.get_cart(GetCartQuery(user_id))  # priced now, exactly
        print(f"cart: {cart.total_quantity} items, {cart.total.amount} {cart.currency}")

        placed = await shop.place_order(PlaceOrderCommand(
            user_id=user_id,
            shipping_address=ShippingAddressInput(
                name="Asha Rao", line1="12 MG Road", city="Bengaluru",
                state="Karnataka", postal_code="560001", phone=TEST_PHONE),
            idempotency_key=f"checkout-{kettle.id}",  # a retry returns the same order
        ))
        order = placed.order
        print(f"order {order.id}: {order.status.value}, {order.total.amount}")
        assert order.total.minor == 2 * 1299_00 and order.lines[0].quantity == 2

        try:
            await shop.add_to_cart(AddToCartCommand(user_id, kettle.id, quantity=2))
        except InsufficientStock as error:  # 1 left: the whole request is refused
            print(f"refused: {[(s.requested, s.available) for s in error.shortages]}")
        try:
            await shop.add_to_cart(AddToCartCommand(user_id, kettle.id, quantity=-1))
        except InvalidInput as error:
            print(f"refused: {[(e.field, e.message) for e in error.errors]}")


if __name__ == "__main__":
    asyncio.run(main())
