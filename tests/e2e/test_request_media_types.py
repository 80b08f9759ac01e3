"""Request bodies are JSON: a route that reads a body refuses one of another type (or a
non-empty one of no declared type) with 415 ``unsupported_media`` before reading it.

A ``text/plain`` or typeless body is what a web page can make a visitor's browser POST
without a CORS preflight; accepting it as JSON let any page send login codes (SMS
pumping through other people's browsers). Product creation also takes
``multipart/form-data``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from shopcore.entrypoints.http.app import MAX_JSON_BODY
from tests.e2e.conftest import Api
from tests.e2e.test_fuzz_regressions import openapi, operations
from tests.e2e.test_shopping_api import ALICE, assert_problem

OTP_BODY = b'{"phone": "+919876543210"}'
REQUEST_OTP = "/api/auth/request-otp/"

BODY_ROUTES = [
    ("POST", "/api/auth/request-otp/"), ("POST", "/api/auth/verify-otp/"),
    ("POST", "/api/auth/refresh/"), ("POST", "/api/auth/logout/"),
    ("POST", "/api/cart/add/"), ("POST", "/api/cart/update/"), ("POST", "/api/cart/remove/"),
    ("POST", "/api/order/place/"), ("POST", "/api/order/cancel/"),
    ("POST", "/api/orders/{order_id}/status/"), ("POST", "/api/orders/{order_id}/pay/confirm/"),
    ("POST", "/api/wishlist/"), ("POST", "/api/products/{product_id}/reviews/"),
    ("PATCH", "/api/products/{product_id}/"), ("POST", "/api/products/add/"),
    ("POST", "/api/payments/webhook/razorpay/"),
]


OTHER_TYPES = [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "application/jsonp", "application/json-seq", "text/json", "application/+json",
    "multipart/form-data; boundary=x", None,
]
"""Content types that are not JSON (None: no Content-Type at all)."""


async def answers_by_type(api: Api, method: str, path: str) -> dict[str | None, Any]:
    """What the route answers to a small JSON body sent under each of ``OTHER_TYPES``, as
    an admin (so that guards let every request reach the body)."""
    admin = await api.login_admin()
    product = await api.add_product()
    url = path.format(product_id=product.id, order_id="0193f1c2-0000-7000-8000-000000000000")
    answers = {}
    for content_type in OTHER_TYPES:
        headers = {**admin, **({"Content-Type": content_type} if content_type else {})}
        answers[content_type] = await api.client.request(
            method, url, headers=headers, content=b'{"product_id": 1}')
    return answers


# The refusal reads only the request's headers: one engine shows it (one app per route).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
async def test_a_body_of_another_type_or_none_is_415_on_every_route_that_reads_one(
    api: Api, method: str, path: str,
) -> None:
    for content_type, answer in (await answers_by_type(api, method, path)).items():
        if content_type is None:
            assert "content-type" not in answer.request.headers
        if path == "/api/products/add/" and content_type == "multipart/form-data; boundary=x":
            assert answer.status_code != 415, answer.text  # product creation takes forms
            continue
        problem = assert_problem(answer, 415, "unsupported_media")
        assert "application/json" in problem["detail"], (content_type, problem)


async def test_a_refused_login_code_request_sends_nothing(api: Api) -> None:
    answer = await api.client.post(REQUEST_OTP, content=OTP_BODY,
                                   headers={"Content-Type": "text/plain"})
    assert_problem(answer, 415, "unsupported_media")
    json_answer = await api.client.post(REQUEST_OTP, content=OTP_BODY,
                                        headers={"Content-Type": "application/json"})
    assert json_answer.status_code == 202, json_answer.text  # the phone had no cooldown yet


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8",
    "application/merge-patch+json", "application/vnd.shop+json", " application/json ",
])
async def test_json_types_with_parameters_are_read(api: Api, content_type: str) -> None:
    answer = await api.client.post(REQUEST_OTP, content=OTP_BODY,
                                   headers={"Content-Type": content_type})
    assert answer.status_code == 202, answer.text


async def test_an_empty_body_without_a_content_type_is_no_json_object(api: Api) -> None:
    alice = await api.login(ALICE)
    answer = await api.client.post("/api/cart/add/", headers=alice, content=b"")
    assert answer.request.headers["content-length"] == "0"
    problem = assert_problem(answer, 422, "validation_error")
    assert problem["errors"] == [
        {"field": "body", "message": "The request body must be a JSON object."}]


async def chunked(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def test_a_chunked_body_without_a_content_type_is_415(api: Api) -> None:
    answer = await api.client.post(REQUEST_OTP, content=chunked(b'{"phone": ', b'"+919876543210"}'))
    assert "content-length" not in answer.request.headers
    assert_problem(answer, 415, "unsupported_media")


async def test_an_empty_chunked_body_without_a_content_type_is_no_json_object(api: Api) -> None:
    answer = await api.client.post(REQUEST_OTP, content=chunked(b""))
    assert "content-length" not in answer.request.headers
    assert_problem(answer, 422, "validation_error")


async def test_the_type_is_refused_before_the_size(api: Api) -> None:
    """A body of the wrong type is refused from its headers, whatever its size: nothing
    of it is read."""
    declared = await api.client.post(REQUEST_OTP, content=b" " * (MAX_JSON_BODY + 1),
                                     headers={"Content-Type": "text/plain"})
    assert_problem(declared, 415, "unsupported_media")
    untyped = await api.client.post(REQUEST_OTP, content=b" " * (MAX_JSON_BODY + 1))
    assert_problem(untyped, 415, "unsupported_media")


async def test_routes_without_a_body_ignore_the_content_type(api: Api) -> None:
    alice = await api.login(ALICE)
    product = await api.add_product()
    await api.client.post("/api/cart/add/", headers=alice, json={"product_id": product.id})
    deleted = await api.client.delete(f"/api/wishlist/{product.id}/",
                                      headers={**alice, "Content-Type": "text/plain"})
    assert deleted.status_code == 204, deleted.text
    listed = await api.client.get("/api/cart/", headers={**alice, "Content-Type": "text/plain"})
    assert listed.status_code == 200, listed.text


async def test_every_operation_with_a_body_documents_415(api: Api) -> None:
    document = await openapi(api)
    with_body = {(method, path) for method, path, operation in operations(document)
                 if "requestBody" in operation}
    assert with_body <= set(BODY_ROUTES)
    undocumented = [(method, path) for method, path, operation in operations(document)
                    if (method, path) in BODY_ROUTES and "415" not in operation["responses"]]
    assert undocumented == []
