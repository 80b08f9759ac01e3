"""The local Redis the suite needs (required: an unreachable server fails, never skips)."""

from __future__ import annotations

import os

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("SHOPCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def connected_redis(url: str = REDIS_URL) -> Redis:
    """A client that has answered a PING; fails the test loudly otherwise."""
    client = Redis.from_url(url)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        pytest.fail(f"Redis is unreachable at {url}: {error} (start it: see .ci/run)",
                    pytrace=False)
    return client


async def delete_keys(client: Redis, pattern: str) -> None:
    """Remove every key matching ``pattern`` (the keys a test made)."""
    keys = [key async for key in client.scan_iter(match=pattern, count=500)]
    if keys:
        await client.delete(*keys)
