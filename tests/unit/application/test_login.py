"""Login use cases on the shipped in-memory fakes: no database, no network."""

from __future__ import annotations

import asyncio

import pytest

from shopcore.adapters.memory.unit_of_work import MemoryUnitOfWork
from shopcore.application.auth.logout import LogoutCommand
from shopcore.application.auth.refresh_session import RefreshSessionCommand
from shopcore.application.auth.request_otp import RequestOtpCommand
from shopcore.application.auth.verify_otp import VerifyOtpCommand
from shopcore.domain.errors import InvalidInput, RateLimited, Unauthenticated
from shopcore.domain.otp import (
    NoOtpPending,
    OtpChannel,
    OtpDeliveryFailed,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
)
from shopcore.domain.phone import Phone
from shopcore.testing import InMemoryShop, build_in_memory_shop

PHONE = "+919876543210"


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


async def request(shop: InMemoryShop, phone: str = PHONE, ip: str = "10.0.0.1") -> str:
    await shop.request_otp(RequestOtpCommand(phone=phone, client_ip=ip))
    return shop.otp_gateway.last_code(PHONE if phone == PHONE else phone)


async def login(shop: InMemoryShop) -> tuple[str, str]:
    code = await request(shop)
    result = await shop.verify_otp(VerifyOtpCommand(PHONE, code))
    return result.session.access_token, result.session.refresh_token


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_requesting_a_code_delivers_six_digits_by_voice_by_default(
    shop: InMemoryShop,
) -> None:
    result = await shop.request_otp(RequestOtpCommand(phone="98765 43210"))
    sent = shop.otp_gateway.sent[-1]
    assert result.phone.e164 == PHONE and (result.expires_in, result.resend_after) == (300, 30)
    assert sent.channel is OtpChannel.VOICE and len(sent.code) == 6 and sent.code.isdigit()


async def test_the_code_is_stored_only_as_a_hash(shop: InMemoryShop) -> None:
    code = await request(shop)
    stored = next(iter(shop.database.state.otp_challenges.values()))
    assert code not in stored.code_hash and len(stored.code_hash) == 64


async def test_an_invalid_number_is_refused_before_anything_is_sent(shop: InMemoryShop) -> None:
    with pytest.raises(InvalidInput) as caught:
        await shop.request_otp(RequestOtpCommand(phone="12345"))
    assert caught.value.errors[0].field == "phone" and shop.otp_gateway.sent == []


async def test_first_verification_creates_the_user_and_later_ones_find_it(
    shop: InMemoryShop,
) -> None:
    first = await shop.verify_otp(VerifyOtpCommand(PHONE, await request(shop)))
    shop.clock.advance(seconds=31)
    second = await shop.verify_otp(VerifyOtpCommand(PHONE, await request(shop)))
    assert first.is_new and not second.is_new
    assert first.session.user.id == second.session.user.id
    claims = shop.token_signer.verify_access(second.session.access_token)
    assert claims.user_id == first.session.user.id and not claims.is_admin


async def test_a_code_works_only_once(shop: InMemoryShop) -> None:
    code = await request(shop)
    await shop.verify_otp(VerifyOtpCommand(PHONE, code))
    with pytest.raises(NoOtpPending) as caught:
        await shop.verify_otp(VerifyOtpCommand(PHONE, code))
    assert isinstance(caught.value, OtpInvalid) and caught.value.attempts_left == 0


async def test_a_phone_that_asked_for_no_code_has_no_attempts(shop: InMemoryShop) -> None:
    with pytest.raises(NoOtpPending) as caught:
        await shop.verify_otp(VerifyOtpCommand(PHONE, "123456"))
    assert caught.value.attempts_left == 0


async def test_a_code_is_bound_to_its_phone(shop: InMemoryShop) -> None:
    code = await request(shop)
    other = "+919812345678"
    shop.clock.advance(seconds=1)
    await shop.request_otp(RequestOtpCommand(phone=other))
    if shop.otp_gateway.last_code(other) != code:
        with pytest.raises(OtpInvalid):
            await shop.verify_otp(VerifyOtpCommand(other, code))


async def test_a_code_expires_at_exactly_five_minutes(shop: InMemoryShop) -> None:
    code = await request(shop)
    shop.clock.advance(minutes=4, seconds=59)
    await shop.verify_otp(VerifyOtpCommand(PHONE, code))
    code = await request(shop)
    shop.clock.advance(minutes=5)
    with pytest.raises(OtpExpired):
        await shop.verify_otp(VerifyOtpCommand(PHONE, code))


async def test_wrong_codes_count_down_then_the_fifth_locks_even_the_right_code(
    shop: InMemoryShop,
) -> None:
    code = await request(shop)
    left = []
    for _ in range(4):
        with pytest.raises(OtpInvalid) as caught:
            await shop.verify_otp(VerifyOtpCommand(PHONE, wrong(code)))
        left.append(caught.value.attempts_left)
    assert left == [4, 3, 2, 1]
    with pytest.raises(OtpLocked):
        await shop.verify_otp(VerifyOtpCommand(PHONE, wrong(code)))
    with pytest.raises(OtpLocked):
        await shop.verify_otp(VerifyOtpCommand(PHONE, code))


async def test_a_new_code_unlocks_and_replaces_the_old_one(shop: InMemoryShop) -> None:
    old = await request(shop)
    for _ in range(5):
        with pytest.raises((OtpInvalid, OtpLocked)):
            await shop.verify_otp(VerifyOtpCommand(PHONE, wrong(old)))
    shop.clock.advance(seconds=30)
    new = await request(shop)
    if new != old:
        with pytest.raises(OtpInvalid):
            await shop.verify_otp(VerifyOtpCommand(PHONE, old))
    result = await shop.verify_otp(VerifyOtpCommand(PHONE, new))
    assert result.is_new


async def test_verifying_without_a_request_is_invalid(shop: InMemoryShop) -> None:
    with pytest.raises(OtpInvalid):
        await shop.verify_otp(VerifyOtpCommand(PHONE, "123456"))


async def test_resending_within_thirty_seconds_is_throttled_and_keeps_the_first_code(
    shop: InMemoryShop,
) -> None:
    code = await request(shop)
    shop.clock.advance(seconds=12)
    with pytest.raises(RateLimited) as caught:
        await request(shop)
    assert caught.value.retry_after == 18 and len(shop.otp_gateway.sent) == 1
    await shop.verify_otp(VerifyOtpCommand(PHONE, code))


async def test_a_phone_gets_at_most_five_codes_an_hour(shop: InMemoryShop) -> None:
    for _ in range(5):
        await request(shop)
        shop.clock.advance(seconds=31)
    with pytest.raises(RateLimited) as caught:
        await request(shop)
    assert 0 < caught.value.retry_after <= 3600
    shop.clock.advance(hours=1)
    await request(shop)
    assert len(shop.otp_gateway.sent) == 6


async def test_one_ip_gets_at_most_its_hourly_quota() -> None:
    shop = build_in_memory_shop(per_ip_hourly=3)
    for n in range(3):
        await shop.request_otp(RequestOtpCommand(phone=f"+91987654321{n}", client_ip="1.2.3.4"))
    with pytest.raises(RateLimited):
        await shop.request_otp(RequestOtpCommand(phone="+919876543219", client_ip="1.2.3.4"))
    await shop.request_otp(RequestOtpCommand(phone="+919876543219", client_ip="5.6.7.8"))


async def test_a_failed_delivery_stores_nothing_and_counts_nothing() -> None:
    shop = build_in_memory_shop(per_ip_hourly=1)
    shop.otp_gateway.failing = True
    with pytest.raises(OtpDeliveryFailed):
        await request(shop)
    assert shop.database.state.otp_challenges == {}
    shop.otp_gateway.failing = False
    await request(shop)  # no cooldown, and the IP quota of 1 was given back


async def test_a_failed_delivery_gives_back_its_own_event_not_a_later_one() -> None:
    # A's code is counted, then B's (100 s later) while A's delivery is still under
    # way; A's delivery fails. A's event is taken back and B's keeps its time: an hour
    # after A, the IP has one code left (B's still counts), not two.
    shop = build_in_memory_shop(per_ip_hourly=2)
    deliver, release = shop.otp_gateway.deliver, asyncio.Event()

    async def held_then_failed(phone: Phone, code: str, channel: OtpChannel) -> None:
        if phone.e164 == "+919812345670":
            await release.wait()
            raise OtpDeliveryFailed()
        await deliver(phone, code, channel)

    shop.otp_gateway.deliver = held_then_failed  # type: ignore[method-assign]
    failing = asyncio.create_task(request(shop, "+919812345670"))
    await asyncio.sleep(0)
    shop.clock.advance(seconds=100)
    await request(shop, "+919812345671")
    release.set()
    with pytest.raises(OtpDeliveryFailed):
        await failing
    shop.clock.advance(seconds=3501)  # 3,601 s after A, 3,501 s after B
    await request(shop, "+919812345672")
    with pytest.raises(RateLimited) as refused:
        await request(shop, "+919812345673")
    assert refused.value.retry_after == 99  # B leaves the hour 99 s from now


async def test_a_request_whose_transaction_fails_gives_the_ip_quota_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A database blip must not use up the codes of a carrier's shared address.
    shop = build_in_memory_shop(per_ip_hourly=1)

    async def lost(self: MemoryUnitOfWork) -> None:
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(MemoryUnitOfWork, "commit", lost)
        with pytest.raises(ConnectionError):
            await request(shop)
    assert shop.database.state.otp_challenges == {} and shop.otp_gateway.sent == []
    await request(shop)  # the IP's one code an hour was given back
    with pytest.raises(RateLimited):
        await request(shop, "+919812345678")


async def test_a_failed_resend_keeps_the_previous_code_valid(shop: InMemoryShop) -> None:
    code = await request(shop)
    shop.clock.advance(seconds=40)
    shop.otp_gateway.failing = True
    with pytest.raises(OtpDeliveryFailed):
        await request(shop)
    await shop.verify_otp(VerifyOtpCommand(PHONE, code))


async def test_test_numbers_use_their_fixed_code_without_delivery_or_quota() -> None:
    shop = build_in_memory_shop(
        per_phone_hourly=1, per_ip_hourly=1, test_codes={"+919999999999": "123456"}
    )
    for _ in range(3):
        await shop.request_otp(RequestOtpCommand(phone="+919999999999", client_ip="1.1.1.1"))
        result = await shop.verify_otp(VerifyOtpCommand("+919999999999", "123456"))
        shop.clock.advance(seconds=31)
    assert shop.otp_gateway.sent == [] and not result.is_new
    await shop.request_otp(RequestOtpCommand(phone=PHONE, client_ip="1.1.1.1"))


async def test_test_numbers_still_obey_the_cooldown() -> None:
    shop = build_in_memory_shop(test_codes={"+919999999999": "123456"})
    await shop.request_otp(RequestOtpCommand(phone="+919999999999"))
    with pytest.raises(RateLimited):
        await shop.request_otp(RequestOtpCommand(phone="+919999999999"))


async def test_a_login_keeps_the_cooldown_of_the_code_it_used(shop: InMemoryShop) -> None:
    # API.md: a new code for the same phone at most every 30 s, logged in or not.
    await login(shop)
    shop.clock.advance(seconds=10)
    with pytest.raises(RateLimited) as refused:
        await request(shop)
    assert refused.value.retry_after == 20
    shop.clock.advance(seconds=20)
    await request(shop)
    assert len(shop.otp_gateway.sent) == 2


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(shop: InMemoryShop) -> None:
    first_access, first = await login(shop)
    rotated = await shop.refresh_session(RefreshSessionCommand(first))
    second = rotated.refresh_token
    for access in (first_access, rotated.access_token):  # valid until the reuse
        assert shop.authenticate_access(access).user_id
    with pytest.raises(Unauthenticated):
        await shop.refresh_session(RefreshSessionCommand(first))
    with pytest.raises(Unauthenticated):
        await shop.refresh_session(RefreshSessionCommand(second))
    for access in (first_access, rotated.access_token):  # every token of the login
        with pytest.raises(Unauthenticated, match="login has ended"):
            shop.authenticate_access(access)


async def test_refresh_tokens_expire_after_thirty_days(shop: InMemoryShop) -> None:
    _, refresh = await login(shop)
    shop.clock.advance(days=30)
    with pytest.raises(Unauthenticated):
        await shop.refresh_session(RefreshSessionCommand(refresh))


async def test_logout_ends_the_login_and_is_idempotent(shop: InMemoryShop) -> None:
    _, refresh = await login(shop)
    await shop.logout(LogoutCommand(refresh))
    await shop.logout(LogoutCommand(refresh))
    await shop.logout(LogoutCommand("never-issued"))
    with pytest.raises(Unauthenticated):
        await shop.refresh_session(RefreshSessionCommand(refresh))


async def test_logout_ends_the_logins_access_tokens_and_no_other_login(
    shop: InMemoryShop,
) -> None:
    ended, refresh = await login(shop)
    shop.clock.advance(seconds=31)  # the code's cooldown
    kept, _ = await login(shop)
    await shop.logout(LogoutCommand(refresh))
    with pytest.raises(Unauthenticated, match="login has ended"):
        shop.authenticate_access(ended)
    assert shop.authenticate_access(kept).login_id != shop.token_signer.verify_access(
        ended).login_id


async def test_an_expired_access_token_is_refused(shop: InMemoryShop) -> None:
    access, _ = await login(shop)
    shop.clock.advance(minutes=15)
    with pytest.raises(Unauthenticated):
        shop.token_signer.verify_access(access)


async def test_promoting_creates_an_admin_who_then_logs_in_as_existing(shop: InMemoryShop) -> None:
    admin = await shop.promote_to_admin("09876543210")
    result = await shop.verify_otp(VerifyOtpCommand(PHONE, await request(shop)))
    assert admin.is_admin and not result.is_new and result.session.user.is_admin
    assert (await shop.get_current_user(admin.id)).is_admin


async def test_a_pruned_locked_or_expired_code_still_logs_nobody_in(shop: InMemoryShop) -> None:
    locked, expired = "+919876500001", "+919876500002"
    code = await request(shop, locked)
    for _ in range(4):
        with pytest.raises(OtpInvalid):
            await shop.verify_otp(VerifyOtpCommand(locked, wrong(code)))
    with pytest.raises(OtpLocked):
        await shop.verify_otp(VerifyOtpCommand(locked, wrong(code)))
    expired_code = await request(shop, expired)
    shop.clock.advance(hours=1, seconds=1)
    with pytest.raises(OtpLocked):
        await shop.verify_otp(VerifyOtpCommand(locked, code))
    with pytest.raises(OtpExpired):
        await shop.verify_otp(VerifyOtpCommand(expired, expired_code))
    assert (await shop.prune_expired_credentials()).otp_challenges == 2
    for phone, its_code in ((locked, code), (expired, expired_code)):
        with pytest.raises(NoOtpPending):  # otp_invalid, attempts_left 0: a new code only
            await shop.verify_otp(VerifyOtpCommand(phone, its_code))


async def test_pruning_forgets_only_what_no_login_can_use(shop: InMemoryShop) -> None:
    _, refresh = await login(shop)
    other = "+919876500000"
    for _ in range(5):  # the other phone spends its hourly quota and never verifies
        await request(shop, other)
        shop.clock.advance(seconds=31)
    shop.clock.advance(minutes=10)  # every code expired, the quota window still open
    pruned = await shop.prune_expired_credentials()
    assert (pruned.refresh_tokens, pruned.otp_challenges) == (0, 0)
    with pytest.raises(RateLimited):
        await request(shop, other)

    shop.clock.advance(hours=1)  # the windows closed: both challenges (the used one of
    assert (await shop.prune_expired_credentials()).otp_challenges == 2  # PHONE too) go
    await request(shop, other)
    refreshed = (await shop.refresh_session(RefreshSessionCommand(refresh))).refresh_token

    shop.clock.advance(days=30)  # the used token expired over an hour ago, the other now
    pruned = await shop.prune_expired_credentials()
    assert (pruned.refresh_tokens, pruned.otp_challenges) == (1, 1)
    shop.clock.advance(hours=1)  # kept an hour past its expiry: a refresh may be in flight
    assert (await shop.prune_expired_credentials()).refresh_tokens == 1
    with pytest.raises(Unauthenticated):
        await shop.refresh_session(RefreshSessionCommand(refreshed))
    _, fresh = await login(shop)
    assert (await shop.prune_expired_credentials()).refresh_tokens == 0
    await shop.refresh_session(RefreshSessionCommand(fresh))
