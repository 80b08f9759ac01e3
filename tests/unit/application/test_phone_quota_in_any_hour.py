"""RequestOtp's per-phone quota holds in any hour, not in a fixed window from the phone's
first code: a burst on both sides of where such a window would close is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcore.application.auth.request_otp import RequestOtpCommand
from shopcore.application.auth.verify_otp import VerifyOtpCommand
from shopcore.domain.errors import RateLimited
from shopcore.testing import InMemoryShop, build_in_memory_shop

PHONE = "+919876543210"
IP = "203.0.113.7"


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 1, 1, hour, minute, second, tzinfo=UTC)


async def request_at(shop: InMemoryShop, moment: datetime, phone: str = PHONE) -> None:
    shop.clock.set(moment)
    await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))


async def refused_at(shop: InMemoryShop, moment: datetime, phone: str = PHONE) -> int:
    """The Retry-After of a request at ``moment`` that must be refused."""
    shop.clock.set(moment)
    sent = len(shop.otp_gateway.sent)
    with pytest.raises(RateLimited) as caught:
        await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))
    assert len(shop.otp_gateway.sent) == sent
    return caught.value.retry_after


BURST = [at(10, 57) + timedelta(seconds=31 * n) for n in range(5)]
"""10:57:00, 10:57:31, 10:58:02, 10:58:33, 10:59:04: five codes, 31 s apart."""


async def test_a_phone_gets_no_code_until_the_first_of_its_last_five_is_an_hour_old() -> None:
    shop = build_in_memory_shop()
    for moment in BURST:
        await request_at(shop, moment)
    shop.clock.set(at(10, 59, 30))  # a login in between gives nothing back
    await shop.verify_otp(VerifyOtpCommand(PHONE, shop.otp_gateway.last_code(PHONE)))

    assert await refused_at(shop, at(11, 0, 5)) == 56 * 60 + 55  # until 11:57:00
    assert await refused_at(shop, at(11, 56, 59)) == 1
    await request_at(shop, at(11, 57))  # 10:57:00 is an hour old: the sixth code
    assert await refused_at(shop, at(11, 57, 10)) == 20  # the resend cooldown still holds
    await request_at(shop, at(11, 57, 31))  # 10:57:31 is an hour old too
    assert await refused_at(shop, at(11, 58, 1)) == 1  # 10:58:02 leaves at 11:58:02
    assert len(shop.otp_gateway.sent) == 7


async def test_five_codes_before_a_window_would_close_and_five_after_are_refused() -> None:
    # A fixed window from the first code (10:00:00) would close at 11:00:00 and give five
    # more codes at once: ten in four minutes.
    shop = build_in_memory_shop()
    await request_at(shop, at(10, 0))
    for moment in BURST[:4]:
        await request_at(shop, moment)
    assert await refused_at(shop, BURST[4]) == 56  # five in the hour until 11:00:00

    await request_at(shop, at(11, 0, 5))  # the code of 10:00:00 left the hour
    assert await refused_at(shop, at(11, 0, 36)) == 56 * 60 + 24  # 10:57:00 leaves at 11:57
    assert await refused_at(shop, at(11, 30)) == 27 * 60
    await request_at(shop, at(11, 57))
    assert len(shop.otp_gateway.sent) == 7


async def test_refusals_for_a_phone_take_nothing_from_its_network() -> None:
    # The per-IP quota counts the codes sent from the address, in any hour, as before.
    shop = build_in_memory_shop(per_ip_hourly=7)
    for moment in BURST:
        await request_at(shop, moment)
    await refused_at(shop, at(11, 0))
    await request_at(shop, at(11, 0), "+919812345678")
    await request_at(shop, at(11, 0), "+919812345679")
    shop.clock.set(at(11, 0))
    with pytest.raises(RateLimited, match="network"):
        await shop.request_otp(RequestOtpCommand("+919812345670", client_ip=IP))
    await request_at(shop, at(11, 57, 1), "+919812345670")  # 10:57:00 left this hour too


async def test_pruning_keeps_a_challenge_with_a_send_in_the_last_hour() -> None:
    shop = build_in_memory_shop(per_phone_hourly=3)
    for moment in (at(10, 0), at(10, 50), at(10, 51)):
        await request_at(shop, moment)
    shop.clock.set(at(11, 0, 30))  # every code expired, the first send an hour old
    assert (await shop.prune_expired_credentials()).otp_challenges == 0
    await request_at(shop, at(11, 0, 30))
    assert await refused_at(shop, at(11, 1)) == 49 * 60  # until 10:50 is an hour old
    shop.clock.set(at(12, 1))
    assert (await shop.prune_expired_credentials()).otp_challenges == 1
