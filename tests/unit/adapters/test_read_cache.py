"""The in-process read cache: hits until a write or the TTL, one load per key at a time,
and never an answer that was read before the latest write."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from shopcore.adapters.read_cache import CachingProductCatalog, ReadCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A value that changes, counting the loads."""

    def __init__(self) -> None:
        self.value = "v1"
        self.loads = 0
        self.gate: asyncio.Event | None = None

    async def load(self) -> str:
        self.loads += 1
        seen = self.value
        if self.gate is not None:
            await self.gate.wait()
        return seen


async def test_a_result_is_reused_for_half_the_ttl_and_never_beyond_it() -> None:
    clock, source = Clock(), Source()
    cache = ReadCache(1.0, clock=clock)
    assert await cache.get("k", source.load) == "v1"
    source.value = "v2"
    clock.now += 0.45
    assert await cache.get("k", source.load) == "v1"
    clock.now += 0.6
    assert await cache.get("k", source.load) == "v2"
    assert source.loads == 2


async def test_a_write_empties_the_cache_at_once() -> None:
    source = Source()
    cache = ReadCache(60.0)
    await cache.get("k", source.load)
    source.value = "v2"
    cache.invalidate()
    assert await cache.get("k", source.load) == "v2"


async def test_a_ttl_of_zero_always_loads() -> None:
    source = Source()
    cache = ReadCache(0)
    assert not cache.enabled
    await cache.get("k", source.load)
    await cache.get("k", source.load)
    assert source.loads == 2


async def test_concurrent_reads_of_a_key_share_one_load() -> None:
    source = Source()
    source.gate = asyncio.Event()
    cache = ReadCache(1.0)
    readers = [asyncio.create_task(cache.get("k", source.load)) for _ in range(10)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*readers) == ["v1"] * 10
    assert source.loads == 1


async def test_a_load_started_before_a_write_is_neither_shared_nor_kept() -> None:
    source = Source()
    source.gate = asyncio.Event()
    cache = ReadCache(60.0)
    before = asyncio.create_task(cache.get("k", source.load))
    await asyncio.sleep(0)  # loading v1
    source.value = "v2"
    cache.invalidate()  # a write committed
    source.gate.set()
    after = await cache.get("k", source.load)  # does not join the running load
    assert (await before, after) == ("v1", "v2")
    assert await cache.get("k", source.load) == "v2"  # v1 was not kept
    assert source.loads == 2


async def test_when_the_shared_load_fails_each_waiter_loads_on_its_own() -> None:
    gate = asyncio.Event()
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await gate.wait()
            raise OSError("database went away")
        return "ok"

    cache = ReadCache(1.0)
    first = asyncio.create_task(cache.get("k", flaky))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get("k", flaky))
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(OSError):
        await first
    assert await second == "ok"


async def test_best_sellers_of_one_window_are_loaded_once() -> None:
    class Catalog:
        def __init__(self) -> None:
            self.asked: list[tuple[int, datetime | None]] = []

        async def most_bought(self, limit: int, since: datetime | None) -> list[str]:
            self.asked.append((limit, since))
            return [f"best since {since}"]

    inner = Catalog()
    catalog = CachingProductCatalog(inner, ReadCache(1.0))  # type: ignore[arg-type]
    week, month = datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)
    for since in (week, week, month, None, month, None):
        assert await catalog.most_bought(10, since) == (f"best since {since}",)
    assert inner.asked == [(10, week), (10, month), (10, None)]
