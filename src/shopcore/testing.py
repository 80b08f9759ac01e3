"""Shipped fakes: a complete shop in memory, for testing code that uses shopcore.

>>> shop = build_in_memory_shop()
>>> shop.otp_gateway.sent
[]

Every fake passes the same contract tests as the SQL adapters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shopcore.adapters.jwt_signer import JwtTokenSigner
from shopcore.adapters.memory.basics import (
    ManualClock,
    MemoryRateLimiter,
    RecordingOtpGateway,
    SentOtp,
    SequentialIds,
)
from shopcore.adapters.memory.unit_of_work import MemoryDatabase, MemoryUnitOfWork
from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.application.auth.current_user import GetCurrentUser, PromoteToAdmin
from shopcore.application.auth.logout import Logout
from shopcore.application.auth.refresh_session import RefreshSession
from shopcore.application.auth.request_otp import OtpPolicy, RequestOtp
from shopcore.application.auth.verify_otp import VerifyOtp

TEST_SECRET = "shopcore-testing-secret-key-0123456789abcdef"

__all__ = [
    "InMemoryShop",
    "ManualClock",
    "MemoryDatabase",
    "MemoryRateLimiter",
    "MemoryUnitOfWork",
    "RecordingOtpGateway",
    "SentOtp",
    "SequentialIds",
    "build_in_memory_shop",
]


@dataclass
class InMemoryShop:
    """Every use case wired to in-memory fakes, with the fakes at hand."""

    database: MemoryDatabase
    clock: ManualClock
    ids: SequentialIds
    otp_gateway: RecordingOtpGateway
    rate_limiter: MemoryRateLimiter
    token_signer: JwtTokenSigner
    policy: OtpPolicy
    request_otp: RequestOtp = field(init=False)
    verify_otp: VerifyOtp = field(init=False)
    refresh_session: RefreshSession = field(init=False)
    logout: Logout = field(init=False)
    get_current_user: GetCurrentUser = field(init=False)
    promote_to_admin: PromoteToAdmin = field(init=False)

    def __post_init__(self) -> None:
        uow, phones = self.database.unit_of_work, PhonenumbersPhoneParser()
        self.request_otp = RequestOtp(uow, phones, self.otp_gateway, self.rate_limiter,
                                      self.clock, self.policy)
        self.verify_otp = VerifyOtp(uow, phones, self.token_signer, self.clock, self.ids,
                                    self.policy)
        self.refresh_session = RefreshSession(uow, self.token_signer, self.clock)
        self.logout = Logout(uow)
        self.get_current_user = GetCurrentUser(uow)
        self.promote_to_admin = PromoteToAdmin(uow, phones, self.clock, self.ids)


def build_in_memory_shop(
    *,
    per_phone_hourly: int = 5,
    per_ip_hourly: int = 50,
    test_codes: Mapping[str, str] | None = None,
) -> InMemoryShop:
    """A complete shop on fakes: a manual clock, sequential ids, a recording OTP gateway."""
    clock = ManualClock()
    return InMemoryShop(
        database=MemoryDatabase(),
        clock=clock,
        ids=SequentialIds(),
        otp_gateway=RecordingOtpGateway(),
        rate_limiter=MemoryRateLimiter(now=lambda: clock.now().timestamp()),
        token_signer=JwtTokenSigner(TEST_SECRET, clock),
        policy=OtpPolicy(pepper=TEST_SECRET.encode(), per_phone_hourly=per_phone_hourly,
                         per_ip_hourly=per_ip_hourly, test_codes=dict(test_codes or {})),
    )
