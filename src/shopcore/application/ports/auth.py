"""Ports of the login capability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shopcore.domain.otp import OtpChallenge, OtpChannel
from shopcore.domain.phone import Phone
from shopcore.domain.users import RefreshToken, User


class UserRepository(Protocol):
    """Stores users."""

    async def get(self, user_id: str) -> User | None: ...

    async def get_by_phone(self, phone: Phone) -> User | None: ...

    async def add(self, user: User) -> None: ...

    async def add_many(self, new_users: Sequence[User]) -> None:
        """Insert many new users at once (a bulk insert)."""
        ...

    async def set_admin(self, user_id: str, is_admin: bool) -> None: ...


class OtpChallengeRepository(Protocol):
    """Stores the one live challenge per phone."""

    async def get(self, phone: Phone) -> OtpChallenge | None: ...

    async def get_for_update(self, phone: Phone) -> OtpChallenge | None:
        """The phone's challenge, with the phone held by this unit of work until it ends:
        another unit of work's ``get_for_update`` of the phone waits, then reads what
        this one committed (also when the phone has no challenge yet)."""
        ...

    async def save(self, challenge: OtpChallenge) -> None:
        """Insert or replace the challenge of ``challenge.phone``."""
        ...

    async def delete(self, phone: Phone) -> None: ...

    async def delete_stale(self, issued_before: datetime, with_sends_issued_before: datetime
                           ) -> int:
        """Delete the challenges issued before ``issued_before`` that remember no
        delivery, and those that do if issued before ``with_sends_issued_before``; how
        many were deleted."""
        ...


class RefreshTokenRepository(Protocol):
    """Stores refresh-token hashes grouped in login families."""

    async def add(self, token: RefreshToken) -> None: ...

    async def get(self, token_hash: str) -> RefreshToken | None: ...

    async def get_for_update(self, token_hash: str) -> RefreshToken | None:
        """The token, with its login (family) held by this unit of work until it ends:
        another unit of work's ``get_for_update`` of a token of the same login waits,
        then reads what this one committed (its tokens used, revoked or issued since)."""
        ...

    async def mark_used(self, token_hash: str) -> bool:
        """Mark an unused token used; ``False`` if it was already used (reuse)."""
        ...

    async def revoke_family(self, family_id: str) -> None: ...

    async def delete_expired(self, expired_by: datetime) -> int:
        """Delete the tokens whose ``expires_at`` is at or before ``expired_by`` (no
        refresh accepts them); how many were deleted."""
        ...


class OtpGateway(Protocol):
    """Delivers a code we generated to a phone (voice call or SMS).

    Raises ``OtpDeliveryFailed`` on any failure; never leaks credentials in it.
    """

    async def deliver(self, phone: Phone, code: str, channel: OtpChannel) -> None: ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says about its bearer."""

    user_id: str
    is_admin: bool
    login_id: str
    """The login (refresh-token family) the token was issued to."""


class TokenSigner(Protocol):
    """Issues and checks short-lived access tokens."""

    @property
    def access_lifetime_seconds(self) -> int: ...

    def issue_access(self, user: User, login_id: str) -> str:
        """A signed access token for ``user``, of the login ``login_id``."""
        ...

    def verify_access(self, token: str) -> AccessClaims:
        """The token's claims; raises ``Unauthenticated`` or ``TokenExpired``."""
        ...


class RevokedLogins(Protocol):
    """The logins ended before their access tokens expire (a refresh token presented
    again, a logout): their access tokens stop working."""

    def is_revoked(self, login_id: str) -> bool: ...

    def revoke(self, login_id: str) -> None:
        """Called once the revocation is committed: this process refuses the login's
        access tokens at once (other processes learn it from the database)."""
        ...
