"""The caps and uniqueness rules with two real `shopcore serve` processes on one database,
SQLite (one file) and PostgreSQL, and one Redis: requests sent at once and spread over
both processes hold the same rules as those of one process (on SQLite the processes'
writers queue for the file's write lock: each write transaction reads what the last one
committed; the write limit is counted in Redis).

Every process started here is stopped by its PID in a ``finally``; each run has a Redis
key prefix of its own, deleted afterwards."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import refresh_tokens
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.users import hash_refresh_secret
from tests.integration.test_multi_process import REDIS_URL, Cluster, _run, delete_redis_keys
from tests.postgres_databases import create_database, drop_database

CODE = "123456"
PHONES = [f"+91981000{i:04d}" for i in range(40)]
SHIPPING = {"name": "Asha Rao", "line1": "12 MG Road", "city": "Pune", "state": "MH",
            "postal_code": "411001", "phone": "+919812345678"}
WRITES_PER_MINUTE = 150
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cluster(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two serving processes on a fresh database of the engine, sharing one Redis."""
    workdir = tmp_path_factory.mktemp(f"rules-{request.param}")
    url = f"sqlite+aiosqlite:///{workdir / 'shop.db'}" if request.param == "sqlite" \
        else _run(create_database("rules"))
    prefix = f"shopcore-test-{uuid.uuid4().hex[:12]}:"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHOPCORE_", "TWO_FACTOR_", "AWS_"))}
    env.update(
        SHOPCORE_ENV="test", SHOPCORE_DATABASE_URL=url, SHOPCORE_REDIS_URL=REDIS_URL,
        SHOPCORE_REDIS_KEY_PREFIX=prefix,
        SHOPCORE_SECRET_KEY="multi-process-rules-secret-0123456789-abcdef",
        SHOPCORE_MEDIA_DIR=str(workdir / "media"),
        SHOPCORE_OTP_TEST_NUMBERS=",".join(f"{phone}:{CODE}" for phone in PHONES),
        SHOPCORE_WRITES_PER_MINUTE=str(WRITES_PER_MINUTE), SHOPCORE_DB_POOL_SIZE="5",
    )
    shop = Cluster(env=env, workdir=workdir, database_url=url)
    try:
        shop.run("db", "upgrade")
        shop.start()
        shop.start()
        yield shop
    finally:
        shop.stop_all()
        if request.param == "postgresql":
            _run(drop_database(url))
        delete_redis_keys(prefix)


class Shop:
    """The database of ``cluster``, for setting a test up and reading what it left."""

    def __init__(self, cluster: Cluster) -> None:
        self.engine = create_engine(cluster.database_url)

    async def products(self, count: int, stock: int = 50) -> list[int]:
        async with SqlUnitOfWork(self.engine) as uow:
            added = [await uow.products.add(ProductDraft.create(
                f"Item {uuid.uuid4().hex[:8]}", "", "10.00", "misc", stock), NOW)
                for _ in range(count)]
            await uow.commit()
        return [product.id for product in added]

    async def fill_cart(self, user_id: str, product_ids: list[int]) -> None:
        async with SqlUnitOfWork(self.engine) as uow:
            for product_id in product_ids:
                await uow.carts.set_quantity(user_id, product_id, 1, NOW)
            await uow.commit()

    async def live_tokens(self, refresh_token: str) -> int:
        async with self.engine.connect() as connection:
            family = (await connection.execute(
                select(refresh_tokens.c.family_id)
                .where(refresh_tokens.c.token_hash == hash_refresh_secret(refresh_token))
            )).scalar_one()
            return int((await connection.execute(
                select(func.count()).select_from(refresh_tokens)
                .where(refresh_tokens.c.family_id == family,
                       refresh_tokens.c.revoked.is_(False)))).scalar_one())

    async def close(self) -> None:
        await self.engine.dispose()


@pytest.fixture
async def shop(cluster: Cluster) -> AsyncIterator[Shop]:
    """The database of the cluster, for setting a test up and reading what it left."""
    opened = Shop(cluster)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def urls(cluster: Cluster) -> list[str]:
    """The two serving processes' base URLs."""
    return [server.url for server in cluster.servers[:2]]


async def login(http: httpx.AsyncClient, base: str, phone: str) -> dict[str, object]:
    answer = await http.post(f"{base}/api/auth/request-otp/", json={"phone": phone})
    assert answer.status_code == 202, answer.text
    answer = await http.post(f"{base}/api/auth/verify-otp/", json={"phone": phone, "otp": CODE})
    assert answer.status_code == 200, answer.text
    tokens: dict[str, object] = answer.json()
    return tokens


def bearer(tokens: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def statuses(answers: list[httpx.Response]) -> Counter[int]:
    return Counter(answer.status_code for answer in answers)


async def test_a_cart_filled_over_both_processes_at_once_stops_at_100_products(
    shop: Shop, urls: list[str],
) -> None:
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as http:
        tokens = await login(http, urls[0], PHONES[0])
        kept, wanted = await shop.products(95), await shop.products(20)
        await shop.fill_cart(str(tokens["user"]["id"]), kept)  # type: ignore[index]
        answers = await asyncio.gather(*(
            http.post(f"{urls[n % 2]}/api/cart/add/", headers=bearer(tokens),
                      json={"product_id": product_id})
            for n, product_id in enumerate(wanted)))
        cart = (await http.get(f"{urls[1]}/api/cart/", headers=bearer(tokens))).json()
    assert statuses(answers) == {200: 5, 422: 15}
    assert len(cart["items"]) == 100


async def test_one_buyers_reviews_over_both_processes_make_one(shop: Shop, urls: list[str]) -> None:
    (product_id,) = await shop.products(1)
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as http:
        buyer = bearer(await login(http, urls[0], PHONES[1]))
        assert (await http.post(f"{urls[0]}/api/cart/add/", headers=buyer,
                                json={"product_id": product_id})).status_code == 200
        assert (await http.post(f"{urls[1]}/api/order/place/", headers=buyer,
                                json={"shipping_address": SHIPPING})).status_code == 201
        answers = await asyncio.gather(*(
            http.post(f"{urls[n % 2]}/api/products/{product_id}/reviews/", headers=buyer,
                      json={"rating": 1 + n % 5}) for n in range(20)))
        product = (await http.get(f"{urls[0]}/api/products/{product_id}/")).json()
    assert statuses(answers) == {201: 1, 409: 19}
    (kept,) = [a.json()["rating"] for a in answers if a.status_code == 201]
    assert product["rating"] == {"average": f"{kept}.00", "count": 1}


async def test_a_refresh_token_sent_to_both_processes_at_once_rotates_once_and_ends_the_login(
    shop: Shop, urls: list[str],
) -> None:
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as http:
        tokens = await login(http, urls[0], PHONES[2])
        answers = await asyncio.gather(*(
            http.post(f"{urls[n % 2]}/api/auth/refresh/",
                      json={"refresh_token": tokens["refresh_token"]}) for n in range(20)))
        live = await shop.live_tokens(str(tokens["refresh_token"]))
    assert statuses(answers) == {200: 1, 401: 19}
    assert live == 0


async def test_logouts_racing_refreshes_on_the_other_process_leave_no_token_alive(
    shop: Shop, urls: list[str],
) -> None:
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as http:
        logins = [await login(http, urls[0], phone) for phone in PHONES[10:20]]
        answers = await asyncio.gather(*(
            http.post(f"{url}/api/auth/{route}/",
                      json={"refresh_token": tokens["refresh_token"]})
            for n, tokens in enumerate(logins)
            for url, route in zip(urls[n % 2:] + urls[:n % 2], ("refresh", "logout"),
                                  strict=True)))
        live = [await shop.live_tokens(str(tokens["refresh_token"])) for tokens in logins]
    assert set(statuses(answers[0::2])) <= {200, 401}
    assert statuses(answers[1::2]) == {204: len(logins)}
    assert live == [0] * len(logins)


async def test_writes_over_both_processes_stop_at_the_per_minute_limit(
    shop: Shop, urls: list[str],
) -> None:
    products = await shop.products(2)
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as http:
        writer = bearer(await login(http, urls[0], PHONES[4]))
        answers = await asyncio.gather(*(
            http.post(f"{urls[n % 2]}/api/wishlist/", headers=writer,
                      json={"product_id": products[n % 2]})
            for n in range(WRITES_PER_MINUTE + 50)))
    assert statuses(answers) == {201: 2, 200: WRITES_PER_MINUTE - 2, 429: 50}
