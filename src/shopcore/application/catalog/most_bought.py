"""MostBoughtProducts: the best sellers, optionally over the last days only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from shopcore.application.ports import BestSeller, Clock, ProductCatalog
from shopcore.domain.errors import FieldError, InvalidInput

MAX_LIMIT = 100
MAX_DAYS = 3650


@dataclass(frozen=True, slots=True)
class MostBoughtQuery:
    """How many products to show (1..100) and the window in days (None: all time)."""

    limit: int = 10
    days: int | None = None


class MostBoughtProducts:
    """Products by units sold in orders that were not cancelled; ties by product id.

    Archived products are left out (they cannot be bought any more); the list then
    holds the next best sellers, so it still has ``limit`` entries when there are enough.
    A window of days starts at a whole second, so the requests of one second ask the
    catalog the same question (and a caching catalog answers them once).
    """

    def __init__(self, catalog: ProductCatalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock

    async def __call__(self, query: MostBoughtQuery) -> Sequence[BestSeller]:
        errors = []
        if not 1 <= query.limit <= MAX_LIMIT:
            errors.append(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
        if query.days is not None and not 1 <= query.days <= MAX_DAYS:
            errors.append(FieldError("days", f"must be between 1 and {MAX_DAYS}"))
        if errors:
            raise InvalidInput.many(errors)
        since = None if query.days is None else \
            self._clock.now().replace(microsecond=0) - timedelta(days=query.days)
        return await self._catalog.most_bought(query.limit, since)
