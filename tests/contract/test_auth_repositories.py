"""Contract of the auth repositories and the unit of work, on every implementation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shopcore.application.ports import UnitOfWorkFactory
from shopcore.domain.errors import RateLimited
from shopcore.domain.otp import OtpChallenge, OtpChannel, issue_challenge
from shopcore.domain.phone import Phone
from shopcore.domain.users import RefreshToken, User

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PHONE = Phone("+919876543210")


def a_user(user_id: str = "u-1", phone: Phone = PHONE) -> User:
    return User(id=user_id, phone=phone, is_admin=False, created_at=NOW)


async def test_a_committed_user_can_be_read_back_by_id_and_phone(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.users.add(a_user())
        await work.commit()
    async with uow() as work:
        assert await work.users.get("u-1") == a_user()
        assert await work.users.get_by_phone(PHONE) == a_user()
        assert await work.users.get("nope") is None


async def test_leaving_without_commit_rolls_back(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.users.add(a_user())
    async with uow() as work:
        assert await work.users.get("u-1") is None


async def test_an_exception_inside_the_block_rolls_back(uow: UnitOfWorkFactory) -> None:
    try:
        async with uow() as work:
            await work.users.add(a_user())
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with uow() as work:
        assert await work.users.get_by_phone(PHONE) is None


async def test_set_admin_promotes_a_user(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.users.add(a_user())
        await work.users.set_admin("u-1", True)
        await work.commit()
    async with uow() as work:
        user = await work.users.get("u-1")
    assert user is not None and user.is_admin


async def test_timestamps_come_back_timezone_aware_utc(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.users.add(a_user())
        await work.commit()
    async with uow() as work:
        user = await work.users.get("u-1")
    assert user is not None and user.created_at == NOW and user.created_at.tzinfo is not None


async def test_an_otp_challenge_is_saved_replaced_and_deleted(uow: UnitOfWorkFactory) -> None:
    first = issue_challenge(PHONE, "111111", OtpChannel.VOICE, NOW, b"k" * 32, None,
                            counts_against_quota=True)
    second = issue_challenge(PHONE, "222222", OtpChannel.SMS, NOW + timedelta(minutes=1),
                             b"k" * 32, first, counts_against_quota=True)
    async with uow() as work:
        await work.otp_challenges.save(first)
        await work.commit()
    async with uow() as work:
        assert await work.otp_challenges.get(PHONE) == first
        await work.otp_challenges.save(second)
        await work.commit()
    async with uow() as work:
        stored = await work.otp_challenges.get(PHONE)
        assert stored == second and stored.recent_sends == (NOW, NOW + timedelta(minutes=1))
        await work.otp_challenges.delete(PHONE)
        await work.commit()
    async with uow() as work:
        assert await work.otp_challenges.get(PHONE) is None


async def test_a_used_challenge_keeps_its_recent_sends(uow: UnitOfWorkFactory) -> None:
    used = issue_challenge(PHONE, "111111", OtpChannel.VOICE, NOW, b"k" * 32, None,
                           counts_against_quota=True).after_use(NOW + timedelta(seconds=5))
    async with uow() as work:
        await work.otp_challenges.save(used)
        await work.commit()
    async with uow() as work:
        stored = await work.otp_challenges.get_for_update(PHONE)
    assert stored == used and stored.used and stored.recent_sends == (NOW,)


async def test_recent_sends_come_back_exactly_as_utc_to_the_microsecond(
    uow: UnitOfWorkFactory,
) -> None:
    moments = [NOW + timedelta(microseconds=1), NOW + timedelta(minutes=20, microseconds=999_999),
               NOW + timedelta(minutes=40, microseconds=500_001)]
    challenge = None
    for moment in moments:
        challenge = issue_challenge(PHONE, "111111", OtpChannel.SMS, moment, b"k" * 32,
                                    challenge, counts_against_quota=True)
    assert challenge is not None
    async with uow() as work:
        await work.otp_challenges.save(challenge)
        await work.commit()
    async with uow() as work:
        stored = await work.otp_challenges.get(PHONE)
    assert stored is not None and stored.recent_sends == tuple(moments)
    assert all(sent.tzinfo is not None and sent.utcoffset() == timedelta(0)
               for sent in stored.recent_sends)
    # Not loosened by a rounding: the first send counts until exactly an hour after it.
    with pytest.raises(RateLimited) as caught:
        stored.ensure_quota_left(moments[0] + timedelta(hours=1, microseconds=-1), 3)
    assert caught.value.retry_after == 1
    stored.ensure_quota_left(moments[0] + timedelta(hours=1), 3)


async def test_recent_sends_given_out_of_order_come_back_as_the_same_sends(
    uow: UnitOfWorkFactory,
) -> None:
    """A challenge built by hand may hold its sends in any order (``OtpChallenge`` counts
    them in time order): stored, it still counts those sends and no others."""
    sends = (NOW + timedelta(minutes=20), NOW, NOW + timedelta(minutes=10))
    challenge = OtpChallenge(PHONE, "0" * 64, OtpChannel.SMS, NOW + timedelta(minutes=20),
                             recent_sends=sends)
    async with uow() as work:
        await work.otp_challenges.save(challenge)
        await work.commit()
    async with uow() as work:
        stored = await work.otp_challenges.get(PHONE)
    assert stored is not None and sorted(stored.recent_sends) == sorted(sends)
    stored.ensure_quota_left(NOW + timedelta(minutes=30), 4)  # 3 sends: one more fits


async def test_get_for_update_holds_the_phone_even_without_a_challenge(
    uow: UnitOfWorkFactory,
) -> None:
    # PostgreSQL has no row to lock here: the phone itself is held.
    holding = asyncio.Event()
    saved = issue_challenge(PHONE, "111111", OtpChannel.VOICE, NOW, b"k" * 32, None,
                            counts_against_quota=True)

    async def first() -> None:
        async with uow() as work:
            assert await work.otp_challenges.get_for_update(PHONE) is None
            holding.set()
            await asyncio.sleep(0.2)
            await work.otp_challenges.save(saved)
            await work.commit()

    async def second() -> OtpChallenge | None:
        await holding.wait()
        async with uow() as work:
            return await work.otp_challenges.get_for_update(PHONE)

    _, seen = await asyncio.gather(first(), second())
    assert seen == saved


def a_token(token_hash: str, family: str = "fam-1") -> RefreshToken:
    return RefreshToken(token_hash=token_hash, family_id=family, user_id="u-1", issued_at=NOW,
                        expires_at=NOW + timedelta(days=30))


async def test_mark_used_succeeds_once_only(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.users.add(a_user())
        await work.refresh_tokens.add(a_token("h1"))
        await work.commit()
    async with uow() as work:
        assert await work.refresh_tokens.mark_used("h1") is True
        assert await work.refresh_tokens.mark_used("h1") is False
        assert await work.refresh_tokens.mark_used("unknown") is False
        await work.commit()
    async with uow() as work:
        token = await work.refresh_tokens.get("h1")
    assert token is not None and token.used and not token.revoked


async def test_revoke_family_revokes_every_token_of_that_family_only(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as work:
        await work.users.add(a_user())
        for name, family in [("a", "fam-1"), ("b", "fam-1"), ("c", "fam-2")]:
            await work.refresh_tokens.add(a_token(name, family))
        await work.refresh_tokens.revoke_family("fam-1")
        await work.commit()
    async with uow() as work:
        states = {h: (await work.refresh_tokens.get(h)) for h in "abc"}
    assert {h: t.revoked for h, t in states.items() if t} == {"a": True, "b": True, "c": False}


async def test_get_for_update_holds_the_login_against_the_revocation_of_its_family(
    uow: UnitOfWorkFactory,
) -> None:
    # A refresh holding the login issues the next token; a logout of the same login
    # waits for it and then revokes that token too (an UPDATE that merely waited for
    # the first token's row lock would not see a token inserted after it began).
    async with uow() as work:
        await work.users.add(a_user())
        await work.refresh_tokens.add(a_token("first"))
        await work.commit()
    holding = asyncio.Event()

    async def refresh() -> None:
        async with uow() as work:
            token = await work.refresh_tokens.get_for_update("first")
            assert token is not None and not token.used
            holding.set()
            await asyncio.sleep(0.2)
            assert await work.refresh_tokens.mark_used("first")
            await work.refresh_tokens.add(a_token("next"))
            await work.commit()

    async def logout() -> RefreshToken | None:
        await holding.wait()
        async with uow() as work:
            seen = await work.refresh_tokens.get_for_update("first")
            assert seen is not None
            await work.refresh_tokens.revoke_family(seen.family_id)
            await work.commit()
        return seen

    _, seen = await asyncio.gather(refresh(), logout())
    assert seen is not None and seen.used  # read after the refresh committed
    async with uow() as work:
        states = {name: await work.refresh_tokens.get(name) for name in ("first", "next")}
    assert {name: token.revoked for name, token in states.items() if token} == {
        "first": True, "next": True}
    async with uow() as work:
        assert await work.refresh_tokens.get_for_update("unknown") is None


async def test_delete_expired_removes_the_tokens_expired_by_then_only(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as work:
        await work.users.add(a_user())
        for name, days in [("gone", 29), ("at", 30), ("kept", 31)]:
            await work.refresh_tokens.add(RefreshToken(
                token_hash=name, family_id="fam-1", user_id="u-1", issued_at=NOW,
                expires_at=NOW + timedelta(days=days)))
        await work.commit()
    async with uow() as work:
        assert await work.refresh_tokens.delete_expired(NOW + timedelta(days=30)) == 2
        await work.commit()
    async with uow() as work:
        left = {name: await work.refresh_tokens.get(name) for name in ("gone", "at", "kept")}
        assert await work.refresh_tokens.delete_expired(NOW + timedelta(days=30)) == 0
    assert [name for name, token in left.items() if token is not None] == ["kept"]


async def test_delete_stale_keeps_a_challenge_until_its_code_and_its_last_send_are_over(
    uow: UnitOfWorkFactory,
) -> None:
    def challenge(number: str, *issued_minutes_ago: int, counted: bool = True) -> OtpChallenge:
        """The phone's challenge after codes issued so many minutes ago, the last one its
        own (``counted``: delivered, as opposed to a test number's)."""
        phone, made = Phone(f"+9198765432{number}"), None
        for minutes in issued_minutes_ago:
            made = issue_challenge(phone, "123456", OtpChannel.SMS,
                                   NOW - timedelta(minutes=minutes), b"k" * 32, made,
                                   counts_against_quota=counted)
        assert made is not None
        return made

    challenges = {
        "old, no sends": challenge("10", 10, counted=False),
        "old, last send over an hour ago": challenge("11", 70, 61),
        "old, a send in the last hour": challenge("12", 70, 59),
        "old, used, a send in the last hour": challenge("13", 59).after_use(NOW),
        "recent": challenge("14", 2, counted=False),
    }
    async with uow() as work:
        for stored in challenges.values():
            await work.otp_challenges.save(stored)
        await work.commit()
    async with uow() as work:  # codes issued 5 minutes before NOW, sends an hour before
        deleted = await work.otp_challenges.delete_stale(NOW - timedelta(minutes=5),
                                                         NOW - timedelta(hours=1))
        await work.commit()
    async with uow() as work:
        left = [name for name, stored in challenges.items()
                if await work.otp_challenges.get(stored.phone) == stored]
    assert (deleted, left) == (2, ["old, a send in the last hour",
                                   "old, used, a send in the last hour", "recent"])
