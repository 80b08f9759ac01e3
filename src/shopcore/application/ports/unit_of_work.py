"""The unit of work: one transaction and the repositories that act inside it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from shopcore.application.ports.auth import (
    OtpChallengeRepository,
    RefreshTokenRepository,
    UserRepository,
)
from shopcore.application.ports.catalog import ProductRepository
from shopcore.application.ports.payments import PaymentRepository
from shopcore.application.ports.shopping import (
    CartRepository,
    OrderRepository,
    ReviewRepository,
    WishlistRepository,
)
from shopcore.domain.errors import Conflict


class UnitOfWork(Protocol):
    """A transaction. Leaving the ``async with`` block without ``commit()`` rolls back.

    Repositories are attributes; they flush but never commit.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def otp_challenges(self) -> OtpChallengeRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def products(self) -> ProductRepository: ...

    # shopping
    @property
    def carts(self) -> CartRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def wishlists(self) -> WishlistRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    # payments
    @property
    def payments(self) -> PaymentRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Makes a fresh unit of work for each use-case call."""


class ConcurrentUpdate(Conflict):
    """The transaction lost a race with another one (a deadlock or serialization
    failure the database resolved by aborting it, or a row changed under it).
    Nothing was written; running the whole unit of work again is safe."""

    def __init__(self, detail: str = "The data changed concurrently; please try again.") -> None:
        super().__init__(detail)
