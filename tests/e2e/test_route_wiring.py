"""Work Litestar does on every request because of how a route is wired: each guard
runs on a copy of the route handler, and dependencies that do not depend on each other
are resolved concurrently in an anyio task group. Both cost more than the guards and
providers themselves, so every route has at most one guard and the hot ones resolve
their dependencies one at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from shopcore.entrypoints.http.app import create_app
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
