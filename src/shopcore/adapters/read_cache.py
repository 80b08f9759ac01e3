"""A short-lived, in-process cache of hot read results, emptied by every write.

The freshness rule: a result is served from the cache only while no unit of work of
this process has committed since it was read, and for at most ``ttl`` seconds. Every
write of shopcore goes through a unit of work whose ``commit()`` calls
:meth:`ReadCache.invalidate` (container wiring), so a client that wrote through this
process always reads its write. Writes made elsewhere (another server process on the
same database, the ``shopcore`` CLI, a library user in another process) are seen after
at most ``ttl`` seconds; the container therefore turns the cache off where several
processes serve the same shop (``SHOPCORE_REDIS_URL`` set, ``shopcore serve
--workers N`` with N > 1) and ``SHOPCORE_READ_CACHE_MS=0`` turns it off everywhere.

Cached values are shared between requests, so only immutable results (frozen
dataclasses and tuples) are cached.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports import BestSeller, ProductCatalog, ProductFilters
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.application.shopping.get_cart import GetCart, GetCartQuery
from shopcore.domain.cart import CartTotal
from shopcore.domain.catalog import Product
from shopcore.domain.search import SearchTerms

T = TypeVar("T")


class ReadCache:
    """Results by key, each valid until the next :meth:`invalidate` or for at most ``ttl``
    seconds (at least half of it)."""

    def __init__(self, ttl_seconds: float, *, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._version = 0
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}

    @property
    def enabled(self) -> bool:
        """False when the TTL is 0: every read goes to the database."""
        return self.ttl > 0

    def invalidate(self) -> None:
        """Forget every result, and every load already running (called after each commit
        of a unit of work): a read that starts now never gets an answer read before."""
        self._version += 1
        self._entries.clear()
        self._loading.clear()

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The cached result for ``key``, or ``load()``'s. Concurrent reads of one key
        share one load (no stampede when an entry expires); a load is kept, and shared,
        only while no write has been committed since it started."""
        if self.ttl <= 0:
            return await load()
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            value: T = entry[1]
            return value
        running = self._loading.get(key)
        if running is not None:
            await asyncio.wait((running,))  # never cancels the shared load
            if not running.cancelled() and running.exception() is None:
                shared: T = running.result()
                return shared
            return await load()  # the shared load failed: this read tries on its own
        version = self._version
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException:
            future.cancel()  # the waiters load on their own
            raise
        finally:
            if self._loading.get(key) is future:
                del self._loading[key]
        future.set_result(value)
        if version == self._version:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            # Each entry lives between half the TTL and the TTL, so entries loaded
            # together (every user's cart after a write) do not all expire at once.
            lifetime = self.ttl * (0.5 + 0.5 * random.random())  # noqa: S311 - not secret
            self._entries[key] = (now + lifetime, value)
        return value


class CachingProductCatalog:
    """``ProductCatalog`` answering repeated reads from a :class:`ReadCache`."""

    def __init__(self, inner: ProductCatalog, cache: ReadCache) -> None:
        self._inner = inner
        self._cache = cache

    async def list_products(self, filters: ProductFilters, page: PageRequest) -> Page[Product]:
        return await self._cache.get(("list", filters, page),
                                     lambda: self._inner.list_products(filters, page))

    async def get_visible(self, product_id: int) -> Product | None:
        return await self._cache.get(("product", product_id),
                                     lambda: self._inner.get_visible(product_id))

    async def search(self, terms: SearchTerms, page: PageRequest) -> Page[Product]:
        return await self._cache.get(("search", terms, page),
                                     lambda: self._inner.search(terms, page))

    async def most_bought(self, limit: int, since: datetime | None) -> Sequence[BestSeller]:
        async def load() -> Sequence[BestSeller]:
            return tuple(await self._inner.most_bought(limit, since))

        return await self._cache.get(("most_bought", limit, since), load)


class CachingGetCart(GetCart):
    """``GetCart`` answering a user's repeated cart reads from a :class:`ReadCache`
    (a cart changes only by a write: of its lines, a product, or an order's stock)."""

    def __init__(self, uow: UnitOfWorkFactory, currency: str, cache: ReadCache) -> None:
        super().__init__(uow, currency)
        self._cache = cache

    async def __call__(self, query: GetCartQuery) -> CartTotal:
        return await self._cache.get(("cart", query.user_id),
                                     lambda: GetCart.__call__(self, query))
