"""``HEAD`` on the image files and the probes answers what ``GET`` would, headers only:
load balancers, caches and link checkers ask ``HEAD /health/live`` or
``HEAD /media/...`` (it answered 405 before)."""

from __future__ import annotations

from typing import Any

import pytest

from shopcore.entrypoints.http.app import create_app
from tests.e2e.conftest import Api
from tests.e2e.test_shopping_api import assert_problem

IMAGE = b"\xff\xd8\xff" + b"x" * 997  # served by name and folder only, never decoded

VARYING = {"x-request-id"}


def stored_image(api: Api) -> str:
    folder = api.container.settings().media_dir / "products"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lamp.jpg").write_bytes(IMAGE)
    return "/media/products/lamp.jpg"


def same_headers(get: Any, head: Any) -> None:
    assert {k: v for k, v in head.headers.items() if k not in VARYING} == \
        {k: v for k, v in get.headers.items() if k not in VARYING}


async def raw_messages(api: Api, method: str, path: str) -> list[dict[str, Any]]:
    """What the app itself sends (httpx may drop a HEAD answer's body on its own)."""
    app = create_app(container=api.container)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [(b"host", b"testserver.local")],
             "root_path": "", "scheme": "http", "http_version": "1.1",
             "asgi": {"version": "3.0"}, "server": ("testserver.local", 80),
             "client": ("127.0.0.1", 40000)}
    await app(scope, receive, send)  # type: ignore[arg-type]
    return sent


@pytest.mark.parametrize("which", ["image", "live"])
async def test_head_answers_the_headers_of_get(api: Api, which: str) -> None:
    path = stored_image(api) if which == "image" else "/health/live"
    got, head = await api.client.get(path), await api.client.head(path)
    assert got.status_code == head.status_code == 200
    same_headers(got, head)
    assert int(head.headers["content-length"]) == len(got.content) > 0


@pytest.mark.parametrize("which", ["image", "live", "missing"])
async def test_head_sends_no_body(api: Api, which: str) -> None:
    path = {"image": stored_image(api), "live": "/health/live",
            "missing": "/media/products/missing.jpg"}[which]
    sent = await raw_messages(api, "HEAD", path)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == (404 if which == "missing" else 200)
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b""
    got = b"".join(m.get("body", b"") for m in await raw_messages(api, "GET", path))
    assert got  # the same request with GET has a body


async def test_head_of_a_missing_image_is_404(api: Api) -> None:
    got = await api.client.get("/media/products/missing.jpg")
    head = await api.client.head("/media/products/missing.jpg")
    assert_problem(got, 404, "not_found")
    assert head.status_code == 404
    same_headers(got, head)


async def test_head_of_the_readiness_probe_answers_its_status(api: Api) -> None:
    got, head = await api.client.get("/health/ready"), await api.client.head("/health/ready")
    assert head.status_code == got.status_code
    same_headers(got, head)


async def test_the_api_routes_still_refuse_head(api: Api) -> None:
    assert (await api.client.head("/api/products/")).status_code == 405


async def test_the_get_operations_say_head_works(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/media/{file_path}", "/health/live", "/health/ready"):
        assert "HEAD" in paths[path]["get"]["description"], path
