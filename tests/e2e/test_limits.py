"""Abuse limits through the real app: body sizes (also chunked, without Content-Length),
list bounds, cart and wishlist sizes, failed OTP verifications per IP, writes per user.
Each answers its problem (413, 422 or 429 with ``Retry-After``) and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shopcore.application.shopping.add_to_wishlist import MAX_WISHLIST_ITEMS
from shopcore.domain.cart import MAX_CART_LINES
from shopcore.domain.catalog import ProductDraft
from shopcore.entrypoints.http.app import MAX_JSON_BODY
from tests.e2e.conftest import TEST_CODE, TEST_NUMBER, Api, MakeApi
from tests.e2e.test_shopping_api import (
    ADDRESS,
    ALICE,
    BOB,
    NOW,
    assert_problem,
)


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem["errors"]}


async def chunks(total: int, head: bytes = b"", size: int = 64 * 1024,
                 tail: bytes = b"") -> AsyncIterator[bytes]:
    """``total`` bytes sent in chunks: httpx sends no Content-Length for a generator."""
    yield head
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b" " * piece
        sent += piece
    yield tail


# body sizes, also when the client does not say how large the body is


@pytest.mark.parametrize("path", ["/api/auth/request-otp/", "/api/cart/add/",
                                  "/api/order/place/", "/api/wishlist/", "/api/order/cancel/"])
async def test_a_chunked_json_body_above_1_mib_is_413(api: Api, path: str) -> None:
    alice = await api.login(ALICE)
    answer = await api.client.post(
        path, content=chunks(MAX_JSON_BODY + 1, head=b'{"product_id": 1,', tail=b"}"),
        headers={**alice, "Content-Type": "application/json"})
    assert "content-length" not in answer.request.headers
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert_problem(answer, 413, "payload_too_large")


async def test_a_chunked_json_body_just_under_1_mib_is_read(api: Api) -> None:
    answer = await api.client.post(
        "/api/auth/request-otp/", headers={"Content-Type": "application/json"},
        content=chunks(MAX_JSON_BODY - 40, head=b'{"phone": "+919876543210"', tail=b"}"))
    assert answer.status_code == 202, answer.text


async def test_a_chunked_product_json_above_1_mib_is_413_and_creates_nothing(api: Api) -> None:
    admin = await api.login_admin()
    answer = await api.client.post(
        "/api/products/add/", headers={**admin, "Content-Type": "application/json"},
        content=chunks(MAX_JSON_BODY + 1, head=b'{"name": "x", "description": "', tail=b'"}'))
    assert_problem(answer, 413, "payload_too_large")
    assert (await api.client.get("/api/products/")).json()["count"] == 0


async def test_a_chunked_upload_above_the_image_limit_is_413(make_api: MakeApi) -> None:
    api = await make_api(max_image_bytes=200_000)
    admin = await api.login_admin()
    boundary = b"limit-test"
    head = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="name"\r\n\r\nLamp\r\n'
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="image"; '
            b'filename="lamp.png"\r\nContent-Type: image/png\r\n\r\n')
    answer = await api.client.post(
        "/api/products/add/", content=chunks(400_000, head=head,
                                             tail=b"\r\n--" + boundary + b"--\r\n"),
        headers={**admin, "Content-Type": f"multipart/form-data; boundary={boundary.decode()}"})
    assert "content-length" not in answer.request.headers
    assert_problem(answer, 413, "payload_too_large")
    assert (await api.client.get("/api/products/")).json()["count"] == 0


def form_of(parts: int, boundary: str = "parts-test") -> tuple[bytes, dict[str, str]]:
    """A multipart body of ``parts`` one-letter fields, and its Content-Type."""
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\n'
                    f"x\r\n".encode() for n in range(parts)) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


async def test_a_form_of_more_than_1000_parts_is_413_and_creates_nothing(api: Api) -> None:
    admin = await api.login_admin()
    body, headers = form_of(1001)
    answer = await api.client.post("/api/products/add/", content=body, headers={**admin, **headers})
    problem = assert_problem(answer, 413, "payload_too_large")
    assert problem["detail"] == "A form may hold at most 1000 parts."
    assert (await api.client.get("/api/products/")).json()["count"] == 0


async def test_a_form_of_1000_parts_is_read(api: Api) -> None:
    admin = await api.login_admin()
    body, headers = form_of(1000)
    answer = await api.client.post("/api/products/add/", content=body, headers={**admin, **headers})
    assert_problem(answer, 422, "validation_error")  # read: its fields are no product's


async def test_a_chunked_webhook_above_its_256_kib_limit_is_413(api: Api) -> None:
    answer = await api.client.post(
        "/api/payments/webhook/razorpay/", content=chunks(256 * 1024 + 1, head=b"{", tail=b"}"),
        headers={"Content-Type": "application/json", "X-Razorpay-Signature": "0" * 64})
    assert_problem(answer, 413, "payload_too_large")


# list bounds


LISTS = ["/api/products/", "/api/products/search/?q=phone", "/api/orders/",
         "/api/products/{product_id}/reviews/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"), ("page=1000001", "page"), ("page=99999999999999999999999", "page"),
    ("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page=x", "page"),
])
async def test_every_list_bounds_its_paging(api: Api, path: str, query: str, field: str) -> None:
    alice = await api.login(ALICE)
    product = await api.add_product()
    url = path.format(product_id=product.id)
    answer = await api.client.get(f"{url}{'&' if '?' in url else '?'}{query}", headers=alice)
    assert field in fields_of(assert_problem(answer, 422, "validation_error"))


@pytest.mark.parametrize("path", LISTS)
async def test_every_list_serves_its_largest_page(api: Api, path: str) -> None:
    alice = await api.login(ALICE)
    product = await api.add_product()
    url = path.format(product_id=product.id)
    answer = await api.client.get(f"{url}{'&' if '?' in url else '?'}page=1000000&page_size=100",
                                  headers=alice)
    assert answer.status_code == 200 and answer.json()["results"] == []


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=101", "limit"),
                                              ("days=0", "days"), ("days=3651", "days")])
async def test_most_bought_bounds_its_window(api: Api, query: str, field: str) -> None:
    answer = await api.client.get(f"/api/products/most-bought/?{query}")
    assert field in fields_of(assert_problem(answer, 422, "validation_error"))


# sizes of what one user keeps


async def many_products(api: Api, count: int) -> list[int]:
    async with api.container.unit_of_work() as uow:
        added = [await uow.products.add(
            ProductDraft.create(f"Product {n}", "", "10.00", "misc", 5), NOW)
            for n in range(count)]
        await uow.commit()
    return [product.id for product in added]


async def test_a_cart_holds_at_most_100_products(make_api: MakeApi) -> None:
    api = await make_api(writes_per_minute=1000)
    alice = await api.login(ALICE)
    ids = await many_products(api, MAX_CART_LINES + 1)
    for product_id in ids[:MAX_CART_LINES]:
        answer = await api.client.post("/api/cart/add/", headers=alice,
                                       json={"product_id": product_id})
        assert answer.status_code == 200, answer.text
    refused = await api.client.post("/api/cart/add/", headers=alice,
                                    json={"product_id": ids[-1]})
    problem = assert_problem(refused, 422, "validation_error")
    assert fields_of(problem) == {"product_id"} and "100" in problem["detail"]
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert len(cart["items"]) == MAX_CART_LINES
    more = await api.client.post("/api/cart/add/", headers=alice,
                                 json={"product_id": ids[0], "quantity": 2})
    assert more.status_code == 200  # a product already in the cart may still grow


async def test_a_wishlist_holds_at_most_200_products(api: Api) -> None:
    alice = await api.login(ALICE)
    ids = await many_products(api, MAX_WISHLIST_ITEMS + 1)
    user_id = (await api.client.get("/api/auth/me/", headers=alice)).json()["id"]
    async with api.container.unit_of_work() as uow:
        for product_id in ids[:MAX_WISHLIST_ITEMS - 1]:
            await uow.wishlists.add(user_id, product_id, NOW)
        await uow.commit()
    last = await api.client.post("/api/wishlist/", headers=alice,
                                 json={"product_id": ids[MAX_WISHLIST_ITEMS - 1]})
    assert last.status_code == 201 and len(last.json()["items"]) == MAX_WISHLIST_ITEMS
    refused = await api.client.post("/api/wishlist/", headers=alice,
                                    json={"product_id": ids[-1]})
    problem = assert_problem(refused, 422, "validation_error")
    assert fields_of(problem) == {"product_id"} and "200" in problem["detail"]
    listed = (await api.client.get("/api/wishlist/", headers=alice)).json()["items"]
    assert len(listed) == MAX_WISHLIST_ITEMS and ids[-1] not in {
        item["product"]["id"] for item in listed}
    document = (await api.client.get("/schema/openapi.json")).json()
    description = " ".join(document["paths"]["/api/wishlist/"]["post"]["description"].split())
    assert "A wishlist holds at most 200 products" in description


# failed OTP verifications per client IP


async def test_failed_verifications_from_one_ip_are_429_with_retry_after(
    make_api: MakeApi
) -> None:
    api = await make_api(otp_verify_failures_per_ip=3)
    for phone in ("+919876500001", "+919876500002", "+919876500003"):
        answer = await api.client.post("/api/auth/verify-otp/",
                                       json={"phone": phone, "otp": "000000"})
        assert_problem(answer, 400, "otp_invalid")
    await api.client.post("/api/auth/request-otp/", json={"phone": TEST_NUMBER})
    limited = await api.client.post("/api/auth/verify-otp/",
                                    json={"phone": TEST_NUMBER, "otp": TEST_CODE})
    assert_problem(limited, 429, "rate_limited")  # even the right code waits
    assert 1 <= int(limited.headers["retry-after"]) <= 600


async def test_successful_logins_do_not_count_towards_the_verify_limit(
    make_api: MakeApi
) -> None:
    api = await make_api(otp_verify_failures_per_ip=2)
    for n in range(5):
        await api.login(f"+91987650001{n}")
    answer = await api.client.post("/api/auth/verify-otp/",
                                   json={"phone": "+919876500099", "otp": "000000"})
    assert_problem(answer, 400, "otp_invalid")


async def test_concurrent_logins_from_one_address_are_not_throttled(make_api: MakeApi) -> None:
    api = await make_api(otp_verify_failures_per_ip=2)
    phones = [f"+91987650002{n}" for n in range(8)]
    for phone in phones:
        await api.client.post("/api/auth/request-otp/", json={"phone": phone})
    answers = await asyncio.gather(*(
        api.client.post("/api/auth/verify-otp/",
                        json={"phone": phone, "otp": api.otp.last_code(phone)})
        for phone in phones))
    assert [answer.status_code for answer in answers] == [200] * len(phones)


async def test_logins_and_guesses_at_once_from_one_address_check_only_the_limit_of_guesses(
    make_api: MakeApi,
) -> None:
    # Logins wait for the guesses being checked instead of being refused; guesses
    # beyond the limit are never checked, and once it is spent logins wait too.
    api = await make_api(otp_verify_failures_per_ip=3)
    phones = [f"+91987650003{n}" for n in range(8)]
    for phone in phones:
        await api.client.post("/api/auth/request-otp/", json={"phone": phone})
    logins = [{"phone": phone, "otp": api.otp.last_code(phone)} for phone in phones]
    guesses = [{"phone": f"+91987650004{n}", "otp": "000000"} for n in range(8)]
    answers = await asyncio.gather(*(
        api.client.post("/api/auth/verify-otp/", json=body)
        for pair in zip(logins, guesses, strict=True) for body in pair))
    login_answers, guess_answers = answers[0::2], answers[1::2]
    assert sorted(a.status_code for a in guess_answers) == [400] * 3 + [429] * 5
    assert {a.status_code for a in login_answers} <= {200, 429}


# writes per user


async def test_writes_beyond_the_per_minute_limit_are_429_and_change_nothing(
    make_api: MakeApi
) -> None:
    api = await make_api(writes_per_minute=3)
    alice, bob = await api.login(ALICE), await api.login(BOB)
    phone = await api.add_product(stock=50)
    other = await api.add_product("Kettle", stock=50)
    assert (await api.client.post("/api/cart/add/", headers=alice,
                                  json={"product_id": phone.id})).status_code == 200
    assert (await api.client.post("/api/wishlist/", headers=alice,
                                  json={"product_id": phone.id})).status_code == 201
    assert (await api.client.post("/api/cart/update/", headers=alice,
                                  json={"product_id": phone.id, "quantity": 2})
            ).status_code == 200
    for _ in range(3):  # reads are not counted
        assert (await api.client.get("/api/cart/", headers=alice)).status_code == 200
    refused = [
        await api.client.post("/api/cart/add/", headers=alice, json={"product_id": other.id}),
        await api.client.delete(f"/api/wishlist/{phone.id}/", headers=alice),
        await api.client.post("/api/order/place/", headers=alice,
                              json={"shipping_address": ADDRESS}),
        await api.client.post(f"/api/products/{phone.id}/reviews/", headers=alice,
                              json={"rating": 5}),
    ]
    for answer in refused:
        assert_problem(answer, 429, "rate_limited")
        assert 1 <= int(answer.headers["retry-after"]) <= 60
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [(phone.id, 2)]
    assert len((await api.client.get("/api/wishlist/", headers=alice)).json()["items"]) == 1
    assert (await api.client.get("/api/orders/", headers=alice)).json()["count"] == 0
    # another user has a limit of their own
    assert (await api.client.post("/api/cart/add/", headers=bob,
                                  json={"product_id": other.id})).status_code == 200


async def test_the_write_limit_is_documented_on_every_limited_route(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    limited = [("post", "/api/cart/add/"), ("post", "/api/cart/update/"),
               ("post", "/api/cart/remove/"), ("post", "/api/wishlist/"),
               ("delete", "/api/wishlist/{product_id}/"), ("post", "/api/order/place/"),
               ("post", "/api/order/cancel/"), ("post", "/api/orders/{order_id}/status/"),
               ("post", "/api/orders/{order_id}/pay/"),
               ("post", "/api/products/{product_id}/reviews/"),
               ("delete", "/api/products/{product_id}/reviews/")]
    assert [(m, p) for m, p in limited if "429" not in paths[p][m]["responses"]] == []


async def test_every_id_in_a_path_documents_its_bounds(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    bounds = {(parameter["name"], tuple(sorted(
        (key, value) for key, value in parameter["schema"].items()
        if key in {"minimum", "maximum", "minLength", "maxLength"})))
        for item in document["paths"].values() for operation in item.values()
        for parameter in operation.get("parameters", []) if parameter["in"] == "path"
        and parameter["name"] != "file_path"}
    assert bounds == {("product_id", (("maximum", 2**31 - 1), ("minimum", 1))),
                      ("order_id", (("maxLength", 64), ("minLength", 1)))}
    beyond = await api.client.get(f"/api/products/{2**31}/")
    assert_problem(beyond, 404, "not_found")
