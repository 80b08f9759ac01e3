"""Idempotency keys of order placement: checking a key and fingerprinting a request."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from shopcore.domain.errors import DomainError, InvalidInput

IDEMPOTENCY_KEY_FIELD = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    """The key was used before for a request with a different body."""

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different request.")


def check_idempotency_key(value: str | None) -> str | None:
    """The key as sent (``None`` when absent); 1..255 printable ASCII characters."""
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidInput(IDEMPOTENCY_KEY_FIELD,
                           f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    if not (value.isascii() and value.isprintable()):
        raise InvalidInput(IDEMPOTENCY_KEY_FIELD, "must be printable ASCII")
    return value


def request_hash(request: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``request``: keys sorted, no spaces."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
