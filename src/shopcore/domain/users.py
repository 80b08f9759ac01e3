"""Users and their login sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shopcore.domain.phone import Phone

REFRESH_TOKEN_LIFETIME = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class User:
    """A shopper (or an admin), known by a verified mobile number."""

    id: str
    phone: Phone
    is_admin: bool
    created_at: datetime

    def promoted(self) -> User:
        """The same user with admin rights."""
        return replace(self, is_admin=True)


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """One link of a login's rotation chain; only the token's hash is kept.

    Every token of one login shares ``family_id``: presenting a used token again
    revokes the whole family (reuse detection).
    """

    token_hash: str
    family_id: str
    user_id: str
    issued_at: datetime
    expires_at: datetime
    used: bool = False
    revoked: bool = False

    def usable_at(self, now: datetime) -> bool:
        """True for a token that may be exchanged now."""
        return not self.used and not self.revoked and now < self.expires_at


def new_refresh_secret() -> tuple[str, str]:
    """A fresh opaque refresh token and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_secret(token)


def hash_refresh_secret(token: str) -> str:
    """The stored form of a refresh token (SHA-256; the token has 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()
