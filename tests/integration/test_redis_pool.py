"""The shared Redis client waits for a free connection instead of failing a burst, and a
wait that lasts too long fails as an unreachable Redis does (against the local Redis)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shopcore.adapters.redis_rate_limiter import (
    DEFAULT_PREFIX,
    RedisRateLimiter,
    build_redis_client,
)
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.settings import Settings
from tests.redis_service import REDIS_URL, connected_redis, delete_keys


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own, its keys removed afterwards."""
    prefix = f"{DEFAULT_PREFIX}test-{uuid.uuid4().hex}:"
    yield prefix
    client = await connected_redis()
    try:
        await delete_keys(client, f"{prefix}*")
    finally:
        await client.aclose()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_burst_beyond_the_pool_on_the_containers_client_is_all_counted(
    prefix: str, tmp_path: Path
) -> None:
    await (await connected_redis()).aclose()  # Redis is required: fail loudly if down
    settings = Settings(env="test", database_url="sqlite+aiosqlite://", media_dir=tmp_path,
                        secret_key="test-secret-key-for-the-suite-0123456789",
                        redis_url=REDIS_URL, redis_key_prefix=prefix)
    container = build_container(settings)
    try:
        limiter = container.rate_limiter()
        answers = await asyncio.gather(*(limiter.hit(f"k{i % 7}", 1000, 60)
                                         for i in range(250)))
    finally:
        await close_container(container)
    assert answers == [None] * 250


async def test_callers_wait_for_one_of_few_connections(prefix: str) -> None:
    client = build_redis_client(REDIS_URL, max_connections=3, pool_timeout=10)
    try:
        pool = client.connection_pool
        assert isinstance(pool, BlockingConnectionPool)
        limiter = RedisRateLimiter(client, prefix=prefix)
        answers = await asyncio.gather(*(limiter.hit("burst", 100, 60) for _ in range(150)))
        opened = len(pool._available_connections) + len(pool._in_use_connections)
    finally:
        await client.aclose()
    assert sum(answer is None for answer in answers) == 100
    assert all(1 <= answer <= 60 for answer in answers if answer is not None)
    assert opened <= 3


async def test_a_connection_wait_that_times_out_fails_as_an_unreachable_redis(
    prefix: str,
) -> None:
    down = build_redis_client(f"redis://127.0.0.1:{closed_port()}/0")
    busy = build_redis_client(REDIS_URL, max_connections=1, pool_timeout=0.05)
    try:
        with pytest.raises(RedisConnectionError) as unreachable:
            await RedisRateLimiter(down, prefix=prefix).hit("k", 5, 60)
        held = await busy.connection_pool.get_connection()
        try:
            with pytest.raises(RedisConnectionError) as exhausted:
                await RedisRateLimiter(busy, prefix=prefix).undo("k", 60, "e1")
            with pytest.raises(RedisConnectionError):
                await RedisRateLimiter(busy, prefix=prefix).hit("k", 5, 60)
        finally:
            await busy.connection_pool.release(held)
        # Once the connection is free again the limiter works.
        assert await RedisRateLimiter(busy, prefix=prefix).hit("k", 5, 60) is None
    finally:
        await down.aclose()
        await busy.aclose()
    # The error callers already handle for an unreachable Redis (the request fails closed).
    assert isinstance(exhausted.value, RedisConnectionError)
    assert isinstance(unreachable.value, RedisConnectionError)


async def test_the_client_keeps_its_timeouts() -> None:
    client: Redis = build_redis_client(REDIS_URL)
    try:
        pool = client.connection_pool
        assert isinstance(pool, BlockingConnectionPool)
        assert 10 <= pool.max_connections <= 100  # per process; many processes share Redis
        assert pool.timeout is not None and 0 < pool.timeout <= 5
        assert pool.connection_kwargs["socket_connect_timeout"] == 2
        assert pool.connection_kwargs["socket_timeout"] == 2
    finally:
        await client.aclose()
