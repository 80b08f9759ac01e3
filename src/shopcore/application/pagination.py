"""Paging through lists: what the caller asks for and what a query returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shopcore.domain.errors import FieldError, InvalidInput

T = TypeVar("T")
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Page ``page`` (from 1) of ``page_size`` items (1..100)."""

    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        errors = []
        if not 1 <= self.page <= MAX_PAGE:
            errors.append(FieldError("page", f"must be between 1 and {MAX_PAGE}"))
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            errors.append(FieldError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}"))
        if errors:
            raise InvalidInput.many(errors)

    @property
    def offset(self) -> int:
        """Items to skip."""
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the total number of matches, both as of one moment: a
    store reads them together, so a write never shows in one and not the other."""

    items: Sequence[T]
    count: int
    request: PageRequest

    @property
    def has_next(self) -> bool:
        """True when a later page has items."""
        return self.request.offset + len(self.items) < self.count

    @property
    def has_previous(self) -> bool:
        """True past the first page."""
        return self.request.page > 1
