"""Issuing the token pair of a login session (shared by verify and refresh)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopcore.application.ports import TokenSigner, UnitOfWork
from shopcore.domain.users import REFRESH_TOKEN_LIFETIME, RefreshToken, User, new_refresh_secret


@dataclass(frozen=True, slots=True)
class SessionTokens:
    """An access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str
    expires_in: int
    user: User


async def issue_session(
    uow: UnitOfWork, signer: TokenSigner, user: User, family_id: str, now: datetime
) -> SessionTokens:
    """Store a new refresh token in ``family_id`` and sign an access token for ``user``."""
    secret, token_hash = new_refresh_secret()
    await uow.refresh_tokens.add(
        RefreshToken(
            token_hash=token_hash,
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=now + REFRESH_TOKEN_LIFETIME,
        )
    )
    return SessionTokens(
        access_token=signer.issue_access(user, family_id),
        refresh_token=secret,
        expires_in=signer.access_lifetime_seconds,
        user=user,
    )
