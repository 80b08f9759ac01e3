"""Every answer carries the request id and the security headers: errors the router gives
before any route ran (404, 405, 413), a 500, OPTIONS, images under /media/ and the
OpenAPI document and UI under /schema."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from PIL import Image

from tests.e2e.conftest import Api

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                    "referrer-policy": "no-referrer"}


def assert_secured(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert {name: answer.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert 8 <= len(answer.headers["x-request-id"]) <= 64
    assert answer.headers.get_list("x-request-id") == [answer.headers["x-request-id"]]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/health/live", 200), ("GET", "/api/products/", 200),
    ("GET", "/api/nowhere/", 404), ("GET", "/nowhere", 404), ("GET", "/api/products/99/", 404),
    ("DELETE", "/api/auth/me/", 405), ("PATCH", "/health/live", 405),
    ("GET", "/api/cart/", 401), ("OPTIONS", "/api/products/", 204),
    ("GET", "/schema/openapi.json", 200), ("GET", "/schema/swagger", 200),
    ("GET", "/media/products/missing.jpg", 404), ("GET", "/media/../../etc/passwd", 404),
])
async def test_answers_carry_the_headers(api: Api, method: str, path: str, status: int) -> None:
    assert_secured(await api.client.request(method, path), status)


async def test_a_body_refused_while_being_read_carries_the_headers(api: Api) -> None:
    async def too_much() -> Any:
        for _ in range(20):
            yield b" " * 65536

    answer = await api.client.post("/api/auth/request-otp/", content=too_much(),
                                   headers={"Content-Type": "application/json"})
    assert_secured(answer, 413)
    declared = await api.client.post("/api/auth/request-otp/", content=b" " * (1024 * 1024 + 1),
                                     headers={"Content-Type": "application/json"})
    assert_secured(declared, 413)


class Broken:
    """A use case that fails unexpectedly."""

    async def __call__(self, *_: object) -> None:
        raise RuntimeError("boom: /srv/secret/path")


async def test_an_internal_error_carries_the_headers_and_no_detail(api: Api) -> None:
    alice = await api.login()
    api.container.get_cart.override(providers.Object(Broken()))
    try:
        answer = await api.client.get("/api/cart/",
                                      headers={**alice, "X-Request-ID": "request-500"})
    finally:
        api.container.get_cart.reset_override()
    assert_secured(answer, 500)
    assert answer.headers["x-request-id"] == "request-500"
    assert answer.headers["cache-control"] == "no-store"  # an authenticated request
    assert answer.json()["code"] == "internal_error" and "boom" not in answer.text
    assert "request-500" in answer.json()["detail"]  # the id to quote when reporting it


async def test_a_stored_image_carries_the_headers(api: Api) -> None:
    admin = await api.login_admin()
    picture = io.BytesIO()
    Image.new("RGB", (32, 32), "navy").save(picture, format="PNG")
    created = await api.client.post(
        "/api/products/add/", headers=admin,
        data={"name": "Lamp", "price": "10.00", "category": "home"},
        files={"image": ("lamp.png", picture.getvalue(), "image/png")})
    assert created.status_code == 201, created.text
    for url in (created.json()["image_url"], created.json()["thumbnail_url"]):
        answer = await api.client.get(url)
        assert_secured(answer, 200)
        assert answer.headers["content-type"].startswith("image/")


async def test_an_incoming_request_id_is_echoed_only_when_safe(api: Api) -> None:
    kept = await api.client.get("/api/nowhere/", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = await api.client.get("/api/nowhere/", headers={"X-Request-ID": "a b\tc"})
    assert replaced.headers["x-request-id"] != "a b\tc"
