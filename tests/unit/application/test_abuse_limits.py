"""Abuse limits in the use cases: failed OTP verifications per client IP, wishlist size."""

from __future__ import annotations

import asyncio

import pytest

from shopcore.application.auth import verify_otp
from shopcore.application.auth.request_otp import RequestOtpCommand
from shopcore.application.auth.verify_otp import FAILURE_WINDOW, VerifyOtpCommand
from shopcore.application.shopping.add_to_wishlist import (
    MAX_WISHLIST_ITEMS,
    AddToWishlistCommand,
)
from shopcore.application.shopping.list_wishlist import ListWishlistQuery
from shopcore.domain.errors import InvalidInput, RateLimited
from shopcore.domain.otp import OtpInvalid
from shopcore.testing import InMemoryShop, build_in_memory_shop
from tests.unit.application.shopping_support import ALICE, add_product, add_users

IP = "203.0.113.7"


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


async def wrong_guess(shop: InMemoryShop, phone: str, ip: str = IP) -> None:
    with pytest.raises(OtpInvalid):
        await shop.verify_otp(VerifyOtpCommand(phone, "000000", client_ip=ip))


def phones(count: int) -> list[str]:
    return [f"+9198765{n:05d}" for n in range(count)]


async def test_failed_verifications_across_phones_are_limited_per_ip(
    shop: InMemoryShop,
) -> None:
    for phone in phones(20):  # no code was requested for any: each guess fails
        await wrong_guess(shop, phone)
    with pytest.raises(RateLimited) as caught:
        await shop.verify_otp(VerifyOtpCommand("+919876500099", "000000", client_ip=IP))
    assert 1 <= caught.value.retry_after <= FAILURE_WINDOW.total_seconds()
    await wrong_guess(shop, "+919876500099", ip="198.51.100.1")  # another network is not


async def test_once_limited_even_the_right_code_waits(shop: InMemoryShop) -> None:
    phone = "+919812345678"
    await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))
    for other in phones(20):
        await wrong_guess(shop, other)
    with pytest.raises(RateLimited):
        await shop.verify_otp(VerifyOtpCommand(phone, shop.otp_gateway.last_code(phone),
                                               client_ip=IP))
    shop.clock.advance(seconds=FAILURE_WINDOW.total_seconds() + 1)
    await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))  # the first one expired
    logged_in = await shop.verify_otp(VerifyOtpCommand(
        phone, shop.otp_gateway.last_code(phone), client_ip=IP))
    assert logged_in.is_new


async def test_successful_logins_from_one_address_are_not_counted(shop: InMemoryShop) -> None:
    for phone in phones(30):  # a carrier's NAT: many users, one address
        await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))
        await shop.verify_otp(VerifyOtpCommand(phone, shop.otp_gateway.last_code(phone),
                                               client_ip=IP))
        shop.clock.advance(seconds=1)


async def test_a_wishlist_holds_at_most_200_products(shop: InMemoryShop) -> None:
    await add_users(shop)
    products = [await add_product(shop, name=f"Product {n}")
                for n in range(MAX_WISHLIST_ITEMS + 1)]
    async with shop.database.unit_of_work() as uow:
        for product in products[:MAX_WISHLIST_ITEMS - 1]:
            await uow.wishlists.add(ALICE, product.id, shop.clock.now())
        await uow.commit()
    last_room = await shop.add_to_wishlist(
        AddToWishlistCommand(ALICE, products[MAX_WISHLIST_ITEMS - 1].id))
    assert last_room.created and len(last_room.items) == MAX_WISHLIST_ITEMS
    with pytest.raises(InvalidInput) as caught:
        await shop.add_to_wishlist(AddToWishlistCommand(ALICE, products[-1].id))
    assert caught.value.errors[0].field == "product_id"
    items = await shop.list_wishlist(ListWishlistQuery(ALICE))
    assert len(items) == MAX_WISHLIST_ITEMS and products[-1].id not in {
        item.product.id for item in items}
    again = await shop.add_to_wishlist(AddToWishlistCommand(ALICE, products[0].id))
    assert not again.created  # one already there may still be "added"


async def test_concurrent_logins_from_one_address_leave_no_failure_counted(
    shop: InMemoryShop,
) -> None:
    many = phones(45)
    for phone in many:
        await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))
    logins = await asyncio.gather(*(
        shop.verify_otp(VerifyOtpCommand(phone, shop.otp_gateway.last_code(phone),
                                         client_ip=IP)) for phone in many))
    assert len(logins) == 45
    for phone in phones(20):  # every failure of the address is still there to use
        await wrong_guess(shop, phone)
    with pytest.raises(RateLimited):
        await wrong_guess(shop, "+919876500099")


async def test_failures_held_too_long_by_codes_being_checked_end_in_429(
    shop: InMemoryShop, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Codes of the address that stay "being checked" (a process that died mid-check)
    # hold its failures: a login waits for them a bounded time, then is refused.
    monkeypatch.setattr(verify_otp, "_HOLD_WAIT_S", 0)
    held = verify_otp._FailureKeys(IP)
    for n in range(20):
        assert await shop.rate_limiter.hit(held.held, 20, held.window, f"stuck-{n}") is None
    phone = "+919812345678"
    await shop.request_otp(RequestOtpCommand(phone, client_ip=IP))
    with pytest.raises(RateLimited):
        await shop.verify_otp(VerifyOtpCommand(phone, shop.otp_gateway.last_code(phone),
                                               client_ip=IP))
    await shop.rate_limiter.undo(held.held, held.window, "stuck-7")  # one was decided
    logged_in = await shop.verify_otp(VerifyOtpCommand(
        phone, shop.otp_gateway.last_code(phone), client_ip=IP))
    assert logged_in.is_new
