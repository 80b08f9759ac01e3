"""SQL repositories of the login capability."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shopcore.adapters.sql.tables import otp_challenges, refresh_tokens, users
from shopcore.adapters.sql.upsert import OnConflictInsert
from shopcore.domain.otp import OtpChallenge, OtpChannel
from shopcore.domain.phone import Phone
from shopcore.domain.users import RefreshToken, User


class SqlUserRepository:
    """Users in the ``users`` table."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, user_id: str) -> User | None:
        row = (await self._connection.execute(
            select(users).where(users.c.id == user_id))).one_or_none()
        return _user(row) if row else None

    async def get_by_phone(self, phone: Phone) -> User | None:
        row = (await self._connection.execute(
            select(users).where(users.c.phone == phone.e164))).one_or_none()
        return _user(row) if row else None

    async def add(self, user: User) -> None:
        await self._connection.execute(users.insert().values(
            id=user.id, phone=user.phone.e164, is_admin=user.is_admin,
            created_at=user.created_at))

    async def add_many(self, new_users: Sequence[User]) -> None:
        if new_users:
            await self._connection.execute(users.insert(), [
                {"id": user.id, "phone": user.phone.e164, "is_admin": user.is_admin,
                 "created_at": user.created_at} for user in new_users])

    async def set_admin(self, user_id: str, is_admin: bool) -> None:
        await self._connection.execute(
            update(users).where(users.c.id == user_id).values(is_admin=is_admin))


_SAVE_CHALLENGE = OnConflictInsert(
    otp_challenges, conflict=["phone"],
    update=[column.name for column in otp_challenges.c if column.name != "phone"])


# Two int4 keys: a key space apart from the migrations' single bigint key (migrate.py).
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))")
_PHONES, _LOGINS = 0x6F7470, 0x726674
"""The lock spaces of the phones (OTP challenges) and of the logins (refresh tokens)."""


async def _hold(connection: AsyncConnection, space: int, key: str) -> None:
    """PostgreSQL: hold ``key`` of ``space`` until the transaction ends (an advisory lock;
    another transaction holding it waits)."""
    await connection.execute(_ADVISORY_LOCK, {"space": space, "key": key})


class SqlOtpChallengeRepository:
    """One challenge per phone in ``otp_challenges``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get_for_update(self, phone: Phone) -> OtpChallenge | None:
        # PostgreSQL: an advisory lock on the phone, held until the transaction ends
        # (a row lock cannot hold a phone without a challenge), then a read with a
        # snapshot taken after it. SQLite: BEGIN IMMEDIATE already serialises writers.
        if self._connection.dialect.name == "postgresql":
            await _hold(self._connection, _PHONES, phone.e164)
        return await self.get(phone)

    async def get(self, phone: Phone) -> OtpChallenge | None:
        row = (await self._connection.execute(
            select(otp_challenges).where(otp_challenges.c.phone == phone.e164))).one_or_none()
        if row is None:
            return None
        return OtpChallenge(
            phone=phone,
            code_hash=row.code_hash,
            channel=OtpChannel(row.channel),
            issued_at=row.issued_at,
            failed_attempts=row.failed_attempts,
            recent_sends=_recent_sends(row),
            used_at=row.used_at,
        )

    async def save(self, challenge: OtpChallenge) -> None:
        # Oldest first, whatever order the challenge holds them in: the old columns must
        # name the oldest, or the read takes this row for one of the release before.
        sends = sorted(challenge.recent_sends)
        await _SAVE_CHALLENGE.execute(self._connection, {
            "phone": challenge.phone.e164,
            "code_hash": challenge.code_hash,
            "channel": challenge.channel.value,
            "issued_at": challenge.issued_at,
            "failed_attempts": challenge.failed_attempts,
            # For the release before (migration 0027), a fixed window: from the oldest
            # recent send, holding them all.
            "quota_window_start": sends[0] if sends else None,
            "sent_in_window": len(sends),
            "used_at": challenge.used_at,
            "recent_sends": _sends_text(sends),
        })

    async def delete(self, phone: Phone) -> None:
        await self._connection.execute(
            delete(otp_challenges).where(otp_challenges.c.phone == phone.e164))

    async def delete_stale(self, issued_before: datetime, with_sends_issued_before: datetime
                           ) -> int:
        # A row the release before wrote may count sends its recent_sends lacks.
        no_sends = and_(otp_challenges.c.recent_sends == "",
                        otp_challenges.c.sent_in_window == 0)
        result = await self._connection.execute(delete(otp_challenges).where(
            otp_challenges.c.issued_at < issued_before,
            or_(no_sends, otp_challenges.c.issued_at < with_sends_issued_before)))
        return int(result.rowcount)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _sends_text(sends: Iterable[datetime]) -> str:
    """``otp_challenges.recent_sends``: whole microseconds since the epoch (exactly what a
    ``datetime`` holds, on every engine), separated by spaces."""
    return " ".join(str((sent - _EPOCH) // _MICROSECOND) for sent in sends)


def _recent_sends(row: Any) -> tuple[datetime, ...]:
    """The recent sends of an ``otp_challenges`` row, oldest first.

    A row written by this release has ``quota_window_start`` and ``sent_in_window``
    equal to the oldest of ``recent_sends`` and their number. A row the release before
    migration 0027 wrote last (during a rolling deploy) does not: its window counts
    sends that ``recent_sends`` lacks. Those are taken as made at ``issued_at`` (the
    last of them was; none was later): the phone is refused whenever that window would
    refuse it, and the sends this release recorded still count.
    """
    sends = tuple(sorted(_EPOCH + int(micros) * _MICROSECOND
                         for micros in row.recent_sends.split()))
    window_start, counted = row.quota_window_start, row.sent_in_window
    if (sends[0] if sends else None, len(sends)) == (window_start, counted):
        return sends
    known = 0 if window_start is None else sum(1 for sent in sends if sent >= window_start)
    missing = max(0, counted - known)
    return tuple(sorted((*sends, *(row.issued_at,) * missing)))


class SqlRefreshTokenRepository:
    """Refresh-token hashes and their families in ``refresh_tokens``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, token: RefreshToken) -> None:
        await self._connection.execute(refresh_tokens.insert().values(
            token_hash=token.token_hash, family_id=token.family_id, user_id=token.user_id,
            issued_at=token.issued_at, expires_at=token.expires_at,
            used=token.used, revoked=token.revoked))

    async def get(self, token_hash: str) -> RefreshToken | None:
        row = (await self._connection.execute(
            select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        )).one_or_none()
        return RefreshToken(**row._mapping) if row else None

    async def get_for_update(self, token_hash: str) -> RefreshToken | None:
        # PostgreSQL: an advisory lock on the token's family, held until the transaction
        # ends (row locks cannot hold a family against the insert of its next token, nor
        # make an UPDATE of the family see one inserted after the statement began), then
        # the token read again with a snapshot taken after it. SQLite: BEGIN IMMEDIATE
        # already serialises writers.
        token = await self.get(token_hash)
        if token is None or self._connection.dialect.name != "postgresql":
            return token
        await _hold(self._connection, _LOGINS, token.family_id)
        return await self.get(token_hash)

    async def mark_used(self, token_hash: str) -> bool:
        result = await self._connection.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash, refresh_tokens.c.used.is_(False))
            .values(used=True))
        return bool(result.rowcount == 1)

    async def revoke_family(self, family_id: str) -> None:
        await self._connection.execute(
            update(refresh_tokens).where(refresh_tokens.c.family_id == family_id)
            .values(revoked=True))

    async def delete_expired(self, expired_by: datetime) -> int:
        result = await self._connection.execute(
            delete(refresh_tokens).where(refresh_tokens.c.expires_at <= expired_by))
        return int(result.rowcount)


def _user(row: Any) -> User:
    return User(id=row.id, phone=Phone(row.phone), is_admin=row.is_admin,
                created_at=row.created_at)
