"""One RateLimiter contract, run against MemoryRateLimiter and RedisRateLimiter.

Memory runs on a manual clock; Redis runs on real time with 1 s windows (Redis owns
the expiry). Each Redis test uses its own key prefix, so parallel runs never meet.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from shopcore.adapters.memory.basics import MemoryRateLimiter
from shopcore.adapters.redis_rate_limiter import DEFAULT_PREFIX, RedisRateLimiter
from shopcore.application.ports import RateLimiter
from tests.redis_service import connected_redis, delete_keys

WINDOW = 1  # seconds: short enough for Redis to expire it during the test


@dataclass
class Limiters:
    """A limiter under test, a second one sharing its counters (another process, for
    Redis), and a way to let ``seconds`` pass."""

    limiter: RateLimiter
    make_another: Callable[[], Awaitable[RateLimiter]]
    wait: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", "redis"])
async def limiters(request: pytest.FixtureRequest) -> AsyncIterator[Limiters]:
    if request.param == "memory":
        now = [1_000_000.25]

        async def advance(seconds: float) -> None:
            now[0] += seconds

        memory = MemoryRateLimiter(now=lambda: now[0])

        async def same() -> RateLimiter:
            return memory

        yield Limiters(memory, same, advance)
        return

    prefix = f"{DEFAULT_PREFIX}test-{uuid.uuid4().hex}:"
    clients: list[Redis] = [await connected_redis()]

    async def another() -> RateLimiter:
        client = await connected_redis()
        clients.append(client)
        return RedisRateLimiter(client, prefix=prefix)

    try:
        yield Limiters(RedisRateLimiter(clients[0], prefix=prefix), another, asyncio.sleep)
    finally:
        await delete_keys(clients[0], f"{prefix}*")
        for client in clients:
            await client.aclose()


async def test_hits_up_to_the_limit_are_admitted_then_refused(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert [await limiter.hit("k", 3, WINDOW) for _ in range(3)] == [None, None, None]
    retry_after = await limiter.hit("k", 3, WINDOW)
    assert retry_after is not None and 1 <= retry_after <= WINDOW


async def test_retry_after_is_within_a_long_window(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("long", 1, 3600) is None
    retry_after = await limiter.hit("long", 1, 3600)
    assert retry_after is not None and 1 <= retry_after <= 3600


async def test_keys_are_counted_apart(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("a", 1, WINDOW) is None
    assert await limiter.hit("a", 1, WINDOW) is not None
    assert await limiter.hit("b", 1, WINDOW) is None


async def test_the_window_expires(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("k", 2, WINDOW) is None
    assert await limiter.hit("k", 2, WINDOW) is None
    assert await limiter.hit("k", 2, WINDOW) is not None
    await limiters.wait(WINDOW + 0.2)
    assert await limiter.hit("k", 2, WINDOW) is None


async def test_refused_hits_are_not_counted(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("k", 2, 60) is None
    assert await limiter.hit("k", 2, 60) is None
    for _ in range(5):
        assert await limiter.hit("k", 2, 60) is not None
    await limiter.undo("k", 60)  # back to one counted: exactly one more fits
    assert await limiter.hit("k", 2, 60) is None
    assert await limiter.hit("k", 2, 60) is not None


async def test_undo_gives_back_one_hit(limiters: Limiters) -> None:
    limiter = limiters.limiter
    for _ in range(3):
        assert await limiter.hit("k", 3, 60) is None
    await limiter.undo("k", 60)
    assert await limiter.hit("k", 3, 60) is None
    assert await limiter.hit("k", 3, 60) is not None


async def test_undo_never_goes_below_zero(limiters: Limiters) -> None:
    limiter = limiters.limiter
    await limiter.undo("fresh", 60)
    await limiter.undo("fresh", 60)
    assert [await limiter.hit("fresh", 2, 60) for _ in range(3)][:2] == [None, None]
    assert await limiter.hit("fresh", 2, 60) is not None


async def test_100_concurrent_hits_with_limit_10_admit_exactly_10(limiters: Limiters) -> None:
    limiter = limiters.limiter
    answers = await asyncio.gather(*(limiter.hit("burst", 10, 60) for _ in range(100)))
    assert sum(answer is None for answer in answers) == 10
    assert all(1 <= answer <= 60 for answer in answers if answer is not None)


async def test_counters_are_shared_by_every_limiter_on_the_same_store(
    limiters: Limiters,
) -> None:
    # For Redis, each limiter has its own client: two processes racing on one key.
    first, second = limiters.limiter, await limiters.make_another()
    answers = await asyncio.gather(*(
        (first if i % 2 else second).hit("shared", 10, 60) for i in range(100)))
    assert sum(answer is None for answer in answers) == 10
    assert await first.hit("shared", 10, 60) is not None
    await second.undo("shared", 60)
    assert await first.hit("shared", 10, 60) is None


async def test_redis_keys_are_namespaced_and_expire() -> None:
    client = await connected_redis()
    prefix = f"{DEFAULT_PREFIX}test-{uuid.uuid4().hex}:"
    try:
        limiter = RedisRateLimiter(client, prefix=prefix)
        await limiter.hit("otp:ip:203.0.113.9", 5, 3600)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        assert keys == [f"{prefix}3600:otp:ip:203.0.113.9".encode()]
        assert 3590 <= await client.ttl(keys[0]) <= 3600
        assert await client.get(keys[0]) == b"1"
    finally:
        await delete_keys(client, f"{prefix}*")
        await client.aclose()


def test_the_default_namespace() -> None:
    assert DEFAULT_PREFIX == "shopcore:rl:"
