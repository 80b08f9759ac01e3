"""In-memory repositories over a ``MemoryState``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from shopcore.domain.otp import OtpChallenge
from shopcore.domain.phone import Phone
from shopcore.domain.users import RefreshToken, User

if TYPE_CHECKING:
    from shopcore.adapters.memory.unit_of_work import MemoryState


class MemoryUserRepository:
    """Users in a dict."""

    def __init__(self, state: MemoryState) -> None:
        self._users = state.users

    async def get(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    async def get_by_phone(self, phone: Phone) -> User | None:
        return next((u for u in self._users.values() if u.phone == phone), None)

    async def add(self, user: User) -> None:
        if user.id in self._users or await self.get_by_phone(user.phone):
            raise ValueError(f"duplicate user {user.id}")
        self._users[user.id] = user

    async def add_many(self, new_users: Sequence[User]) -> None:
        phones = {user.phone for user in self._users.values()}
        for user in new_users:
            if user.id in self._users or user.phone in phones:
                raise ValueError(f"duplicate user {user.id}")
            phones.add(user.phone)
            self._users[user.id] = user

    async def set_admin(self, user_id: str, is_admin: bool) -> None:
        if user_id in self._users:
            self._users[user_id] = replace(self._users[user_id], is_admin=is_admin)


class MemoryOtpChallengeRepository:
    """Challenges in a dict keyed by phone."""

    def __init__(self, state: MemoryState) -> None:
        self._challenges = state.otp_challenges

    async def get(self, phone: Phone) -> OtpChallenge | None:
        return self._challenges.get(phone.e164)

    async def get_for_update(self, phone: Phone) -> OtpChallenge | None:
        # Units of work of the memory store run one at a time.
        return self._challenges.get(phone.e164)

    async def save(self, challenge: OtpChallenge) -> None:
        self._challenges[challenge.phone.e164] = challenge

    async def delete(self, phone: Phone) -> None:
        self._challenges.pop(phone.e164, None)

    async def delete_stale(self, issued_before: datetime, with_sends_issued_before: datetime
                           ) -> int:
        stale = [key for key, challenge in self._challenges.items()
                 if challenge.issued_at < issued_before
                 and (not challenge.recent_sends
                      or challenge.issued_at < with_sends_issued_before)]
        for key in stale:
            del self._challenges[key]
        return len(stale)


class MemoryRefreshTokenRepository:
    """Refresh tokens in a dict keyed by hash."""

    def __init__(self, state: MemoryState) -> None:
        self._tokens = state.refresh_tokens

    async def add(self, token: RefreshToken) -> None:
        self._tokens[token.token_hash] = token

    async def get(self, token_hash: str) -> RefreshToken | None:
        return self._tokens.get(token_hash)

    async def get_for_update(self, token_hash: str) -> RefreshToken | None:
        # Units of work of the memory store run one at a time.
        return self._tokens.get(token_hash)

    async def mark_used(self, token_hash: str) -> bool:
        token = self._tokens.get(token_hash)
        if token is None or token.used:
            return False
        self._tokens[token_hash] = replace(token, used=True)
        return True

    async def revoke_family(self, family_id: str) -> None:
        for key, token in list(self._tokens.items()):
            if token.family_id == family_id:
                self._tokens[key] = replace(token, revoked=True)

    async def delete_expired(self, expired_by: datetime) -> int:
        expired = [key for key, token in self._tokens.items() if token.expires_at <= expired_by]
        for key in expired:
            del self._tokens[key]
        return len(expired)
