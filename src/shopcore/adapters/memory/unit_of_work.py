"""An in-memory database and unit of work with real commit/rollback semantics."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from shopcore.adapters.memory.catalog import MemoryProductRepository
from shopcore.adapters.memory.payments import MemoryPaymentRepository
from shopcore.adapters.memory.repositories import (
    MemoryOtpChallengeRepository,
    MemoryRefreshTokenRepository,
    MemoryUserRepository,
)
from shopcore.adapters.memory.shopping import (
    MemoryCartRepository,
    MemoryOrderRepository,
    MemoryReviewRepository,
    MemoryWishlistRepository,
    StoredCartLine,
    StoredOrderKey,
)
from shopcore.application.ports.payments import PaymentEventRecord
from shopcore.domain.catalog import Product
from shopcore.domain.ordering import Order
from shopcore.domain.otp import OtpChallenge
from shopcore.domain.payments import Payment
from shopcore.domain.reviews import Review
from shopcore.domain.users import RefreshToken, User


@dataclass
class MemoryState:
    """Every table, as dicts of domain objects."""

    users: dict[str, User] = field(default_factory=dict)
    otp_challenges: dict[str, OtpChallenge] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    last_product_id: int = 0
    # shopping
    cart_lines: dict[str, dict[int, StoredCartLine]] = field(default_factory=dict)
    cart_versions: dict[str, int] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    order_keys: dict[tuple[str, str], StoredOrderKey] = field(default_factory=dict)
    wishlist_items: dict[str, dict[int, datetime]] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    last_review_id: int = 0
    # payments
    payments: dict[str, Payment] = field(default_factory=dict)
    payment_events: dict[str, PaymentEventRecord] = field(default_factory=dict)


class MemoryDatabase:
    """The committed state, shared by the units of work made from it."""

    def __init__(self) -> None:
        self.state = MemoryState()
        self.lock = asyncio.Lock()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A fresh unit of work on this database (usable as a ``UnitOfWorkFactory``)."""
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    """Works on a private copy of the state; ``commit()`` publishes it.

    Units of work run one at a time (like SQLite's ``BEGIN IMMEDIATE``), so the
    fake is serialisable and never sees another's half-done work.
    """

    users: MemoryUserRepository
    otp_challenges: MemoryOtpChallengeRepository
    refresh_tokens: MemoryRefreshTokenRepository
    products: MemoryProductRepository
    # shopping
    carts: MemoryCartRepository
    orders: MemoryOrderRepository
    wishlists: MemoryWishlistRepository
    reviews: MemoryReviewRepository
    # payments
    payments: MemoryPaymentRepository

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self._work: MemoryState | None = None

    async def __aenter__(self) -> Self:
        await self._database.lock.acquire()
        self._bind(copy.deepcopy(self._database.state))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._work = None
        self._database.lock.release()

    async def commit(self) -> None:
        """Publish this unit's changes."""
        if self._work is None:
            raise RuntimeError("commit() outside the unit of work")
        self._database.state = self._work
        self._bind(copy.deepcopy(self._work))

    def _bind(self, work: MemoryState) -> None:
        self._work = work
        self.users = MemoryUserRepository(work)
        self.otp_challenges = MemoryOtpChallengeRepository(work)
        self.refresh_tokens = MemoryRefreshTokenRepository(work)
        self.products = MemoryProductRepository(work)
        # shopping
        self.carts = MemoryCartRepository(work)
        self.orders = MemoryOrderRepository(work)
        self.wishlists = MemoryWishlistRepository(work)
        self.reviews = MemoryReviewRepository(work)
        # payments
        self.payments = MemoryPaymentRepository(work)
