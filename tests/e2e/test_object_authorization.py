"""Object-level authorization: for every route that takes an id, user B can neither read
nor change user A's data, nor learn whether it exists: B's answer for A's object is the
answer for an object that does not exist (same status, same body with the id swapped,
same headers), and A's data is unchanged afterwards."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shopcore.domain.catalog import Product
from tests.e2e.conftest import Api
from tests.e2e.test_shopping_api import ADDRESS, ALICE, BOB, assert_problem, buy

Headers = dict[str, str]
UNKNOWN_PRODUCT_ID = 2_000_000_000


def shape(answer: httpx.Response, *ids: object) -> tuple[int, Any, set[str]]:
    """The answer with the ids it names replaced, and its header names (the request id
    and the date differ between any two answers)."""
    text = answer.text
    for value in ids:
        text = text.replace(str(value), "<id>")
    return (answer.status_code, text,
            set(answer.headers) - {"x-request-id", "date", "content-length"})


def unknown_order_id() -> str:
    return str(uuid.uuid4())


async def snapshot(api: Api, who: Headers) -> dict[str, Any]:
    """Everything A can see of their own data."""
    cart = (await api.client.get("/api/cart/", headers=who)).json()
    orders = (await api.client.get("/api/orders/", headers=who)).json()
    wishlist = (await api.client.get("/api/wishlist/", headers=who)).json()
    return {"cart": cart, "orders": orders, "wishlist": wishlist}


async def alice_with_everything(api: Api) -> tuple[Headers, Headers, Product, dict[str, Any]]:
    """A with an order (so a review), a review, a cart line and a wishlist entry; B."""
    alice, bob = await api.login(ALICE), await api.login(BOB)
    product = await api.add_product(stock=20)
    order = await buy(api, alice, product)
    assert (await api.client.post(f"/api/products/{product.id}/reviews/", headers=alice,
                                  json={"rating": 4, "comment": "Good"})).status_code == 201
    assert (await api.client.post("/api/cart/add/", headers=alice,
                                  json={"product_id": product.id, "quantity": 2})
            ).status_code == 200
    assert (await api.client.post("/api/wishlist/", headers=alice,
                                  json={"product_id": product.id})).status_code == 201
    return alice, bob, product, order


async def test_b_cannot_read_or_learn_of_as_order(api: Api) -> None:
    alice, bob, _, order = await alice_with_everything(api)
    missing = unknown_order_id()
    theirs = await api.client.get(f"/api/orders/{order['id']}/", headers=bob)
    nobodys = await api.client.get(f"/api/orders/{missing}/", headers=bob)
    assert_problem(theirs, 404, "not_found")
    assert shape(theirs, order["id"]) == shape(nobodys, missing)
    listed = (await api.client.get("/api/orders/", headers=bob)).json()
    assert listed["count"] == 0 and listed["results"] == []


async def test_b_cannot_cancel_as_order(api: Api) -> None:
    alice, bob, product, order = await alice_with_everything(api)
    before = await snapshot(api, alice)
    missing = unknown_order_id()
    theirs = await api.client.post("/api/order/cancel/", headers=bob,
                                   json={"order_id": order["id"]})
    nobodys = await api.client.post("/api/order/cancel/", headers=bob,
                                    json={"order_id": missing})
    assert_problem(theirs, 404, "not_found")
    assert shape(theirs, order["id"]) == shape(nobodys, missing)
    assert await snapshot(api, alice) == before
    stock = (await api.client.get(f"/api/products/{product.id}/")).json()["stock"]
    assert stock == 19  # the unit A bought was not put back


async def test_b_cannot_pay_for_as_order(api: Api) -> None:
    alice, bob, _, order = await alice_with_everything(api)
    missing = unknown_order_id()
    theirs = await api.client.post(f"/api/orders/{order['id']}/pay/", headers=bob)
    nobodys = await api.client.post(f"/api/orders/{missing}/pay/", headers=bob)
    assert_problem(theirs, 404, "not_found")
    assert shape(theirs, order["id"]) == shape(nobodys, missing)
    paid = await api.client.post(f"/api/orders/{order['id']}/pay/", headers=alice)
    assert paid.status_code == 200 and paid.json()["order_id"] == order["id"]


async def test_b_cannot_move_as_order_along(api: Api) -> None:
    alice, bob, _, order = await alice_with_everything(api)
    before = await snapshot(api, alice)
    missing = unknown_order_id()
    theirs = await api.client.post(f"/api/orders/{order['id']}/status/", headers=bob,
                                   json={"status": "shipped"})
    nobodys = await api.client.post(f"/api/orders/{missing}/status/", headers=bob,
                                    json={"status": "shipped"})
    assert_problem(theirs, 403, "forbidden")  # admins only, before any lookup
    assert shape(theirs, order["id"]) == shape(nobodys, missing)
    assert await snapshot(api, alice) == before


@pytest.mark.parametrize(("path", "body"), [
    ("/api/cart/update/", {"quantity": 5}), ("/api/cart/update/", {"quantity": 0}),
    ("/api/cart/remove/", {}),
])
async def test_b_cannot_change_as_cart_lines(api: Api, path: str, body: dict[str, Any]) -> None:
    alice, bob, product, _ = await alice_with_everything(api)
    before = await snapshot(api, alice)
    in_as_cart = await api.client.post(path, headers=bob,
                                       json={"product_id": product.id, **body})
    in_no_cart = await api.client.post(path, headers=bob,
                                       json={"product_id": UNKNOWN_PRODUCT_ID, **body})
    assert_problem(in_as_cart, 404, "not_found")
    assert shape(in_as_cart, product.id) == shape(in_no_cart, UNKNOWN_PRODUCT_ID)
    assert await snapshot(api, alice) == before
    assert (await api.client.get("/api/cart/", headers=bob)).json()["items"] == []


async def test_b_cannot_delete_as_review(api: Api) -> None:
    alice, bob, product, _ = await alice_with_everything(api)
    other = await api.add_product("Kettle")
    reviewed_by_a = await api.client.delete(f"/api/products/{product.id}/reviews/", headers=bob)
    reviewed_by_none = await api.client.delete(f"/api/products/{other.id}/reviews/",
                                               headers=bob)
    assert_problem(reviewed_by_a, 404, "not_found")
    assert shape(reviewed_by_a, product.id) == shape(reviewed_by_none, other.id)
    reviews = (await api.client.get(f"/api/products/{product.id}/reviews/")).json()
    assert [r["comment"] for r in reviews["results"]] == ["Good"]


async def test_b_cannot_take_a_product_off_as_wishlist(api: Api) -> None:
    alice, bob, product, _ = await alice_with_everything(api)
    before = await snapshot(api, alice)
    on_as_list = await api.client.delete(f"/api/wishlist/{product.id}/", headers=bob)
    on_no_list = await api.client.delete(f"/api/wishlist/{UNKNOWN_PRODUCT_ID}/", headers=bob)
    assert on_as_list.status_code == on_no_list.status_code == 204
    assert shape(on_as_list, product.id) == shape(on_no_list, UNKNOWN_PRODUCT_ID)
    assert await snapshot(api, alice) == before
    assert (await api.client.get("/api/wishlist/", headers=bob)).json()["items"] == []


async def test_b_sees_only_their_own_cart_and_wishlist(api: Api) -> None:
    alice, bob, _, _ = await alice_with_everything(api)
    assert (await api.client.get("/api/cart/", headers=bob)).json()["items"] == []
    assert (await api.client.get("/api/wishlist/", headers=bob)).json()["items"] == []
    mine = await snapshot(api, alice)
    assert len(mine["cart"]["items"]) == 1 and len(mine["wishlist"]["items"]) == 1


async def test_b_placing_an_order_never_takes_as_cart(api: Api) -> None:
    alice, bob, _, _ = await alice_with_everything(api)
    before = await snapshot(api, alice)
    answer = await api.client.post("/api/order/place/", headers=bob,
                                   json={"shipping_address": ADDRESS})
    assert_problem(answer, 409, "cart_empty")
    assert await snapshot(api, alice) == before
