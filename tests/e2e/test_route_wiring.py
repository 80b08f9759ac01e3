"""Work Litestar does on every request because of how a route is wired: each guard
runs on a copy of the route handler (unless the route is a ``GuardedRouteHandler``), and
dependencies that do not depend on each other are resolved concurrently in an anyio task
group. Both cost more than the guards and providers themselves, so every route has at
most one guard, given the handler itself, and the hot ones resolve their dependencies
one at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from shopcore.entrypoints.http.app import create_app
from shopcore.entrypoints.http.routing import GuardedRouteHandler, delete, get, post
from tests.e2e.conftest import app_settings


@pytest.fixture
def app(tmp_path: Path) -> Litestar:
    return create_app(app_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
                                   tmp_path / "media"))


def handlers(app: Litestar) -> list[tuple[HTTPRoute, HTTPRouteHandler]]:
    return [(route, handler) for route in app.routes if isinstance(route, HTTPRoute)
            for handler in route.route_handlers]


def test_no_route_runs_more_than_one_guard(app: Litestar) -> None:
    guarded = [(route.path, len(handler.resolve_guards())) for route, handler in handlers(app)]
    assert [(path, count) for path, count in guarded if count > 1] == []
    assert len([path for path, count in guarded if count == 1]) >= 19


def test_every_guarded_route_hands_its_guard_the_handler_itself(app: Litestar) -> None:
    guarded = [(route.path, type(handler)) for route, handler in handlers(app)
               if handler.resolve_guards()]
    assert len(guarded) >= 19
    assert [(path, kind) for path, kind in guarded if kind is not GuardedRouteHandler] == []


def test_a_guard_gets_the_registered_handler_and_can_still_refuse() -> None:
    seen: list[BaseRouteHandler] = []

    async def needs_header(connection: ASGIConnection[Any, Any, Any, Any],
                           handler: BaseRouteHandler) -> None:
        seen.append(handler)
        if "x-allowed" not in connection.headers:
            raise NotAuthorizedException("no")

    @get("/thing", guards=[needs_header])
    async def read_thing() -> dict[str, str]:
        return {"read": "yes"}

    @post("/thing", guards=[needs_header])
    async def make_thing() -> dict[str, str]:
        return {"made": "yes"}

    @delete("/thing", guards=[needs_header])
    async def drop_thing() -> None:
        return None

    with TestClient(Litestar([read_thing, make_thing, drop_thing])) as client:
        assert client.get("/thing").status_code == 401
        answers = [client.get("/thing", headers={"x-allowed": "1"}),
                   client.post("/thing", headers={"x-allowed": "1"}),
                   client.delete("/thing", headers={"x-allowed": "1"})]
        registered = {method: handler for route in client.app.routes
                      if isinstance(route, HTTPRoute) and route.path == "/thing"
                      for method, (handler, _) in route.route_handler_map.items()}

    assert [(answer.status_code, answer.content) for answer in answers] == [
        (200, b'{"read":"yes"}'), (201, b'{"made":"yes"}'), (204, b"")]
    assert [handler is registered[method] for handler, method in
            zip(seen, [HttpMethod.GET, HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE],
                               strict=True)] == [True] * 4


def test_no_route_resolves_dependencies_concurrently(app: Litestar) -> None:
    batches = {(route.path, tuple(sorted(handler.http_methods))): [
        sorted(dependency.key for dependency in batch)
        for batch in handler.create_kwargs_model(route.path_parameters).dependency_batches]
        for route, handler in handlers(app)}
    concurrent = {key: found for key, found in batches.items()
                  if any(len(batch) > 1 for batch in found)}
    # an admin creating a product is rare enough to leave as it is
    assert concurrent == {("/api/products/add", ("POST",)): [["create_product",
                                                            "json_body_limit"]]}
    assert batches[("/api/order/place", ("POST",))] == [["claims"], ["place_order"]]
