"""Shipped fakes: a complete shop in memory, for testing code that uses shopcore.

>>> shop = build_in_memory_shop()
>>> shop.otp_gateway.sent
[]

``InMemoryShop`` has every use case under the same attribute names as the ``Shop`` of
``shopcore.bootstrap`` (both are ``shopcore.application.ShopUseCases``), plus its fakes
at hand: the manual clock, the recording OTP gateway, the fake payment gateway, the
image store and the in-memory database. Each fake implements one port and passes the
same contract tests as the real adapter of that port (tests/contract).
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
from shopcore.adapters.memory.catalog import MemoryProductCatalog, MemoryProductRepository
from shopcore.adapters.memory.images import MemoryImageStore, PlainDemoImages
from shopcore.adapters.memory.payments import FakePaymentGateway, MemoryPaymentRepository
from shopcore.adapters.memory.repositories import (
    MemoryOtpChallengeRepository,
    MemoryRefreshTokenRepository,
    MemoryUserRepository,
)
from shopcore.adapters.memory.shopping import (
    MemoryCartRepository,
    MemoryOrderRepository,
    MemoryReviewRepository,
    MemoryWishlistRepository,
)
from shopcore.adapters.memory.unit_of_work import MemoryDatabase, MemoryUnitOfWork
from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.adapters.recent_carts import InProcessRecentCarts
from shopcore.adapters.revoked_logins import InProcessRevokedLogins
from shopcore.application.auth.authenticate import AuthenticateAccess
from shopcore.application.auth.current_user import GetCurrentUser, PromoteToAdmin
from shopcore.application.auth.logout import Logout
from shopcore.application.auth.prune_expired import PruneExpiredCredentials
from shopcore.application.auth.refresh_session import RefreshSession
from shopcore.application.auth.request_otp import OtpPolicy, RequestOtp
from shopcore.application.auth.verify_otp import VerifyOtp
from shopcore.application.catalog.archive_product import ArchiveProduct
from shopcore.application.catalog.create_product import CreateProduct
from shopcore.application.catalog.get_product import GetProduct
from shopcore.application.catalog.list_products import ListProducts
from shopcore.application.catalog.most_bought import MostBoughtProducts
from shopcore.application.catalog.search_products import SearchProducts
from shopcore.application.catalog.seed_demo_catalog import SeedDemoCatalog
from shopcore.application.catalog.update_product import UpdateProduct
from shopcore.application.payments.confirm_checkout import ConfirmCheckout
from shopcore.application.payments.handle_razorpay_webhook import HandleRazorpayWebhook
from shopcore.application.payments.pay_for_order import PayForOrder
from shopcore.application.payments.refunds import PaymentRefunds, RetryRefunds
from shopcore.application.shopping.add_review import AddReview
from shopcore.application.shopping.add_to_cart import AddToCart
from shopcore.application.shopping.add_to_wishlist import AddToWishlist
from shopcore.application.shopping.cancel_order import CancelOrder
from shopcore.application.shopping.change_order_status import ChangeOrderStatus
from shopcore.application.shopping.delete_review import DeleteReview
from shopcore.application.shopping.get_cart import GetCart
from shopcore.application.shopping.get_order import GetOrder
from shopcore.application.shopping.list_orders import ListOrders
from shopcore.application.shopping.list_reviews import ListReviews
from shopcore.application.shopping.list_wishlist import ListWishlist
from shopcore.application.shopping.place_order import PlaceOrder
from shopcore.application.shopping.remove_from_cart import RemoveFromCart
from shopcore.application.shopping.remove_from_wishlist import RemoveFromWishlist
from shopcore.application.shopping.seed_demo_orders import SeedDemoOrders
from shopcore.application.shopping.update_cart_line import UpdateCartLine
from shopcore.application.use_cases import ShopUseCases

TEST_SECRET = "shopcore-testing-secret-key-0123456789abcdef"

__all__ = [
    "TEST_SECRET",
    "InMemoryShop",
    "build_in_memory_shop",
    # the fakes, one per port
    "FakePaymentGateway",
    "InProcessRevokedLogins",
    "JwtTokenSigner",
    "ManualClock",
    "MemoryCartRepository",
    "MemoryDatabase",
    "MemoryImageStore",
    "MemoryOrderRepository",
    "MemoryOtpChallengeRepository",
    "MemoryPaymentRepository",
    "MemoryProductCatalog",
    "MemoryProductRepository",
    "MemoryRateLimiter",
    "MemoryRefreshTokenRepository",
    "MemoryReviewRepository",
    "MemoryUnitOfWork",
    "MemoryUserRepository",
    "MemoryWishlistRepository",
    "PhonenumbersPhoneParser",
    "PlainDemoImages",
    "RecordingOtpGateway",
    "SentOtp",
    "SequentialIds",
]


@dataclass
class InMemoryShop(ShopUseCases):
    """Every use case (the attributes of ``ShopUseCases``) wired to in-memory fakes,
    with the fakes at hand. ``migrate()`` and ``aclose()`` have nothing to do."""

    database: MemoryDatabase
    clock: ManualClock
    ids: SequentialIds
    otp_gateway: RecordingOtpGateway
    rate_limiter: MemoryRateLimiter
    token_signer: JwtTokenSigner
    revoked_logins: InProcessRevokedLogins = field(init=False)
    policy: OtpPolicy
    # catalog
    images: MemoryImageStore = field(default_factory=MemoryImageStore)
    catalog: MemoryProductCatalog = field(init=False)
    # shopping
    currency: str = "INR"
    # payments
    payment_gateway: FakePaymentGateway = field(default_factory=FakePaymentGateway)
    payment_refunds: PaymentRefunds = field(init=False)

    def __post_init__(self) -> None:
        uow, phones = self.database.unit_of_work, PhonenumbersPhoneParser()
        self.request_otp = RequestOtp(uow, phones, self.otp_gateway, self.rate_limiter,
                                      self.clock, self.policy)
        self.verify_otp = VerifyOtp(uow, phones, self.token_signer, self.clock, self.ids,
                                    self.policy, self.rate_limiter)
        self.revoked_logins = InProcessRevokedLogins(self.token_signer.access_lifetime_seconds)
        self.authenticate_access = AuthenticateAccess(self.token_signer, self.revoked_logins)
        self.refresh_session = RefreshSession(uow, self.token_signer, self.clock,
                                              self.revoked_logins)
        self.logout = Logout(uow, self.revoked_logins)
        self.get_current_user = GetCurrentUser(uow)
        self.promote_to_admin = PromoteToAdmin(uow, phones, self.clock, self.ids)
        self.prune_expired_credentials = PruneExpiredCredentials(uow, self.clock)
        # catalog
        self.catalog = MemoryProductCatalog(self.database)
        self.create_product = CreateProduct(uow, self.images, self.clock, self.currency)
        self.update_product = UpdateProduct(uow, self.clock, self.currency)
        self.archive_product = ArchiveProduct(uow, self.clock)
        self.get_product = GetProduct(self.catalog)
        self.list_products = ListProducts(self.catalog, self.currency)
        self.search_products = SearchProducts(self.catalog)
        self.most_bought_products = MostBoughtProducts(self.catalog, self.clock)
        self.seed_demo_catalog = SeedDemoCatalog(uow, self.images, PlainDemoImages(), self.clock,
                                                 self.currency)
        # shopping
        self.get_cart = GetCart(uow, self.currency)
        self.recent_carts = InProcessRecentCarts()
        self.add_to_cart = AddToCart(uow, self.clock, self.currency, unlocked_uow=uow,
                                     recent=self.recent_carts)
        self.update_cart_line = UpdateCartLine(uow, self.clock, self.currency)
        self.remove_from_cart = RemoveFromCart(uow, self.currency)
        self.place_order = PlaceOrder(uow, self.clock, self.ids, phones, self.currency,
                                      unlocked_uow=uow, recent=self.recent_carts)
        self.payment_refunds = PaymentRefunds(uow, self.payment_gateway, self.clock)
        self.cancel_order = CancelOrder(uow, self.clock, self.payment_refunds)
        self.list_orders = ListOrders(uow)
        self.get_order = GetOrder(uow)
        self.change_order_status = ChangeOrderStatus(uow, self.clock)
        self.add_to_wishlist = AddToWishlist(uow, self.clock)
        self.remove_from_wishlist = RemoveFromWishlist(uow)
        self.list_wishlist = ListWishlist(uow)
        self.add_review = AddReview(uow, self.clock)
        self.delete_review = DeleteReview(uow)
        self.list_reviews = ListReviews(uow)
        self.seed_demo_orders = SeedDemoOrders(uow, self.clock, self.currency)
        # payments
        self.pay_for_order = PayForOrder(uow, self.payment_gateway, self.clock, self.ids)
        self.confirm_checkout = ConfirmCheckout(uow, self.payment_gateway, self.clock)
        self.handle_razorpay_webhook = HandleRazorpayWebhook(
            uow, self.payment_gateway, self.payment_refunds, self.clock)
        self.retry_refunds = RetryRefunds(uow, self.payment_refunds)


def build_in_memory_shop(
    *,
    per_phone_hourly: int = 5,
    per_ip_hourly: int = 50,
    test_codes: Mapping[str, str] | None = None,
    currency: str = "INR",
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
        currency=currency,
    )
