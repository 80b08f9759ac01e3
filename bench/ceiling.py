"""The ceiling: a bare Litestar app answering a pre-built 20-product page.

It does what no real route can beat (no database, no serialisation per request), so
each workload's requests/s are reported as a fraction of this app's. Served by the same
ASGI server with the same options as ``shopcore serve``:
``python -m bench.ceiling --port 8001``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, MediaType, Response, get

from shopcore.entrypoints.logging_config import log_config

PAGE_SIZE = 20


def product(index: int) -> dict[str, Any]:
    """One product in the shape of the API contract."""
    stamp = f"2026-11-{1 + index % 28:02d}T10:00:00Z"
    return {
        "id": index, "name": f"Acme Phone {index}", "description": f"Demo product {index}",
        "price": f"{999 + index * 10}.00", "currency": "INR", "category": "mobile",
        "stock": 100, "in_stock": True, "image_url": None, "thumbnail_url": None,
        "rating": {"average": "4.50", "count": 2}, "created_at": stamp, "updated_at": stamp,
    }


def build_page(count: int = PAGE_SIZE) -> bytes:
    """The JSON bytes of the first page of a ``count``-product list."""
    return msgspec.json.encode({
        "count": 10_000, "next": f"/api/products/?page=2&page_size={count}", "previous": None,
        "results": [product(i) for i in range(1, count + 1)],
    })


def create_app() -> Litestar:
    """The ceiling app; the page is built once, here."""
    page = build_page()

    @get("/api/products/")
    async def products() -> Response[bytes]:
        return Response(content=page, media_type=MediaType.JSON)

    @get("/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[products, ready], openapi_config=None, debug=False)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the ceiling app like ``shopcore serve`` serves shopcore (one worker)."""
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    uvicorn.run("bench.ceiling:create_app", factory=True, host=args.host, port=args.port,
                workers=1, log_config=log_config(), access_log=False,
                timeout_graceful_shutdown=20)


if __name__ == "__main__":
    main()
