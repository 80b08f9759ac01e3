"""Domain errors: plain exceptions named for what went wrong, carrying data.

The HTTP layer maps each type to a status and a problem ``code`` in one table;
nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input field (dotted path for nested fields)."""

    field: str
    message: str


class InvalidInput(DomainError):
    """Input that breaks a rule of the domain (a 422 in HTTP terms)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.errors: tuple[FieldError, ...] = (FieldError(field, message),)

    @classmethod
    def many(cls, errors: Sequence[FieldError]) -> InvalidInput:
        """One error naming several fields."""
        first = errors[0]
        error = cls(first.field, first.message)
        error.errors = tuple(errors)
        error.detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return error


class NotFound(DomainError):
    """The thing asked for does not exist, or is not the caller's to see."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """No valid credentials were presented."""


class TokenExpired(Unauthenticated):
    """A genuine token whose lifetime is over."""


class RateLimited(DomainError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class Conflict(DomainError):
    """The request clashes with the current state."""
