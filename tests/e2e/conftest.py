"""The real app through Litestar's test client, on a migrated database of each engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.memory.basics import RecordingOtpGateway
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.entrypoints.container import Container, build_container, close_container
from shopcore.entrypoints.http.app import create_app
from shopcore.entrypoints.settings import Settings

TEST_NUMBER = "+919999999999"
PRODUCT_TIME = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TEST_CODE = "123456"


@dataclass
class Api:
    """A client of the running app plus the fakes behind it."""

    client: httpx.AsyncClient
    otp: RecordingOtpGateway
    container: Container
    engine: AsyncEngine

    async def login(self, phone: str = "+919876543210") -> dict[str, str]:
        """Log ``phone`` in through the OTP routes; the Authorization header."""
        answer = await self.client.post("/api/auth/request-otp/", json={"phone": phone})
        assert answer.status_code == 202, answer.text
        code = self.otp.last_code(phone)
        answer = await self.client.post("/api/auth/verify-otp/",
                                        json={"phone": phone, "otp": code})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def add_product(self, name: str = "Smartphone", price: str = "19999.00",
                          stock: int = 10) -> Product:
        """Insert a product straight through the unit of work (no admin route needed)."""
        async with self.container.unit_of_work() as uow:
            product = await uow.products.add(
                ProductDraft.create(name, "Latest Android device", price, "mobile", stock),
                PRODUCT_TIME)
            await uow.commit()
        return product

    async def stored(self, product: Product) -> Product:
        """The product as the database holds it now."""
        async with self.container.unit_of_work() as uow:
            found = await uow.products.get(product.id)
        assert found is not None
        return found

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        """Every SQL statement the app's engines (the shared one and the catalog's, which
        on SQLite is another) run inside the block, in order."""
        seen: list[str] = []
        engines = {self.container.engine().sync_engine,
                   self.container.catalog_engine().sync_engine}

        def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            seen.append(statement)

        for engine in engines:
            event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", record)

    async def login_admin(self, phone: str = "+919800000001") -> dict[str, str]:
        """Log in a user made admin through the PromoteToAdmin use case."""
        await self.container.promote_to_admin()(phone)
        return await self.login(phone)


def app_settings(database_url: str, media_dir: Path, **overrides: object) -> Settings:
    """Settings for a test app."""
    values: dict[str, object] = {
        "env": "test",
        "database_url": database_url,
        "secret_key": "test-secret-key-for-the-suite-0123456789",
        "media_dir": media_dir,
        "otp_test_numbers": {TEST_NUMBER: TEST_CODE},
        "cors_origins": ("https://shop.example",),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def make_api(database_url: str, engine: AsyncEngine, tmp_path: Path
                   ) -> AsyncIterator[MakeApi]:
    """Apps on the test's database, OTPs recorded instead of delivered: ``make()`` for
    the default settings, ``make(writes_per_minute=3)`` to override some, ``peer=``
    for requests coming from that socket address. Each app is closed after the test.

    The apps run in the test's own event loop (httpx's ASGI transport), so tests may
    also call the container's use cases and unit of work directly.
    """
    opened: list[tuple[Container, httpx.AsyncClient]] = []

    async def make(*, peer: str | None = None, **overrides: object) -> Api:
        container = build_container(app_settings(database_url, tmp_path / "media",
                                                 **overrides))
        gateway = RecordingOtpGateway()
        container.otp_gateway.override(providers.Object(gateway))
        app = create_app(container=container)
        transport = httpx.ASGITransport(app=app) if peer is None else \
            httpx.ASGITransport(app=app, client=(peer, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        opened.append((container, client))
        return Api(client=client, otp=gateway, container=container, engine=engine)

    try:
        yield make
    finally:
        for container, client in opened:
            await client.aclose()
            await close_container(container)


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    """The app on an empty database with the default test settings."""
    return await make_api()
