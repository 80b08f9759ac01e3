"""Two real `shopcore serve` processes on one PostgreSQL database and one Redis.

What one process does, the other sees: OTP quotas (Redis), tokens (shared secret),
images (shared media folder), stock (PostgreSQL). And a process stopped with SIGTERM
in the middle of the load finishes what it accepted and leaves nothing half-written.

Each run uses a fresh PostgreSQL database, and its own key prefix in Redis database 5
(``SHOPCORE_TEST_REDIS_MULTI_URL`` picks another), so runs in parallel never meet;
its keys are deleted afterwards. Every process started here is stopped by its PID in
a ``finally``.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text

from shopcore.adapters.sql.engine import create_engine
from tests.postgres_databases import create_database, drop_database

REDIS_URL = os.environ.get("SHOPCORE_TEST_REDIS_MULTI_URL", "redis://127.0.0.1:6379/5")
REDIS_PREFIX = f"shopcore-test-{uuid.uuid4().hex[:12]}:"
SECRET_KEY = "multi-process-test-secret-0123456789-abcdef"
CODE = "123456"
ADMIN = "+919800000001"
TOKEN_USER = "+919800000002"
BUYERS = [f"+91980001{i:04d}" for i in range(40)]  # the 40 concurrent orders
LATE_BUYERS = [f"+91980002{i:04d}" for i in range(40)]  # the SIGTERM test
SHIPPING = {"name": "Asha Rao", "line1": "12 MG Road", "city": "Pune", "state": "MH",
            "postal_code": "411001", "phone": "+919812345678"}
SHOPCORE = [sys.executable, "-m", "shopcore.entrypoints.cli"]


# --- the cluster -------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run async set-up work in its own loop and thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One `shopcore serve` process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@dataclass
class Cluster:
    """The shared environment and the processes serving it."""

    env: dict[str, str]
    workdir: Path
    database_url: str
    servers: list[Server] = field(default_factory=list)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*SHOPCORE, *args], cwd=self.workdir, env=self.env, text=True,
                                capture_output=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        return result

    def start(self, *options: str) -> Server:
        """Start one more `shopcore serve` on a free loopback port; wait until ready."""
        port = free_port()
        log = self.workdir / f"serve-{port}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*SHOPCORE, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
                cwd=self.workdir, env=self.env, stdout=sink, stderr=subprocess.STDOUT)
        server = Server(process, f"http://127.0.0.1:{port}", log)
        self.servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"shopcore serve exited early:\n{server.log_tail()}", pytrace=False)
            try:
                if httpx.get(f"{server.url}/health/ready", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"shopcore serve did not get ready:\n{server.log_tail()}", pytrace=False)

    def stop_all(self) -> None:
        for server in self.servers:
            stop(server.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop one process by its PID: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def redis_keys_of_this_run() -> list[bytes]:
    """Every key this run made (also checks that Redis answers: it is required)."""
    client = Redis.from_url(REDIS_URL)
    try:
        return list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=500))
    except (RedisError, OSError) as error:
        pytest.fail(f"Redis is unreachable at {REDIS_URL}: {error}", pytrace=False)
    finally:
        client.close()


def delete_redis_keys(prefix: str = REDIS_PREFIX) -> None:
    """Delete the keys of one test run (those starting with ``prefix``) from REDIS_URL."""
    client = Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two serving processes on a fresh database, one Redis and one media folder."""
    assert redis_keys_of_this_run() == []
    workdir = tmp_path_factory.mktemp("multi")
    url: str = _run(create_database("multi"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHOPCORE_", "TWO_FACTOR_", "AWS_"))}
    env.update(
        SHOPCORE_ENV="test",
        SHOPCORE_DATABASE_URL=url,
        SHOPCORE_REDIS_URL=REDIS_URL,
        SHOPCORE_REDIS_KEY_PREFIX=REDIS_PREFIX,
        SHOPCORE_SECRET_KEY=SECRET_KEY,
        SHOPCORE_MEDIA_DIR=str(workdir / "media"),
        SHOPCORE_OTP_TEST_NUMBERS=",".join(
            f"{phone}:{CODE}" for phone in [ADMIN, TOKEN_USER, *BUYERS, *LATE_BUYERS]),
        SHOPCORE_OTP_PER_IP_HOURLY="2",
        SHOPCORE_TRUSTED_PROXIES="127.0.0.1",
        SHOPCORE_DB_POOL_SIZE="5",
    )
    shop = Cluster(env=env, workdir=workdir, database_url=url)
    try:
        shop.run("db", "upgrade")
        shop.run("create-admin", ADMIN)
        shop.start()
        shop.start()
        yield shop
    finally:
        shop.stop_all()
        _run(drop_database(url))
        delete_redis_keys()


# --- helpers -----------------------------------------------------------------------------


async def login(http: httpx.AsyncClient, base: str, phone: str) -> dict[str, str]:
    answer = await http.post(f"{base}/api/auth/request-otp/", json={"phone": phone})
    assert answer.status_code == 202, answer.text
    answer = await http.post(f"{base}/api/auth/verify-otp/", json={"phone": phone, "otp": CODE})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def png(size: tuple[int, int]) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def add_product(http: httpx.AsyncClient, base: str, admin: dict[str, str],
                      stock: int) -> int:
    answer = await http.post(f"{base}/api/products/add/", headers=admin, json={
        "name": f"Limited {uuid.uuid4().hex[:6]}", "description": "few left",
        "price": "499.00", "category": "limited", "stock": stock})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def sold_and_stock(database_url: str, product_id: int) -> tuple[int, int, int]:
    """(orders containing the product, units in them, stock left), read from the database."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            orders, units = (await connection.execute(text(
                "SELECT count(DISTINCT order_id), coalesce(sum(quantity), 0) "
                "FROM order_lines WHERE product_id = :p"), {"p": product_id})).one()
            stock = (await connection.execute(
                text("SELECT stock FROM products WHERE id = :p"), {"p": product_id})).scalar_one()
    finally:
        await engine.dispose()
    return int(orders), int(units), int(stock)


# --- what one process does, the other sees -----------------------------------------------


async def test_an_otp_ip_quota_spent_on_one_process_is_enforced_by_the_other(
    cluster: Cluster,
) -> None:
    first, second = cluster.servers[:2]
    client_ip = f"203.0.113.{secrets.randbelow(250) + 1}"
    forwarded = {"X-Forwarded-For": client_ip}
    phones = [f"+91987650{secrets.randbelow(10_000):04d}" for _ in range(4)]
    async with httpx.AsyncClient(timeout=30) as http:
        answers = []
        for server, phone in zip([first, second, first, second], phones, strict=True):
            answers.append(await http.post(f"{server.url}/api/auth/request-otp/",
                                           json={"phone": phone}, headers=forwarded))
        other_ip = await http.post(f"{second.url}/api/auth/request-otp/",
                                   json={"phone": "+919876512345"},
                                   headers={"X-Forwarded-For": "198.51.100.7"})
    assert [a.status_code for a in answers] == [202, 202, 429, 429], [a.text for a in answers]
    assert answers[3].json()["code"] == "rate_limited"
    assert 1 <= int(answers[3].headers["retry-after"]) <= 3600
    assert other_ip.status_code == 202
    # The counters are in Redis, under this run's prefix.
    assert f"{REDIS_PREFIX}rl:sliding:3600:otp:ip:{client_ip}".encode() in redis_keys_of_this_run()


async def test_a_token_issued_by_one_process_is_accepted_by_the_other(
    cluster: Cluster,
) -> None:
    first, second = cluster.servers[:2]
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{first.url}/api/auth/request-otp/",
                                 json={"phone": TOKEN_USER})
        assert answer.status_code == 202, answer.text
        verified = await http.post(f"{first.url}/api/auth/verify-otp/",
                                   json={"phone": TOKEN_USER, "otp": CODE})
        assert verified.status_code == 200, verified.text
        tokens = verified.json()
        me = await http.get(f"{second.url}/api/auth/me/",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
        refreshed = await http.post(f"{second.url}/api/auth/refresh/",
                                    json={"refresh_token": tokens["refresh_token"]})
        replayed = await http.post(f"{first.url}/api/auth/refresh/",
                                   json={"refresh_token": tokens["refresh_token"]})
        # The reuse seen by the first ends the login's access tokens on the second too.
        bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            after = await http.get(f"{second.url}/api/auth/me/", headers=bearer)
            if after.status_code != 200 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == tokens["user"]["id"] and me.json()["phone"] == TOKEN_USER
    assert refreshed.status_code == 200, refreshed.text
    assert replayed.status_code == 401  # rotation is enforced across processes too
    assert after.status_code == 401, after.text


@pytest.fixture(scope="module")
def admin_headers(cluster: Cluster) -> dict[str, str]:
    async def admin_login() -> dict[str, str]:
        async with httpx.AsyncClient(timeout=30) as http:
            return await login(http, cluster.servers[0].url, ADMIN)

    headers: dict[str, str] = _run(admin_login())
    return headers


async def test_an_image_uploaded_through_one_process_is_served_by_the_other(
    cluster: Cluster, admin_headers: dict[str, str],
) -> None:
    first, second = cluster.servers[:2]
    async with httpx.AsyncClient(timeout=60) as http:
        created = await http.post(
            f"{first.url}/api/products/add/", headers=admin_headers,
            data={"name": "Camera", "description": "with a picture", "price": "12999.00",
                  "category": "electronics", "stock": "3"},
            files={"image": ("camera.png", png((900, 600)), "image/png")})
        assert created.status_code == 201, created.text
        product = created.json()
        image = await http.get(f"{second.url}{product['image_url']}")
        thumbnail = await http.get(f"{second.url}{product['thumbnail_url']}")
        seen = await http.get(f"{second.url}/api/products/{product['id']}/")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/png")
    assert Image.open(io.BytesIO(image.content)).size == (900, 600)
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (400, 267)
    assert seen.status_code == 200 and seen.json()["image_url"] == product["image_url"]


async def test_40_concurrent_orders_over_both_processes_sell_exactly_the_stock_of_10(
    cluster: Cluster, admin_headers: dict[str, str],
) -> None:
    servers = cluster.servers[:2]
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        product_id = await add_product(http, servers[0].url, admin_headers, stock=10)
        bases = [servers[i % 2].url for i in range(len(BUYERS))]
        buyers = await asyncio.gather(*(
            login(http, base, phone) for base, phone in zip(bases, BUYERS, strict=True)))
        for base, headers in zip(bases, buyers, strict=True):
            added = await http.post(f"{base}/api/cart/add/", headers=headers,
                                    json={"product_id": product_id, "quantity": 1})
            assert added.status_code == 200, added.text
        answers = await asyncio.gather(*(
            http.post(f"{servers[(i + 1) % 2].url}/api/order/place/", headers=headers,
                      json={"shipping_address": SHIPPING})
            for i, headers in enumerate(buyers)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 10 + [409] * 30, [a.text for a in answers if a.status_code >= 500]
    assert all(a.json()["code"] == "out_of_stock" for a in answers if a.status_code == 409)
    assert await sold_and_stock(cluster.database_url, product_id) == (10, 10, 0)


# --- stopping a process under load -------------------------------------------------------


async def test_sigterm_mid_load_finishes_in_flight_requests_and_half_writes_nothing(
    cluster: Cluster, admin_headers: dict[str, str],
) -> None:
    steady = cluster.servers[0]
    doomed = cluster.start()  # a third process, stopped in the middle of the load
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        product_id = await add_product(http, steady.url, admin_headers, stock=20)
        buyers = await asyncio.gather(*(login(http, steady.url, p) for p in LATE_BUYERS))
        for headers in buyers:
            added = await http.post(f"{steady.url}/api/cart/add/", headers=headers,
                                    json={"product_id": product_id, "quantity": 1})
            assert added.status_code == 200, added.text

        async def timed(request: Coroutine[Any, Any, httpx.Response]
                        ) -> tuple[httpx.Response | Exception, float]:
            try:
                response: httpx.Response | Exception = await request
            except httpx.TransportError as error:  # refused once the process stopped
                response = error
            return response, time.monotonic()

        # A slow request (re-encoding a 12-megapixel image takes about half a second) is
        # surely in flight when the signal arrives; the orders go to both processes.
        upload = asyncio.create_task(timed(http.post(
            f"{doomed.url}/api/products/add/", headers=admin_headers,
            data={"name": "Poster", "price": "99.00", "category": "art", "stock": "1"},
            files={"image": ("poster.png", png((4000, 3000)), "image/png")})))

        def place(i: int, headers: dict[str, str]) -> asyncio.Task[Any]:
            return asyncio.create_task(timed(http.post(
                f"{(doomed if i % 2 else steady).url}/api/order/place/", headers=headers,
                json={"shipping_address": SHIPPING})))

        half = len(buyers) // 2
        orders = [place(i, headers) for i, headers in enumerate(buyers[:half])]
        await asyncio.sleep(0.15)
        signalled_at = time.monotonic()
        os.kill(doomed.process.pid, signal.SIGTERM)
        orders += [place(i, headers) for i, headers in enumerate(buyers[half:])]
        upload_answer, upload_done_at = await upload
        order_answers = await asyncio.gather(*orders)
        exit_code = await asyncio.to_thread(doomed.process.wait, 30)

    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert exit_code in (0, -signal.SIGTERM), doomed.log_tail()
    assert "Finished server process" in doomed.log_tail()
    # The in-flight upload was finished after the signal, not cut off.
    assert isinstance(upload_answer, httpx.Response), upload_answer
    assert upload_answer.status_code == 201, upload_answer.text
    assert upload_done_at > signalled_at
    image = await asyncio.to_thread(
        httpx.get, f"{steady.url}{upload_answer.json()['image_url']}", timeout=30)
    assert image.status_code == 200

    # Every order either got a complete answer or was never accepted; the database
    # holds exactly the acknowledged orders and the stock they took.
    placed = [a for a, _ in order_answers if isinstance(a, httpx.Response)
              and a.status_code == 201]
    refused = [a for a, _ in order_answers if isinstance(a, httpx.Response)
               and a.status_code == 409]
    unanswered = [a for a, _ in order_answers if not isinstance(a, httpx.Response)]
    odd = [a.text for a, _ in order_answers if isinstance(a, httpx.Response)
           and a.status_code not in (201, 409)]
    assert odd == []
    assert len(placed) + len(refused) + len(unanswered) == len(LATE_BUYERS)
    assert all(a.json()["code"] == "out_of_stock" for a in refused)
    orders_in_db, units, stock = await sold_and_stock(cluster.database_url, product_id)
    assert orders_in_db == units == len(placed) <= 20
    assert stock == 20 - len(placed)
    if refused:  # refusals only once the stock ran out
        assert stock == 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


async def test_serve_with_two_workers_runs_two_worker_processes(cluster: Cluster) -> None:
    server = cluster.start("--workers", "2")
    deadline = time.monotonic() + 60
    while server.log_tail().count("Application startup complete") < 2:
        assert time.monotonic() < deadline, server.log_tail()
        await asyncio.sleep(0.2)
    workers = [pid for pid in children(server.process.pid)
               if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    async with httpx.AsyncClient(timeout=30) as http:
        answers = await asyncio.gather(*(http.get(f"{server.url}/health/ready")
                                         for _ in range(20)))
    assert len(workers) == 2, server.log_tail()
    assert {a.status_code for a in answers} == {200}
    assert answers[0].json() == {"status": "ok", "database": "up", "redis": "up"}

    stop(server.process)
    await asyncio.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                and b"zombie" not in Path(f"/proc/{pid}/status").read_bytes().lower()]
