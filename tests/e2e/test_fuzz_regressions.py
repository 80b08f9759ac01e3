"""Cases the OpenAPI fuzzer (tests/fuzz/test_openapi_fuzz.py) found, kept as plain tests.

Each test names the request the fuzzer sent and what was wrong with the answer.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_shopping_api import ADDRESS

SECURITY_HEADERS = {"x-request-id", "x-content-type-options", "x-frame-options",
                    "referrer-policy"}


def assert_problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["code"] == code and body["status"] == status
    return body


async def openapi(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = (await api.client.get("/schema/openapi.json")).json()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation)
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if method in {"get", "post", "put", "patch", "delete"}]


# `TRACE /api/auth/me/` answered 405 without X-Request-ID and the security headers: the
# route middleware only runs once a route and method matched, so the router's own 404 and
# 405 answers went out bare. The headers are now added by an app-wide send hook.


@pytest.mark.parametrize(("method", "path", "status"), [
    ("TRACE", "/api/auth/me/", 405), ("GET", "/api/auth/request-otp/", 405),
    ("PUT", "/api/cart/", 405), ("GET", "/api/nowhere/", 404),
    ("GET", "/api/products/not-a-number/", 404),
])
async def test_router_answers_carry_the_request_id_and_security_headers(
    api: Api, method: str, path: str, status: int
) -> None:
    answer = await api.client.request(method, path, headers={"X-Request-ID": "probe-1"})
    assert answer.status_code == status
    assert answer.headers.keys() >= SECURITY_HEADERS
    assert answer.headers["x-request-id"] == "probe-1"
    assert answer.headers["content-type"].startswith("application/problem+json")


# `OPTIONS /api/wishlist/` answered `Allow: OPTIONS, POST` although GET is served there too
# (Litestar 2 kept the methods of the first handler registered on a path, litestar#4169).


@pytest.mark.parametrize(("path", "methods"), [
    ("/api/products/1/reviews/", "DELETE, GET, OPTIONS, POST"),
    ("/api/products/1/", "DELETE, GET, OPTIONS, PATCH"),
    ("/api/products/", "GET, OPTIONS"),
])
async def test_options_lists_every_method_of_the_path(api: Api, path: str, methods: str) -> None:
    answer = await api.client.options(path)
    assert answer.status_code == 204
    assert answer.headers["allow"] == methods


async def test_options_on_a_guarded_path_lists_every_method(api: Api) -> None:
    alice = await api.login()
    answer = await api.client.options("/api/wishlist/", headers=alice)
    assert answer.status_code == 204 and answer.headers["allow"] == "GET, OPTIONS, POST"


# `POST /api/auth/logout/` with the body `\x00` answered a 400 problem, but the document
# promised Litestar's own `application/json` validation body for 400. Every route now
# documents its 400 (and every other error) as a problem document.


async def test_every_documented_error_is_a_problem_document(api: Api) -> None:
    wrong = [(method, path, status)
             for method, path, operation in operations(await openapi(api))
             for status, response in operation["responses"].items()
             if int(status) >= 400 and set(response.get("content", {})) !=
             {"application/problem+json"}]
    assert wrong == [("GET", "/health/ready", "503")]  # the probe's body says what is down


async def test_a_body_that_is_not_json_is_a_documented_400_problem(api: Api) -> None:
    answer = await api.client.post("/api/auth/logout/", content=b"\x00",
                                   headers={"Content-Type": "application/json"})
    assert_problem(answer, 400, "bad_request")
    document = await openapi(api)
    assert "400" in document["paths"]["/api/auth/logout/"]["post"]["responses"]


# A JSON body whose string is not UTF-8 (`{"phone":"\xff"}`) answered 500: msgspec
# raises UnicodeDecodeError, which Litestar does not catch (found by an audit).


@pytest.mark.parametrize(("path", "raw", "who"), [
    ("/api/auth/request-otp/", b'{"phone":"\xff"}', None),
    ("/api/cart/add/", b'{"product_id":"\xff"}', "user"),
    ("/api/order/place/", b'{"shipping_address":{"name":"\xc4"}}', "user"),
    ("/api/products/add/", b'{"name":"\xff","price":"1.00"}', "admin"),
])
async def test_a_json_body_that_is_not_utf8_is_a_400_problem(
    api: Api, path: str, raw: bytes, who: str | None,
) -> None:
    headers = {"Content-Type": "application/json"}
    if who is not None:
        headers |= await (api.login_admin() if who == "admin" else api.login())
    answer = await api.client.post(path, content=raw, headers=headers)
    problem = assert_problem(answer, 400, "bad_request")
    assert problem["detail"] == "The request body is not valid JSON: a string is not UTF-8 text."


async def test_a_form_field_that_is_not_utf8_is_a_400_problem(api: Api) -> None:
    admin = await api.login_admin()
    boundary = "shopcore-boundary"
    fields = [("name", b"\xff\xfe"), ("price", b"1.00"), ("category", b"kitchen")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value + b"\r\n" for name, value in fields) + f"--{boundary}--\r\n".encode()
    answer = await api.client.post(
        "/api/products/add/", content=body,
        headers=admin | {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    problem = assert_problem(answer, 400, "bad_request")
    assert problem["detail"] == "A form field is not UTF-8 text."


# `POST /api/cart/remove/` with `{"3\u0000\u008c\u00c0": [], "product_id": 3}` is a 422
# (unknown fields are refused), but the document allowed any other property. Request
# bodies that refuse unknown fields now say `additionalProperties: false`.


async def test_request_bodies_refusing_unknown_fields_say_so(api: Api) -> None:
    schemas = (await openapi(api))["components"]["schemas"]
    bodies = ["AddToCartBody", "UpdateCartLineBody", "RemoveFromCartBody", "PlaceOrderBody",
              "ShippingAddressBody", "CancelOrderBody", "OrderStatusBody", "AddToWishlistBody",
              "ReviewCreateBody", "RequestOtpBody", "VerifyOtpBody", "RefreshTokenBody",
              "ProductUpdateBody"]
    assert {name: schemas[name].get("additionalProperties") for name in bodies} == \
        dict.fromkeys(bodies, False)
    assert "additionalProperties" not in schemas["CartBody"]  # answers may grow


async def test_an_unknown_field_is_refused_as_documented(api: Api) -> None:
    alice = await api.login()
    answer = await api.client.post("/api/cart/remove/", headers=alice,
                                   json={"3\u0000\u008c\u00c0": [], "product_id": 3})
    assert_problem(answer, 422, "validation_error")


# `DELETE /api/wishlist/null%2Cnull/` answered 404 (an id that is not a number matches no
# route) and `DELETE /api/products/0/reviews/` answered 422 (ids start at 1): neither was
# documented.


async def test_a_non_numeric_wishlist_id_is_a_documented_404(api: Api) -> None:
    alice = await api.login()
    answer = await api.client.delete("/api/wishlist/null%2Cnull/", headers=alice)
    assert_problem(answer, 404, "not_found")
    responses = (await openapi(api))["paths"]["/api/wishlist/{product_id}/"]["delete"][
        "responses"]
    assert "404" in responses


async def test_review_deletion_of_product_0_is_a_documented_422(api: Api) -> None:
    alice = await api.login()
    answer = await api.client.delete("/api/products/0/reviews/", headers=alice)
    assert_problem(answer, 422, "validation_error")
    responses = (await openapi(api))["paths"]["/api/products/{product_id}/reviews/"][
        "delete"]["responses"]
    assert "422" in responses


# `GET /api/orders/?page=2691285120498676006912` is a 422 (pages end at 1,000,000) while
# the document put no upper bound on `page` of the orders and reviews lists.


@pytest.mark.parametrize("path", ["/api/orders/", "/api/products/{product_id}/reviews/",
                                  "/api/products/", "/api/products/search/"])
async def test_every_page_parameter_documents_its_bounds(api: Api, path: str) -> None:
    parameters = (await openapi(api))["paths"][path]["get"]["parameters"]
    page = next(p for p in parameters if p["name"] == "page")
    assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 1_000_000)


async def test_a_page_beyond_the_last_possible_one_is_422(api: Api) -> None:
    alice = await api.login()
    product = await api.add_product()
    for path in ("/api/orders/", f"/api/products/{product.id}/reviews/"):
        answer = await api.client.get(path, headers=alice,
                                      params={"page": "2691285120498676006912"})
        assert_problem(answer, 422, "validation_error")



# `POST /api/order/place/` with an `Idempotency-Key` holding a Latin-1 letter is a 422
# ("must be printable ASCII"), but the document allowed any text of 1..255 characters.


async def test_a_non_ascii_idempotency_key_is_refused_as_documented(api: Api) -> None:
    alice = await api.login()
    answer = await api.client.post(
        "/api/order/place/", headers={**alice, "Idempotency-Key": "cl\xe9".encode("latin-1")},
        json={"shipping_address": ADDRESS})
    problem = assert_problem(answer, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"]
    parameters = (await openapi(api))["paths"]["/api/order/place/"]["post"]["parameters"]
    key = next(p for p in parameters if p["name"] == "Idempotency-Key")
    assert key["schema"]["pattern"] == "^[\\x20-\\x7E]+$"
