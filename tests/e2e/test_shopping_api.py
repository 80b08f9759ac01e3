"""The cart, order, wishlist and review routes, through the real app on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from dependency_injector import providers

from shopcore.adapters.memory.basics import ManualClock
from shopcore.domain.catalog import Product
from tests.e2e.conftest import Api

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ALICE, BOB = "+919876543210", "+919812345678"
ADDRESS: dict[str, Any] = {
    "name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru", "state": "Karnataka",
    "postal_code": "560001", "phone": "+91 98765 43210",
}
Headers = dict[str, str]


def assert_problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["code"] == code and body["status"] == status
    return body


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem["errors"]}


async def archive(api: Api, product: Product) -> None:
    async with api.container.unit_of_work() as uow:
        await uow.products.update(product.archive(NOW))
        await uow.commit()


async def set_stock(api: Api, product: Product, stock: int) -> None:
    from dataclasses import replace
    async with api.container.unit_of_work() as uow:
        current = await uow.products.get(product.id)
        assert current is not None
        await uow.products.update(replace(current, stock=stock))
        await uow.commit()


async def add_to_cart(api: Api, who: Headers, product: Product, quantity: int = 1) -> Any:
    return await api.client.post("/api/cart/add/", headers=who,
                                  json={"product_id": product.id, "quantity": quantity})


async def place(api: Api, who: Headers, key: str | None = None, **address: Any) -> Any:
    headers = {**who, **({"Idempotency-Key": key} if key is not None else {})}
    return await api.client.post("/api/order/place/", headers=headers,
                                 json={"shipping_address": {**ADDRESS, **address}})


async def buy(api: Api, who: Headers, product: Product, quantity: int = 1) -> dict[str, Any]:
    assert (await add_to_cart(api, who, product, quantity)).status_code == 200
    answer = await place(api, who)
    assert answer.status_code == 201, answer.text
    order: dict[str, Any] = answer.json()
    return order


# cart

async def test_an_empty_cart(api: Api) -> None:
    alice = await api.login(ALICE)
    answer = await api.client.get("/api/cart/", headers=alice)
    assert answer.status_code == 200
    assert answer.json() == {"items": [], "total_quantity": 0, "subtotal": "0.00",
                             "total": "0.00", "currency": "INR"}


async def test_adding_accumulates_and_answers_the_priced_cart(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=12)
    await add_to_cart(api, alice, phone)
    answer = await add_to_cart(api, alice, phone)
    assert answer.status_code == 200
    assert answer.json() == {
        "items": [{"product_id": phone.id, "name": "Smartphone", "unit_price": "19999.00",
                   "quantity": 2, "line_total": "39998.00", "available": True}],
        "total_quantity": 2, "subtotal": "39998.00", "total": "39998.00", "currency": "INR"}
    assert (await api.client.get("/api/cart/", headers=alice)).json() == answer.json()


async def test_quantity_defaults_to_one(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    answer = await api.client.post("/api/cart/add/", headers=alice,
                                   json={"product_id": phone.id})
    assert answer.json()["items"][0]["quantity"] == 1


async def test_unknown_or_archived_products_cannot_be_added(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await archive(api, phone)
    assert_problem(await add_to_cart(api, alice, phone), 404, "not_found")
    unknown = await api.client.post("/api/cart/add/", headers=alice, json={"product_id": 999})
    assert_problem(unknown, 404, "not_found")


async def test_a_line_above_the_stock_is_out_of_stock(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=3)
    await add_to_cart(api, alice, phone, 2)
    problem = assert_problem(await add_to_cart(api, alice, phone, 2), 409, "out_of_stock")
    assert problem["products"] == [{"product_id": phone.id, "requested": 4, "available": 3}]


async def test_adding_a_product_without_stock_is_out_of_stock(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=0)
    problem = assert_problem(await add_to_cart(api, alice, phone), 409, "out_of_stock")
    assert problem["products"] == [{"product_id": phone.id, "requested": 1, "available": 0}]


async def test_a_line_above_99_units_is_422(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=500)
    assert (await add_to_cart(api, alice, phone, 60)).status_code == 200
    problem = assert_problem(await add_to_cart(api, alice, phone, 40), 422, "validation_error")
    assert fields_of(problem) == {"quantity"}


@pytest.mark.parametrize("path", ["/api/cart/add/", "/api/cart/update/", "/api/cart/remove/",
                                  "/api/order/place/", "/api/order/cancel/"])
@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b"5", b'"text"'])
async def test_a_missing_body_or_one_that_is_no_object_is_422_naming_the_body(
    api: Api, path: str, raw: bytes,
) -> None:
    alice = await api.login(ALICE)
    answer = await api.client.post(path, headers={**alice, "Content-Type": "application/json"},
                                   content=raw)
    problem = assert_problem(answer, 422, "validation_error")
    assert problem["errors"] == [
        {"field": "body", "message": "The request body must be a JSON object."}]
    assert problem["detail"] == ("The request is not valid: body: The request body must be "
                                 "a JSON object.")
    without_type = await api.client.post(path, headers=alice, content=raw)
    if raw:  # a body needs its JSON type (tests/e2e/test_request_media_types.py)
        assert_problem(without_type, 415, "unsupported_media")
    else:
        assert without_type.json()["errors"] == problem["errors"]


@pytest.mark.parametrize("body", [
    {"product_id": 1, "quantity": 0},
    {"product_id": 1, "quantity": 100},
    {"product_id": 1, "quantity": 1.5},
    {"product_id": 1, "quantity": True},
    {"product_id": 2**31},
    {"product_id": 10**30},
    {},
    {"product_id": 1, "price": "1.00"},
    {"product_id": 1, "user_id": "someone-else"},
])
async def test_bad_add_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    alice = await api.login(ALICE)
    await api.add_product()
    answer = await api.client.post("/api/cart/add/", headers=alice, json=body)
    assert_problem(answer, 422, "validation_error")


async def test_update_sets_the_quantity_and_zero_removes_the_line(api: Api) -> None:
    alice = await api.login(ALICE)
    phone, laptop = await api.add_product(), await api.add_product("Laptop", "50000.50")
    await add_to_cart(api, alice, phone, 5)
    await add_to_cart(api, alice, laptop)
    answer = await api.client.post("/api/cart/update/", headers=alice,
                                   json={"product_id": phone.id, "quantity": 2})
    assert answer.status_code == 200
    assert [(i["product_id"], i["quantity"]) for i in answer.json()["items"]] == [
        (phone.id, 2), (laptop.id, 1)]
    assert answer.json()["total"] == "89998.50"
    answer = await api.client.post("/api/cart/update/", headers=alice,
                                   json={"product_id": phone.id, "quantity": 0})
    assert [i["product_id"] for i in answer.json()["items"]] == [laptop.id]


async def test_update_of_a_product_not_in_the_cart_is_404(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    for product_id in (phone.id, 999):
        answer = await api.client.post("/api/cart/update/", headers=alice,
                                       json={"product_id": product_id, "quantity": 1})
        assert_problem(answer, 404, "not_found")


async def test_update_above_the_stock_is_out_of_stock(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=3)
    await add_to_cart(api, alice, phone)
    answer = await api.client.post("/api/cart/update/", headers=alice,
                                   json={"product_id": phone.id, "quantity": 4})
    assert assert_problem(answer, 409, "out_of_stock")["products"] == [
        {"product_id": phone.id, "requested": 4, "available": 3}]


async def test_remove_deletes_the_line_and_is_404_when_absent(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await add_to_cart(api, alice, phone)
    answer = await api.client.post("/api/cart/remove/", headers=alice,
                                   json={"product_id": phone.id})
    assert answer.status_code == 200 and answer.json()["items"] == []
    again = await api.client.post("/api/cart/remove/", headers=alice,
                                  json={"product_id": phone.id})
    assert_problem(again, 404, "not_found")


async def test_archived_or_short_lines_stay_but_are_unavailable(api: Api) -> None:
    alice = await api.login(ALICE)
    phone, laptop = await api.add_product(stock=5), await api.add_product("Laptop", stock=5)
    await add_to_cart(api, alice, phone, 3)
    await add_to_cart(api, alice, laptop, 3)
    await archive(api, phone)
    await set_stock(api, laptop, 2)
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert [(i["product_id"], i["available"]) for i in cart["items"]] == [
        (phone.id, False), (laptop.id, False)]
    assert cart["total_quantity"] == 6
    lowered = await api.client.post("/api/cart/update/", headers=alice,
                                    json={"product_id": phone.id, "quantity": 1})
    assert lowered.status_code == 200


async def test_carts_belong_to_their_owner(api: Api) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    await add_to_cart(api, alice, await api.add_product())
    assert (await api.client.get("/api/cart/", headers=bob)).json()["items"] == []


async def test_reading_a_cart_takes_the_same_queries_whatever_its_size(api: Api) -> None:
    alice = await api.login(ALICE)
    products = [await api.add_product(f"Product {i}") for i in range(6)]
    await add_to_cart(api, alice, products[0])
    with api.statements() as one_line:
        assert (await api.client.get("/api/cart/", headers=alice)).status_code == 200
    for product in products[1:]:
        await add_to_cart(api, alice, product)
    with api.statements() as six_lines:
        cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert len(cart["items"]) == 6 and len(six_lines) == len(one_line) <= 3


async def test_changing_a_cart_or_ordering_it_reads_cart_and_products_at_once(api: Api) -> None:
    """Owner, lines and products come from one read (on PostgreSQL one call that locks the
    owner first), whatever the cart holds and whether the product is in it. On PostgreSQL
    an addition to the cart the previous addition remembered reads nothing before its
    write: its one statement writes the line and reads the products (no ``SELECT``)."""
    alice = await api.login(ALICE)
    phone, laptop, tablet = [await api.add_product(name) for name in ("A", "B", "C")]
    for product in (phone, laptop):
        await add_to_cart(api, alice, product)
    with api.statements() as adding_new:
        assert (await add_to_cart(api, alice, tablet)).status_code == 200
    with api.statements() as adding_more:
        assert (await add_to_cart(api, alice, phone)).status_code == 200
    with api.statements() as updating:
        assert (await api.client.post("/api/cart/update/", headers=alice, json={
            "product_id": laptop.id, "quantity": 2})).status_code == 200
    with api.statements() as removing:
        assert (await api.client.post("/api/cart/remove/", headers=alice, json={
            "product_id": tablet.id})).status_code == 200
    with api.statements() as placing:
        assert (await place(api, alice)).status_code == 201
    reads = [[s for s in statements if s.lstrip().upper().startswith("SELECT")]
             for statements in (adding_new, adding_more, updating, removing, placing)]
    remembered = api.engine.dialect.name == "postgresql"
    assert [len(r) for r in reads] == [0 if remembered else 1] * 2 + [1] * 3
    if remembered:
        assert [len(statements) for statements in (adding_new, adding_more)] == [1, 1]


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/cart/"), ("POST", "/api/cart/add/"), ("POST", "/api/cart/update/"),
    ("POST", "/api/cart/remove/"), ("POST", "/api/order/place/"), ("GET", "/api/orders/"),
    ("GET", "/api/orders/abc/"), ("POST", "/api/order/cancel/"), ("GET", "/api/wishlist/"),
    ("POST", "/api/wishlist/"), ("DELETE", "/api/wishlist/1/"),
    ("POST", "/api/products/1/reviews/"), ("DELETE", "/api/products/1/reviews/"),
    ("POST", "/api/orders/abc/status/"),
])
async def test_every_shopping_route_needs_a_token(api: Api, method: str, path: str) -> None:
    answer = await api.client.request(method, path, json={})
    assert_problem(answer, 401, "unauthorized")


# orders

async def test_placing_an_order_snapshots_the_cart_takes_stock_and_empties_the_cart(
    api: Api,
) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=12)
    await add_to_cart(api, alice, phone, 2)
    answer = await place(api, alice)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["status"] == "placed" and order["cancelled_at"] is None
    assert order["items"] == [{"product_id": phone.id, "name": "Smartphone",
                               "unit_price": "19999.00", "quantity": 2,
                               "line_total": "39998.00"}]
    assert order["total"] == "39998.00" and order["currency"] == "INR"
    assert order["shipping_address"] == {
        "name": "Asha Rao", "line1": "12 MG Road", "line2": None, "city": "Bengaluru",
        "state": "Karnataka", "postal_code": "560001", "country": "IN",
        "phone": "+919876543210"}
    assert order["created_at"].endswith("Z")
    assert len(order["id"]) >= 12 and not order["id"].isdigit()
    assert (await api.stored(phone)).stock == 10
    assert (await api.client.get("/api/cart/", headers=alice)).json()["items"] == []


async def test_an_order_keeps_its_prices_when_the_product_changes(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    order = await buy(api, alice, phone)
    await archive(api, phone)
    shown = (await api.client.get(f"/api/orders/{order['id']}/", headers=alice)).json()
    line = shown["items"][0]
    assert (line["unit_price"], line["name"]) == ("19999.00", "Smartphone")


async def test_line2_and_country_are_echoed(api: Api) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    answer = await place(api, alice, line2="Flat 4B", country="IN")
    assert answer.json()["shipping_address"]["line2"] == "Flat 4B"


async def test_the_address_is_echoed_exactly_as_sent(api: Api) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    sent = {"name": " Asha  Rao", "line1": "12, MG Road ", "line2": "  Flat 4B",
            "city": "Bengaluru", "state": "Karnataka\u00a0", "postal_code": "560001"}
    answer = await place(api, alice, **sent)
    assert answer.status_code == 201, answer.text
    echoed = answer.json()["shipping_address"]
    assert {field: echoed[field] for field in sent} == sent
    shown = await api.client.get(f"/api/orders/{answer.json()['id']}/", headers=alice)
    assert shown.json()["shipping_address"] == echoed


async def test_a_blank_required_address_field_is_422_and_places_nothing(api: Api) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    problem = assert_problem(await place(api, alice, city="   ", postal_code=" 560001"),
                             422, "validation_error")
    assert sorted(error["field"] for error in problem["errors"]) == [
        "shipping_address.city", "shipping_address.postal_code"]
    assert (await api.client.get("/api/orders/", headers=alice)).json()["count"] == 0


async def test_an_empty_cart_cannot_be_ordered(api: Api) -> None:
    alice = await api.login(ALICE)
    assert_problem(await place(api, alice), 409, "cart_empty")


async def test_every_short_line_is_listed_and_nothing_changes(api: Api) -> None:
    alice = await api.login(ALICE)
    phone, laptop, cable = (await api.add_product("Phone", stock=5),
                            await api.add_product("Laptop", stock=5),
                            await api.add_product("Cable", stock=5))
    for product, quantity in ((phone, 3), (laptop, 4), (cable, 2)):
        await add_to_cart(api, alice, product, quantity)
    await set_stock(api, phone, 1)
    await set_stock(api, laptop, 0)
    problem = assert_problem(await place(api, alice), 409, "out_of_stock")
    assert sorted(problem["products"], key=lambda p: p["product_id"]) == [
        {"product_id": phone.id, "requested": 3, "available": 1},
        {"product_id": laptop.id, "requested": 4, "available": 0}]
    assert [(await api.stored(p)).stock for p in (phone, laptop, cable)] == [1, 0, 5]
    assert len((await api.client.get("/api/cart/", headers=alice)).json()["items"]) == 3
    assert (await api.client.get("/api/orders/", headers=alice)).json()["count"] == 0


async def test_an_archived_line_makes_the_order_out_of_stock(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await add_to_cart(api, alice, phone)
    await archive(api, phone)
    problem = assert_problem(await place(api, alice), 409, "out_of_stock")
    assert problem["products"] == [{"product_id": phone.id, "requested": 1, "available": 0}]


async def test_totals_are_exact_beyond_32_bits(api: Api) -> None:
    alice = await api.login(ALICE)
    gold = await api.add_product("Gold", "99999999.99", stock=99)
    coin = await api.add_product("Coin", "0.99")
    await add_to_cart(api, alice, gold, 99)
    cart = (await add_to_cart(api, alice, coin)).json()
    assert cart["items"][0]["line_total"] == "9899999999.01"
    assert cart["subtotal"] == cart["total"] == "9900000000.00"
    order = (await place(api, alice)).json()
    assert order["total"] == "9900000000.00"


@pytest.mark.parametrize("change, field", [
    ({"city": ""}, "shipping_address.city"),
    ({"city": "   "}, "shipping_address.city"),
    ({"name": "x" * 101}, "shipping_address.name"),
    ({"postal_code": "012345"}, "shipping_address.postal_code"),
    ({"phone": "12345"}, "shipping_address.phone"),
    ({"phone": "+1 202 555 0143"}, "shipping_address.phone"),
    ({"country": "india"}, "shipping_address.country"),
    ({"city": 42}, "shipping_address.city"),
    ({"line1": "a\x00b"}, "shipping_address.line1"),
])
async def test_a_bad_address_is_422_naming_the_dotted_field(
    api: Api, change: dict[str, Any], field: str,
) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    problem = assert_problem(await place(api, alice, **change), 422, "validation_error")
    assert field in fields_of(problem)


async def test_a_missing_address_field_is_named(api: Api) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    address = {k: v for k, v in ADDRESS.items() if k != "city"}
    answer = await api.client.post("/api/order/place/", headers=alice,
                                   json={"shipping_address": address})
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {"shipping_address.city"}
    empty = await api.client.post("/api/order/place/", headers=alice, json={})
    assert fields_of(assert_problem(empty, 422, "validation_error")) == {"shipping_address"}


@pytest.mark.parametrize("extra", [
    {"status": "delivered"}, {"total": "0.01"}, {"user_id": "someone"}, {"id": "mine"},
    {"items": [{"product_id": 1, "quantity": 1, "unit_price": "0.01"}]},
])
async def test_mass_assignment_on_place_is_422_and_places_nothing(
    api: Api, extra: dict[str, Any],
) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    answer = await api.client.post("/api/order/place/", headers=alice,
                                   json={"shipping_address": ADDRESS, **extra})
    assert_problem(answer, 422, "validation_error")
    assert (await api.client.get("/api/orders/", headers=alice)).json()["count"] == 0


async def test_unknown_address_fields_are_422(api: Api) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    assert_problem(await place(api, alice, latitude=12.9), 422, "validation_error")


async def test_a_replay_with_the_same_key_returns_the_same_order(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await add_to_cart(api, alice, phone, 2)
    first = await place(api, alice, key="order-42")
    await add_to_cart(api, alice, phone)  # the cart changed: the key still means order 42
    again = await place(api, alice, key="order-42")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert (await api.stored(phone)).stock == 8
    assert (await api.client.get("/api/orders/", headers=alice)).json()["count"] == 1


async def test_the_same_key_with_another_body_is_422(api: Api) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    assert (await place(api, alice, key="k-1")).status_code == 201
    assert_problem(await place(api, alice, key="k-1", city="Mysuru"), 422,
                   "idempotency_key_reused")
    assert_problem(await place(api, alice, key="k-1", city="Bengaluru "), 422,
                   "idempotency_key_reused")


async def test_idempotency_keys_are_scoped_per_user(api: Api) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    phone = await api.add_product()
    await add_to_cart(api, alice, phone)
    await add_to_cart(api, bob, phone)
    mine, theirs = await place(api, alice, key="same"), await place(api, bob, key="same")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_an_idempotency_key_must_have_1_to_255_characters(api: Api, key: str) -> None:
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    assert_problem(await place(api, alice, key=key), 422, "validation_error")
    assert (await place(api, alice, key="k" * 255)).status_code == 201


@pytest.mark.parametrize("key", ["", "k" * 256, "k\x7f", "tab\tkey"])
async def test_a_bad_idempotency_key_is_named_as_the_header(api: Api, key: str) -> None:
    # Whichever rule it breaks (length or characters), the field is the header's name.
    alice = await api.login(ALICE)
    await add_to_cart(api, alice, await api.add_product())
    problem = assert_problem(await place(api, alice, key=key), 422, "validation_error")
    assert fields_of(problem) == {"Idempotency-Key"}
    assert "Idempotency-Key: " in problem["detail"] and "idempotency_key" not in problem["detail"]


async def test_concurrent_requests_with_one_key_make_one_order(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=10)
    await add_to_cart(api, alice, phone, 3)
    answers = await asyncio.gather(*(place(api, alice, key="tap-tap-tap") for _ in range(10)))
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert (await api.stored(phone)).stock == 7


async def test_orders_are_listed_newest_first_and_only_the_callers(api: Api) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    phone = await api.add_product(stock=50)
    mine = [await buy(api, alice, phone) for _ in range(3)]
    await buy(api, bob, phone)
    page = (await api.client.get("/api/orders/?page_size=2", headers=alice)).json()
    assert page["count"] == 3 and page["previous"] is None
    assert [o["id"] for o in page["results"]] == [mine[2]["id"], mine[1]["id"]]
    assert page["results"][0]["items"][0]["product_id"] == phone.id
    rest = (await api.client.get(page["next"], headers=alice)).json()
    assert [o["id"] for o in rest["results"]] == [mine[0]["id"]] and rest["next"] is None


async def test_orders_placed_at_one_moment_are_listed_by_ascending_id(api: Api) -> None:
    # API.md: every ordering breaks ties by ascending id.
    api.container.clock.override(providers.Object(ManualClock(NOW)))
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=50)
    ids = [(await buy(api, alice, phone))["id"] for _ in range(5)]
    page = (await api.client.get("/api/orders/?page_size=3", headers=alice)).json()
    rest = (await api.client.get(page["next"], headers=alice)).json()
    assert [o["id"] for o in page["results"] + rest["results"]] == sorted(ids)


@pytest.mark.parametrize("query", ["page=0", "page_size=0", "page_size=101", "page=abc"])
async def test_bad_paging_is_422(api: Api, query: str) -> None:
    alice = await api.login(ALICE)
    assert_problem(await api.client.get(f"/api/orders/?{query}", headers=alice), 422,
                   "validation_error")


async def test_listing_orders_takes_the_same_queries_whatever_the_page_size(api: Api) -> None:
    alice = await api.login(ALICE)
    phone, laptop = await api.add_product(stock=50), await api.add_product("Laptop", stock=50)
    await add_to_cart(api, alice, laptop)
    await buy(api, alice, phone)
    with api.statements() as one_order:
        await api.client.get("/api/orders/", headers=alice)
    for _ in range(4):
        await add_to_cart(api, alice, laptop)
        await buy(api, alice, phone)
    with api.statements() as five_orders:
        page = (await api.client.get("/api/orders/", headers=alice)).json()
    assert page["count"] == 5 and all(len(o["items"]) == 2 for o in page["results"])
    assert len(five_orders) == len(one_order) <= 4


async def test_another_users_order_is_404_to_read_and_to_cancel(api: Api) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    order = await buy(api, alice, await api.add_product())
    assert (await api.client.get(f"/api/orders/{order['id']}/", headers=alice)).status_code == 200
    assert_problem(await api.client.get(f"/api/orders/{order['id']}/", headers=bob), 404,
                   "not_found")
    cancel = await api.client.post("/api/order/cancel/", headers=bob,
                                   json={"order_id": order["id"]})
    assert_problem(cancel, 404, "not_found")
    shown = await api.client.get(f"/api/orders/{order['id']}/", headers=alice)
    assert shown.json()["status"] == "placed"


@pytest.mark.parametrize("order_id", ["nope", "0" * 40, "%00", "x" * 300])
async def test_unknown_orders_are_404(api: Api, order_id: str) -> None:
    alice = await api.login(ALICE)
    assert_problem(await api.client.get(f"/api/orders/{order_id}/", headers=alice), 404,
                   "not_found")


async def test_cancelling_restores_the_stock_once(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product(stock=10)
    order = await buy(api, alice, phone, 4)
    answer = await api.client.post("/api/order/cancel/", headers=alice,
                                   json={"order_id": order["id"]})
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled" and answer.json()["cancelled_at"].endswith("Z")
    assert (await api.stored(phone)).stock == 10
    again = await api.client.post("/api/order/cancel/", headers=alice,
                                  json={"order_id": order["id"]})
    assert_problem(again, 409, "invalid_state")
    assert (await api.stored(phone)).stock == 10


@pytest.mark.parametrize("body", [{}, {"order_id": ""}, {"order_id": 5},
                                  {"order_id": "x", "status": "cancelled"}])
async def test_bad_cancel_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    alice = await api.login(ALICE)
    answer = await api.client.post("/api/order/cancel/", headers=alice, json=body)
    assert_problem(answer, 422, "validation_error")


async def test_an_admin_moves_an_order_along_the_transitions(api: Api) -> None:
    alice, admin = await api.login(ALICE), await api.login_admin()
    order = await buy(api, alice, await api.add_product())
    path = f"/api/orders/{order['id']}/status/"
    skip = await api.client.post(path, headers=admin, json={"status": "shipped"})
    assert_problem(skip, 409, "invalid_state")
    for status in ("paid", "shipped", "delivered"):
        answer = await api.client.post(path, headers=admin, json={"status": status})
        assert answer.status_code == 200 and answer.json()["status"] == status
    assert_problem(await api.client.post(path, headers=admin, json={"status": "delivered"}),
                   409, "invalid_state")
    cancel = await api.client.post("/api/order/cancel/", headers=alice,
                                   json={"order_id": order["id"]})
    assert_problem(cancel, 409, "invalid_state")


async def test_a_paid_order_can_still_be_cancelled(api: Api) -> None:
    alice, admin = await api.login(ALICE), await api.login_admin()
    phone = await api.add_product(stock=5)
    order = await buy(api, alice, phone, 2)
    await api.client.post(f"/api/orders/{order['id']}/status/", headers=admin,
                          json={"status": "paid"})
    answer = await api.client.post("/api/order/cancel/", headers=alice,
                                   json={"order_id": order["id"]})
    assert answer.json()["status"] == "cancelled" and (await api.stored(phone)).stock == 5


@pytest.mark.parametrize("body", [{"status": "cancelled"}, {"status": "lost"}, {},
                                  {"status": "paid", "total": "0.00"}])
async def test_bad_admin_status_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    alice, admin = await api.login(ALICE), await api.login_admin()
    order = await buy(api, alice, await api.add_product())
    answer = await api.client.post(f"/api/orders/{order['id']}/status/", headers=admin,
                                   json=body)
    assert_problem(answer, 422, "validation_error")


async def test_the_status_route_is_for_admins_only(api: Api) -> None:
    alice, admin = await api.login(ALICE), await api.login_admin()
    order = await buy(api, alice, await api.add_product())
    answer = await api.client.post(f"/api/orders/{order['id']}/status/", headers=alice,
                                   json={"status": "paid"})
    assert_problem(answer, 403, "forbidden")
    unknown = await api.client.post("/api/orders/unknown-order/status/", headers=admin,
                                    json={"status": "paid"})
    assert_problem(unknown, 404, "not_found")


# wishlist

async def test_a_wishlist_holds_each_product_once_newest_first(api: Api) -> None:
    alice = await api.login(ALICE)
    phone, laptop = await api.add_product(), await api.add_product("Laptop")
    first = await api.client.post("/api/wishlist/", headers=alice, json={"product_id": phone.id})
    assert first.status_code == 201
    await api.client.post("/api/wishlist/", headers=alice, json={"product_id": laptop.id})
    again = await api.client.post("/api/wishlist/", headers=alice, json={"product_id": phone.id})
    assert again.status_code == 200
    listed = (await api.client.get("/api/wishlist/", headers=alice)).json()
    assert [i["product"]["id"] for i in listed["items"]] == [laptop.id, phone.id]
    assert listed == again.json()
    item = listed["items"][1]
    assert item["added_at"].endswith("Z")
    assert item["product"]["price"] == "19999.00" and item["product"]["rating"] == {
        "average": None, "count": 0}


async def test_unknown_or_archived_products_cannot_be_wished_for(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await archive(api, phone)
    for product_id in (phone.id, 999):
        answer = await api.client.post("/api/wishlist/", headers=alice,
                                       json={"product_id": product_id})
        assert_problem(answer, 404, "not_found")


async def test_removing_from_the_wishlist_is_idempotent(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await api.client.post("/api/wishlist/", headers=alice, json={"product_id": phone.id})
    for _ in range(2):
        answer = await api.client.delete(f"/api/wishlist/{phone.id}/", headers=alice)
        assert answer.status_code == 204
    assert (await api.client.get("/api/wishlist/", headers=alice)).json() == {"items": []}


@pytest.mark.parametrize("path", ["/api/wishlist/99999999999999999999/",
                                  "/api/wishlist/4294967296/", "/api/wishlist/abc/"])
async def test_absurd_wishlist_ids_are_4xx(api: Api, path: str) -> None:
    alice = await api.login(ALICE)
    answer = await api.client.delete(path, headers=alice)
    assert answer.status_code in (400, 404, 422), answer.text


async def test_wishlist_bodies_reject_unknown_fields(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    answer = await api.client.post("/api/wishlist/", headers=alice,
                                   json={"product_id": phone.id, "user_id": "x"})
    assert_problem(answer, 422, "validation_error")


# reviews

async def test_only_buyers_may_review(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    answer = await api.client.post(f"/api/products/{phone.id}/reviews/", headers=alice,
                                   json={"rating": 5, "comment": "Great"})
    assert_problem(answer, 403, "purchase_required")


async def test_a_buyer_reviews_once_and_the_rating_is_kept(api: Api) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    phone = await api.add_product()
    await buy(api, alice, phone)
    await buy(api, bob, phone)
    path = f"/api/products/{phone.id}/reviews/"
    answer = await api.client.post(path, headers=alice, json={"rating": 5, "comment": "Great"})
    assert answer.status_code == 201
    review = answer.json()
    assert review["author"] == "+91******3210" and review["verified_purchase"] is True
    assert (review["rating"], review["comment"]) == (5, "Great")
    assert isinstance(review["id"], int) and review["created_at"].endswith("Z")
    assert_problem(await api.client.post(path, headers=alice, json={"rating": 1}), 409,
                   "already_reviewed")
    await api.client.post(path, headers=bob, json={"rating": 4})
    rated = await api.stored(phone)
    assert (rated.rating_count, rated.rating_total) == (2, 9)
    assert str(rated.rating_average) == "4.50"
    listed = (await api.client.get(path)).json()
    assert listed["count"] == 2 and [r["rating"] for r in listed["results"]] == [4, 5]
    assert listed["results"][0]["author"] == "+91******5678"


async def test_a_cancelled_order_does_not_allow_a_review(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    order = await buy(api, alice, phone)
    await api.client.post("/api/order/cancel/", headers=alice, json={"order_id": order["id"]})
    answer = await api.client.post(f"/api/products/{phone.id}/reviews/", headers=alice,
                                   json={"rating": 5})
    assert_problem(answer, 403, "purchase_required")


async def verified_by_author(api: Api, product: Product) -> dict[str, bool]:
    """``verified_purchase`` of each listed review of the product, by masked author."""
    answer = await api.client.get(f"/api/products/{product.id}/reviews/")
    assert answer.status_code == 200, answer.text
    return {review["author"]: review["verified_purchase"]
            for review in answer.json()["results"]}


async def cancel(api: Api, who: Headers, order: dict[str, Any]) -> None:
    answer = await api.client.post("/api/order/cancel/", headers=who,
                                   json={"order_id": order["id"]})
    assert answer.status_code == 200, answer.text


async def test_a_review_stays_after_its_order_is_cancelled_but_is_no_longer_verified(
    api: Api,
) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    order = await buy(api, alice, phone)
    path = f"/api/products/{phone.id}/reviews/"
    answer = await api.client.post(path, headers=alice, json={"rating": 4, "comment": "Good"})
    assert answer.status_code == 201 and answer.json()["verified_purchase"] is True
    assert await verified_by_author(api, phone) == {"+91******3210": True}
    rating = (await api.client.get(f"/api/products/{phone.id}/")).json()["rating"]
    assert rating == {"average": "4.00", "count": 1}

    await cancel(api, alice, order)
    assert await verified_by_author(api, phone) == {"+91******3210": False}
    assert (await api.client.get(f"/api/products/{phone.id}/")).json()["rating"] == rating

    await buy(api, alice, phone)  # a second order, not cancelled
    assert await verified_by_author(api, phone) == {"+91******3210": True}


async def test_one_page_of_reviews_shows_each_author_as_their_orders_are(api: Api) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    phone = await api.add_product()
    path = f"/api/products/{phone.id}/reviews/"
    await buy(api, alice, phone)
    bobs = await buy(api, bob, phone)
    for who, rating in ((alice, 5), (bob, 2)):
        assert (await api.client.post(path, headers=who, json={"rating": rating})
                ).status_code == 201
    await cancel(api, bob, bobs)
    assert await verified_by_author(api, phone) == {"+91******3210": True,
                                                    "+91******5678": False}
    again = await api.client.post(path, headers=bob, json={"rating": 1})
    assert_problem(again, 403, "purchase_required")  # nor may Bob review again
    rated = await api.stored(phone)
    assert (rated.rating_count, rated.rating_total) == (2, 7)


async def test_deleting_a_review_allows_a_new_one(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await buy(api, alice, phone)
    path = f"/api/products/{phone.id}/reviews/"
    await api.client.post(path, headers=alice, json={"rating": 2})
    assert (await api.client.delete(path, headers=alice)).status_code == 204
    assert ((await api.stored(phone)).rating_count, (await api.stored(phone)).rating_total) == (
        0, 0)
    assert_problem(await api.client.delete(path, headers=alice), 404, "not_found")
    again = await api.client.post(path, headers=alice, json={"rating": 4, "comment": "Better"})
    assert again.status_code == 201
    assert (await api.client.get(path)).json()["results"][0]["comment"] == "Better"


@pytest.mark.parametrize("body", [{"rating": 0}, {"rating": 6}, {"rating": 4.5}, {},
                                  {"rating": 5, "comment": "x" * 2001},
                                  {"rating": 5, "verified_purchase": False},
                                  {"rating": 5, "author": "+919999999999"}])
async def test_bad_review_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await buy(api, alice, phone)
    answer = await api.client.post(f"/api/products/{phone.id}/reviews/", headers=alice,
                                   json=body)
    assert_problem(answer, 422, "validation_error")


async def test_reviews_of_unknown_or_archived_products_are_404(api: Api) -> None:
    alice = await api.login(ALICE)
    phone = await api.add_product()
    await buy(api, alice, phone)
    await archive(api, phone)
    for product_id in (phone.id, 999):
        assert_problem(await api.client.get(f"/api/products/{product_id}/reviews/"), 404,
                       "not_found")
        answer = await api.client.post(f"/api/products/{product_id}/reviews/", headers=alice,
                                       json={"rating": 5})
        assert_problem(answer, 404, "not_found")
    huge = await api.client.get("/api/products/99999999999/reviews/")
    assert huge.status_code in (400, 404, 422)


async def test_review_lists_are_paginated(api: Api) -> None:
    phone = await api.add_product()
    for phone_number in (ALICE, BOB):
        who = await api.login(phone_number)
        await buy(api, who, phone)
        await api.client.post(f"/api/products/{phone.id}/reviews/", headers=who,
                              json={"rating": 3})
    page = (await api.client.get(f"/api/products/{phone.id}/reviews/?page_size=1")).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"] is not None
    assert "page_size=1" in page["next"]


async def test_reviews_written_at_one_moment_are_listed_by_ascending_id(api: Api) -> None:
    api.container.clock.override(providers.Object(ManualClock(NOW)))
    phone = await api.add_product(stock=50)
    for phone_number in (ALICE, BOB, "+919800000002"):
        who = await api.login(phone_number)
        await buy(api, who, phone)
        answer = await api.client.post(f"/api/products/{phone.id}/reviews/", headers=who,
                                       json={"rating": 3})
        assert answer.status_code == 201, answer.text
    page = (await api.client.get(f"/api/products/{phone.id}/reviews/?page_size=2")).json()
    rest = (await api.client.get(page["next"])).json()
    ids = [review["id"] for review in page["results"] + rest["results"]]
    assert len(ids) == 3 and ids == sorted(ids)


# the OpenAPI document

async def test_every_shopping_route_is_documented(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    expected = {
        "/api/cart/": {"get"}, "/api/cart/add/": {"post"}, "/api/cart/update/": {"post"},
        "/api/cart/remove/": {"post"}, "/api/order/place/": {"post"},
        "/api/order/cancel/": {"post"}, "/api/orders/": {"get"},
        "/api/orders/{order_id}/": {"get"}, "/api/orders/{order_id}/status/": {"post"},
        "/api/wishlist/": {"get", "post"}, "/api/wishlist/{product_id}/": {"delete"},
        "/api/products/{product_id}/reviews/": {"get", "post", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= paths[path].keys(), path
        for method in methods:
            operation = paths[path][method]
            assert any(status.startswith("2") for status in operation["responses"])
    assert paths["/api/cart/"]["get"]["security"] == [{"BearerToken": []}]


async def test_the_review_schema_tells_what_a_verified_purchase_is(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/products/{product_id}/reviews/"]["post"]
    body = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ReviewBody"}  # also the list's items
    field = schema["components"]["schemas"]["ReviewBody"]["properties"]["verified_purchase"]
    assert field["type"] == "boolean"
    assert "currently has an order" in field["description"]
    assert "not cancelled" in field["description"]
    assert "false once they cancelled every such order" in field["description"]


async def test_adding_to_a_cart_takes_the_lock_only_where_writers_run_concurrently(
    api: Api,
) -> None:
    """PostgreSQL: one read without the cart's lock and one write conditional on the
    cart's version, outside any transaction; SQLite, whose writers take turns anyway:
    the read and the plain upsert in its write transaction (its savepoint in a shared
    one)."""
    alice = await api.login(ALICE)
    phone = await api.add_product()
    with api.statements() as adding:
        assert (await add_to_cart(api, alice, phone)).status_code == 200
    ran = [statement for statement in adding
           if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
    assert [statement.split()[0] for statement in ran] == ["SELECT", "INSERT"]
    read, write = ran
    if api.container.engine().dialect.name == "postgresql":
        assert "locked_cart" not in read and "FOR NO KEY UPDATE" in write
        assert "cart_version" in write
    else:
        assert "cart_version" not in write and "VALUES" in write
