"""One RateLimiter contract, run against MemoryRateLimiter and RedisRateLimiter: at most
``limit`` counted events of a key in any interval of ``window_seconds`` (a sliding window).

Memory runs on a manual clock; Redis runs on real time (its own clock) with 1-2 s
windows, so the waits are real and the timings keep a margin of 0.1 s or more. Each
Redis test uses its own key prefix, so parallel runs never meet.
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
SHORT = 2  # seconds: a window whose Retry-After can tell 1 s from 2 s


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
    assert await limiter.hit("k", 2, 60, "second") is None
    for n in range(5):
        assert await limiter.hit("k", 2, 60, f"refused-{n}") is not None
    for n in range(5):
        await limiter.undo("k", 60, f"refused-{n}")  # never counted: nothing to take back
    assert await limiter.hit("k", 2, 60) is not None
    await limiter.undo("k", 60, "second")  # back to one counted: exactly one more fits
    assert await limiter.hit("k", 2, 60) is None
    assert await limiter.hit("k", 2, 60) is not None


async def test_undo_gives_back_one_hit(limiters: Limiters) -> None:
    limiter = limiters.limiter
    for n in range(3):
        assert await limiter.hit("k", 3, 60, f"e{n}") is None
    await limiter.undo("k", 60, "e1")
    assert await limiter.hit("k", 3, 60) is None
    assert await limiter.hit("k", 3, 60) is not None


async def test_undo_never_goes_below_zero(limiters: Limiters) -> None:
    limiter = limiters.limiter
    await limiter.undo("fresh", 60, "e1")
    await limiter.undo("fresh", 60, "e1")
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
        (first if i % 2 else second).hit("shared", 10, 60, f"e{i}") for i in range(100)))
    assert sum(answer is None for answer in answers) == 10
    assert await first.hit("shared", 10, 60) is not None
    admitted = next(i for i, answer in enumerate(answers) if answer is None)
    await (second if admitted % 2 else first).undo("shared", 60, f"e{admitted}")
    assert await first.hit("shared", 10, 60) is None


async def test_a_burst_across_a_window_boundary_is_refused(limiters: Limiters) -> None:
    # 1 hit, then 2 hits just before the first one's window ends: just after it ends,
    # one hit fits (the first one left) and the next is refused, however the clock's
    # windows are aligned (a fixed window would admit 3 more there).
    limiter = limiters.limiter
    assert await limiter.hit("burst", 3, SHORT) is None
    await limiters.wait(1.5)
    assert [await limiter.hit("burst", 3, SHORT) for _ in range(2)] == [None, None]
    await limiters.wait(0.7)  # 2.2 s after the first hit, 0.7 s after the two others
    assert await limiter.hit("burst", 3, SHORT) is None
    assert await limiter.hit("burst", 3, SHORT) == 2  # the two others leave in 1.3 s
    await limiters.wait(1.4)
    assert await limiter.hit("burst", 3, SHORT) is None


async def test_retry_after_counts_down_to_the_oldest_event_leaving(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("k", 2, SHORT) is None
    await limiters.wait(0.5)
    assert await limiter.hit("k", 2, SHORT) is None
    assert await limiter.hit("k", 2, SHORT) == 2  # the first leaves in 1.5 s
    await limiters.wait(1.0)
    assert await limiter.hit("k", 2, SHORT) == 1  # in 0.5 s
    await limiters.wait(0.6)  # 2.1 s: the first left, the second has 0.4 s to go
    assert await limiter.hit("k", 2, SHORT) is None
    assert await limiter.hit("k", 2, SHORT) == 1


async def test_refused_hits_do_not_extend_the_ban(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("knock", 1, SHORT) is None
    for _ in range(4):  # knocking every 0.5 s for 2 s
        assert await limiter.hit("knock", 1, SHORT) is not None
        await limiters.wait(0.5)
    await limiters.wait(0.1)
    assert await limiter.hit("knock", 1, SHORT) is None


async def test_undo_takes_back_exactly_one_slot_and_never_more(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert [await limiter.hit("k", 2, SHORT, f"e{n}") for n in range(2)] == [None, None]
    for _ in range(3):
        await limiter.undo("k", SHORT, "e0")  # the second and third find nothing
    assert [await limiter.hit("k", 2, SHORT) for _ in range(2)] == [None, 2]


async def test_undo_takes_back_the_named_event_not_the_latest(limiters: Limiters) -> None:
    # A request that counted first and failed gives back its own event: one counted
    # after it by another request keeps its later time (and leaves the window later).
    limiter = limiters.limiter
    assert await limiter.hit("k", 2, SHORT, "failed") is None
    await limiters.wait(1.2)
    assert await limiter.hit("k", 2, SHORT, "served") is None
    await limiter.undo("k", SHORT, "failed")
    assert await limiter.hit("k", 2, SHORT) is None
    assert await limiter.hit("k", 2, SHORT) == 2  # "served" leaves in 2 s, not 0.8 s
    await limiters.wait(0.9)  # 2.1 s: "failed" would have left by now, "served" has not
    assert await limiter.hit("k", 2, SHORT) is not None


async def test_only_named_events_can_be_taken_back(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("k", 1, 60) is None
    with pytest.raises(ValueError):
        await limiter.undo("k", 60, "")
    assert await limiter.hit("k", 1, 60) is not None


async def test_the_same_event_name_under_other_keys_is_another_event(
    limiters: Limiters,
) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("a", 1, 60, "e") is None
    assert await limiter.hit("b", 1, 60, "e") is None
    await limiter.undo("a", 60, "e")
    assert await limiter.hit("a", 1, 60) is None
    assert await limiter.hit("b", 1, 60) is not None


async def test_one_name_over_two_window_lengths_is_counted_apart(limiters: Limiters) -> None:
    limiter = limiters.limiter
    assert await limiter.hit("k", 1, 60, "e") is None
    assert await limiter.hit("k", 1, 3600, "e") is None
    assert await limiter.hit("k", 1, 60) is not None
    await limiter.undo("k", 3600, "e")
    assert await limiter.hit("k", 1, 60) is not None


async def test_50_concurrent_hits_fill_only_what_the_sliding_window_has_left(
    limiters: Limiters,
) -> None:
    # 5 of 10 used at 0 s and 5 at 1 s: at 2.1 s the first 5 have left, so a burst from
    # two clients gets exactly 5, never the 10 a fresh fixed window would give.
    first, second = limiters.limiter, await limiters.make_another()
    early = await asyncio.gather(*(first.hit("burst", 10, SHORT, f"e{i}") for i in range(50)))
    assert sum(answer is None for answer in early) == 10
    await limiters.wait(1.0)
    for i in [i for i, answer in enumerate(early) if answer is None][:5]:
        await first.undo("burst", SHORT, f"e{i}")  # 5 of the burst at 0 s were not needed
    assert [await second.hit("burst", 10, SHORT) for _ in range(5)] == [None] * 5
    assert await first.hit("burst", 10, SHORT) == 1
    await limiters.wait(1.1)
    answers = await asyncio.gather(*(
        (first if i % 2 else second).hit("burst", 10, SHORT) for i in range(50)))
    assert sum(answer is None for answer in answers) == 5
    assert all(answer == 1 for answer in answers if answer is not None)


async def test_redis_keys_are_namespaced_and_expire() -> None:
    client = await connected_redis()
    prefix = f"{DEFAULT_PREFIX}test-{uuid.uuid4().hex}:"
    try:
        limiter = RedisRateLimiter(client, prefix=prefix)
        await limiter.hit("otp:ip:203.0.113.9", 5, 3600)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        assert keys == [f"{prefix}sliding:3600:otp:ip:203.0.113.9".encode()]
        assert 3590 <= await client.ttl(keys[0]) <= 3600
        assert await client.type(keys[0]) == b"zset"
        assert await client.zcard(keys[0]) == 1
    finally:
        await delete_keys(client, f"{prefix}*")
        await client.aclose()


async def test_redis_counters_of_the_fixed_window_version_are_left_alone() -> None:
    # Its string counters (``<prefix><window>:<key>``) expire on their own; processes of
    # both versions can run side by side during a deploy without a WRONGTYPE error.
    client = await connected_redis()
    prefix = f"{DEFAULT_PREFIX}test-{uuid.uuid4().hex}:"
    try:
        await client.set(f"{prefix}60:k", 5, ex=60)
        limiter = RedisRateLimiter(client, prefix=prefix)
        assert await limiter.hit("k", 5, 60, "e") is None
        await limiter.undo("k", 60, "e")
        assert await client.get(f"{prefix}60:k") == b"5"
    finally:
        await delete_keys(client, f"{prefix}*")
        await client.aclose()


async def test_every_hit_redis_admits_is_a_member_of_its_own() -> None:
    # 180 hits at once from two clients: each admitted hit is one member of the key's
    # sorted set, none overwrites another (a random suffix keeps apart even the hits of
    # one microsecond of the server's clock, or of a clock stepped back).
    clients = [await connected_redis(), await connected_redis()]
    prefix = f"{DEFAULT_PREFIX}test-{uuid.uuid4().hex}:"
    try:
        first, second = (RedisRateLimiter(client, prefix=prefix) for client in clients)
        answers = await asyncio.gather(*(
            (first if i % 2 else second).hit("many", 1000, 60) for i in range(180)))
        assert answers == [None] * 180
        assert await clients[0].zcard(f"{prefix}sliding:60:many") == 180
    finally:
        await delete_keys(clients[0], f"{prefix}*")
        for client in clients:
            await client.aclose()


def test_the_default_namespace() -> None:
    assert DEFAULT_PREFIX == "shopcore:rl:"
