"""The use cases' limits per client IP hold in any window of their length, not per fixed
hour or 10 minutes: a burst on both sides of a whole hour (or 10 minutes) is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcore.application.auth.request_otp import RequestOtpCommand
from shopcore.application.auth.verify_otp import FAILURE_WINDOW, VerifyOtpCommand
from shopcore.domain.errors import RateLimited
from shopcore.domain.otp import OtpRejected
from shopcore.testing import build_in_memory_shop

IP = "203.0.113.7"
MARK = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)  # a whole hour: where fixed windows turn


def phones(count: int, first: int = 0) -> list[str]:
    return [f"+9198765{n:05d}" for n in range(first, first + count)]


async def test_otp_requests_of_an_ip_are_limited_in_any_hour() -> None:
    shop = build_in_memory_shop(per_ip_hourly=3)
    shop.clock.set(MARK - timedelta(seconds=1))
    for phone in phones(3):
        await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))
    shop.clock.set(MARK + timedelta(seconds=0.5))
    with pytest.raises(RateLimited) as caught:
        await shop.request_otp(RequestOtpCommand(phones(1, 3)[0], client_ip=IP))
    assert caught.value.retry_after == 3599  # the first three leave at 13:59:59
    shop.clock.set(MARK + timedelta(minutes=59, seconds=59))
    await shop.request_otp(RequestOtpCommand(phones(1, 3)[0], client_ip=IP))


async def test_wrong_codes_of_an_ip_are_limited_in_any_ten_minutes() -> None:
    shop = build_in_memory_shop()
    shop.clock.set(MARK - timedelta(seconds=1))
    for phone in phones(20):  # no code was requested: each check fails
        with pytest.raises(OtpRejected):
            await shop.verify_otp(VerifyOtpCommand(phone, "000000", client_ip=IP))
    shop.clock.set(MARK + timedelta(seconds=0.5))
    with pytest.raises(RateLimited) as caught:
        await shop.verify_otp(VerifyOtpCommand(phones(1, 20)[0], "000000", client_ip=IP))
    assert caught.value.retry_after == FAILURE_WINDOW.total_seconds() - 1
    shop.clock.set(MARK - timedelta(seconds=1) + FAILURE_WINDOW)
    with pytest.raises(OtpRejected):  # checked again, not refused unseen
        await shop.verify_otp(VerifyOtpCommand(phones(1, 20)[0], "000000", client_ip=IP))


async def test_a_login_between_wrong_codes_gives_back_its_own_hold_only() -> None:
    # 19 wrong codes, a login 5 minutes later, a 20th wrong code at 9 minutes: 10 minutes
    # after the 19, exactly 19 fit again (the 20th still counts, the login never did).
    shop = build_in_memory_shop()
    shop.clock.set(MARK)
    for phone in phones(19):
        with pytest.raises(OtpRejected):
            await shop.verify_otp(VerifyOtpCommand(phone, "000000", client_ip=IP))
    shop.clock.set(MARK + timedelta(minutes=5))
    user = "+919812345678"
    await shop.request_otp(RequestOtpCommand(user, client_ip="198.51.100.1"))
    await shop.verify_otp(VerifyOtpCommand(user, shop.otp_gateway.last_code(user),
                                           client_ip=IP))
    shop.clock.set(MARK + timedelta(minutes=9))
    with pytest.raises(OtpRejected):
        await shop.verify_otp(VerifyOtpCommand(phones(1, 19)[0], "000000", client_ip=IP))
    shop.clock.set(MARK + FAILURE_WINDOW)
    for phone in phones(19, 100):
        with pytest.raises(OtpRejected):
            await shop.verify_otp(VerifyOtpCommand(phone, "000000", client_ip=IP))
    with pytest.raises(RateLimited) as caught:
        await shop.verify_otp(VerifyOtpCommand(phones(1, 200)[0], "000000", client_ip=IP))
    assert caught.value.retry_after == 540  # the wrong code of 9 minutes leaves at 19
