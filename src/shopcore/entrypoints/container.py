"""The composition root: the one place that decides which adapter serves which port."""

from __future__ import annotations

import httpx
from dependency_injector import containers, providers
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.demo_images import PillowDemoImages
from shopcore.adapters.images import PillowFilesystemImageStore, PillowImageProcessor
from shopcore.adapters.jwt_signer import JwtTokenSigner
from shopcore.adapters.memory.basics import MemoryRateLimiter
from shopcore.adapters.memory.payments import FakePaymentGateway
from shopcore.adapters.otp.console import ConsoleOtpGateway
from shopcore.adapters.otp.two_factor import TwoFactorOtpGateway, build_two_factor_client
from shopcore.adapters.payments_off import PaymentsOffGateway
from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.adapters.razorpay import RazorpayPaymentGateway
from shopcore.adapters.read_cache import CachingGetCart, CachingProductCatalog, ReadCache
from shopcore.adapters.recent_carts import InProcessRecentCarts
from shopcore.adapters.redis_rate_limiter import RedisRateLimiter, build_redis_client
from shopcore.adapters.s3_images import S3ImageStore, build_s3_client, default_public_url
from shopcore.adapters.sql.engine import create_engine, is_sqlite
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.revoked_logins import SqlRevokedLogins
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.adapters.system import SystemClock, Uuid4Ids
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
from shopcore.application.ports import ImageStore, OtpGateway, RateLimiter
from shopcore.application.ports.payments import PaymentGateway
from shopcore.application.ports.unit_of_work import UnitOfWorkFactory
from shopcore.application.shopping.add_review import AddReview
from shopcore.application.shopping.add_to_cart import AddToCart
from shopcore.application.shopping.add_to_wishlist import AddToWishlist
from shopcore.application.shopping.cancel_order import CancelOrder
from shopcore.application.shopping.change_order_status import ChangeOrderStatus
from shopcore.application.shopping.delete_review import DeleteReview
from shopcore.application.shopping.get_order import GetOrder
from shopcore.application.shopping.list_orders import ListOrders
from shopcore.application.shopping.list_reviews import ListReviews
from shopcore.application.shopping.list_wishlist import ListWishlist
from shopcore.application.shopping.place_order import PlaceOrder
from shopcore.application.shopping.remove_from_cart import RemoveFromCart
from shopcore.application.shopping.remove_from_wishlist import RemoveFromWishlist
from shopcore.application.shopping.seed_demo_orders import SeedDemoOrders
from shopcore.application.shopping.update_cart_line import UpdateCartLine
from shopcore.entrypoints.settings import Settings


def _engine(settings: Settings) -> AsyncEngine:
    return create_engine(settings.database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow,
                         pool_timeout=settings.db_pool_timeout,
                         pool_recycle=settings.db_pool_recycle)


def _catalog_engine(settings: Settings, engine: AsyncEngine) -> AsyncEngine:
    """The catalog's read side. On SQLite an engine of its own whose queries (lists,
    searches and best sellers, whose cost grows with the catalog) run on a driver
    thread, so that a long one does not hold up the event loop; elsewhere ``engine``."""
    if not is_sqlite(engine):
        return engine
    return create_engine(settings.database_url, on_thread=True)


def _unlocked_unit_of_work(engine: AsyncEngine, autocommit: UnitOfWorkFactory
                           ) -> UnitOfWorkFactory | None:
    """What AddToCart and PlaceOrder try first, without the cart's lock: the autocommit
    unit of work on PostgreSQL (two round trips instead of four); none on SQLite, whose
    writers take turns anyway, so that the conditional write would only cost more there."""
    return None if is_sqlite(engine) else autocommit


def _read_cache(settings: Settings) -> ReadCache:
    """Hot read results for ``read_cache_ms``, emptied by every commit of this process;
    off (TTL 0) when several processes serve the shop, which Redis stands for."""
    shared = settings.redis_url is not None
    return ReadCache(0 if shared else settings.read_cache_ms / 1000)


def _redis_client(settings: Settings) -> Redis | None:
    """The shared Redis (no connection is made until first use), or None without one."""
    if settings.redis_url is None:
        return None
    return build_redis_client(settings.redis_url)


def _rate_limiter(settings: Settings, redis: Redis | None) -> RateLimiter:
    """Counters every process shares when Redis is configured; else this process's own."""
    if redis is None:
        return MemoryRateLimiter()
    return RedisRateLimiter(redis, prefix=f"{settings.redis_key_prefix}rl:")


def _otp_gateway(settings: Settings, client: httpx.AsyncClient) -> OtpGateway:
    if settings.two_factor_api_key is None:
        return ConsoleOtpGateway()
    return TwoFactorOtpGateway(client, settings.two_factor_api_key,
                               sms_template=settings.two_factor_sms_template)


def _otp_policy(settings: Settings) -> OtpPolicy:
    return OtpPolicy(
        pepper=settings.secret_key.encode(),
        per_phone_hourly=settings.otp_per_phone_hourly,
        per_ip_hourly=settings.otp_per_ip_hourly,
        test_codes=dict(settings.otp_test_numbers),
        verify_failures_per_ip=settings.otp_verify_failures_per_ip,
    )


def _payment_gateway(settings: Settings, client: httpx.AsyncClient) -> PaymentGateway:
    """Razorpay when selected (settings made sure its keys are there), none when payments
    are off, else the fake, which takes no money (refused in production by the
    settings)."""
    if settings.payment_gateway == "off":
        return PaymentsOffGateway()
    if settings.payment_gateway == "razorpay":
        assert settings.razorpay_key_id and settings.razorpay_key_secret
        assert settings.razorpay_webhook_secret
        return RazorpayPaymentGateway(client, settings.razorpay_key_id,
                                      settings.razorpay_key_secret,
                                      settings.razorpay_webhook_secret)
    return FakePaymentGateway(
        key_id=settings.razorpay_key_id or "rzp_test_fake",
        key_secret=settings.razorpay_key_secret or "fake-key-secret",
        webhook_secret=settings.razorpay_webhook_secret or "fake-webhook-secret")


def _image_store(settings: Settings) -> ImageStore:
    """The local media folder, or an S3-compatible bucket (SHOPCORE_IMAGE_STORE=s3)."""
    if settings.image_store == "s3" and settings.s3_bucket is not None:
        public_url = settings.s3_public_url or default_public_url(
            settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region)
        client = build_s3_client(endpoint_url=settings.s3_endpoint_url, region=settings.s3_region)
        return S3ImageStore(client, settings.s3_bucket, public_url,
                            processor=PillowImageProcessor(max_bytes=settings.max_image_bytes))
    return PillowFilesystemImageStore(settings.media_dir, max_bytes=settings.max_image_bytes)


class Container(containers.DeclarativeContainer):
    """Adapters as singletons/resources, use cases as (stateless) singletons."""

    settings = providers.Dependency(instance_of=Settings)

    # Created lazily (neither connects on creation); closed by `close_container`.
    engine = providers.Singleton(_engine, settings)
    catalog_engine = providers.Singleton(_catalog_engine, settings, engine)
    http_client = providers.Singleton(build_two_factor_client)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid4Ids)
    phones = providers.Singleton(PhonenumbersPhoneParser)
    redis_client = providers.Singleton(_redis_client, settings)
    rate_limiter = providers.Singleton(_rate_limiter, settings, redis_client)
    otp_gateway = providers.Singleton(_otp_gateway, settings, http_client)
    otp_policy = providers.Singleton(_otp_policy, settings)
    token_signer = providers.Singleton(
        JwtTokenSigner, settings.provided.secret_key, clock)

    read_cache = providers.Singleton(_read_cache, settings)
    unit_of_work = providers.Factory(SqlUnitOfWork, engine, settings.provided.currency,
                                     on_commit=read_cache.provided.invalidate)
    read_unit_of_work = providers.Factory(
        SqlUnitOfWork, engine, settings.provided.currency, read_only=True)
    """For use cases that only read (SQLite: no write lock taken)."""
    autocommit_unit_of_work = providers.Factory(
        SqlUnitOfWork, engine, settings.provided.currency, autocommit=True,
        on_commit=read_cache.provided.invalidate)
    """For use cases whose one write is conditional on what they read (PostgreSQL: every
    statement its own transaction)."""
    unlocked_unit_of_work = providers.Callable(
        _unlocked_unit_of_work, engine, autocommit_unit_of_work.provider)
    """What AddToCart and PlaceOrder try first, or None (SQLite)."""

    request_otp = providers.Singleton(
        RequestOtp, unit_of_work.provider, phones, otp_gateway, rate_limiter, clock, otp_policy)
    verify_otp = providers.Singleton(
        VerifyOtp, unit_of_work.provider, phones, token_signer, clock, ids, otp_policy,
        rate_limiter)
    revoked_logins = providers.Singleton(
        SqlRevokedLogins, engine, clock, token_signer.provided.access_lifetime_seconds)
    """Refreshed from the database by the served app (``keep_refreshed``)."""
    authenticate_access = providers.Singleton(AuthenticateAccess, token_signer, revoked_logins)
    refresh_session = providers.Singleton(
        RefreshSession, unit_of_work.provider, token_signer, clock, revoked_logins)
    logout = providers.Singleton(Logout, unit_of_work.provider, revoked_logins)
    get_current_user = providers.Singleton(GetCurrentUser, read_unit_of_work.provider)
    promote_to_admin = providers.Singleton(
        PromoteToAdmin, unit_of_work.provider, phones, clock, ids)
    prune_expired_credentials = providers.Singleton(
        PruneExpiredCredentials, unit_of_work.provider, clock)

    # payments (before shopping: cancelling a paid order refunds it)
    payment_gateway = providers.Singleton(_payment_gateway, settings, http_client)
    payment_refunds = providers.Singleton(
        PaymentRefunds, unit_of_work.provider, payment_gateway, clock)
    pay_for_order = providers.Singleton(
        PayForOrder, unit_of_work.provider, payment_gateway, clock, ids)
    confirm_checkout = providers.Singleton(
        ConfirmCheckout, unit_of_work.provider, payment_gateway, clock)
    handle_razorpay_webhook = providers.Singleton(
        HandleRazorpayWebhook, unit_of_work.provider, payment_gateway, payment_refunds, clock)
    retry_refunds = providers.Singleton(RetryRefunds, unit_of_work.provider, payment_refunds)

    # shopping
    get_cart = providers.Singleton(
        CachingGetCart, read_unit_of_work.provider, settings.provided.currency, read_cache)
    recent_carts = providers.Singleton(InProcessRecentCarts)
    add_to_cart = providers.Singleton(
        AddToCart, unit_of_work.provider, clock, settings.provided.currency,
        unlocked_uow=unlocked_unit_of_work, recent=recent_carts)
    update_cart_line = providers.Singleton(
        UpdateCartLine, unit_of_work.provider, clock, settings.provided.currency)
    remove_from_cart = providers.Singleton(
        RemoveFromCart, unit_of_work.provider, settings.provided.currency)
    place_order = providers.Singleton(
        PlaceOrder, unit_of_work.provider, clock, ids, phones, settings.provided.currency,
        unlocked_uow=unlocked_unit_of_work, recent=recent_carts)
    cancel_order = providers.Singleton(CancelOrder, unit_of_work.provider, clock, payment_refunds)
    list_orders = providers.Singleton(ListOrders, read_unit_of_work.provider)
    get_order = providers.Singleton(GetOrder, read_unit_of_work.provider)
    change_order_status = providers.Singleton(ChangeOrderStatus, unit_of_work.provider, clock)
    add_to_wishlist = providers.Singleton(AddToWishlist, unit_of_work.provider, clock)
    remove_from_wishlist = providers.Singleton(RemoveFromWishlist, unit_of_work.provider)
    list_wishlist = providers.Singleton(ListWishlist, read_unit_of_work.provider)
    add_review = providers.Singleton(AddReview, unit_of_work.provider, clock)
    delete_review = providers.Singleton(DeleteReview, unit_of_work.provider)
    list_reviews = providers.Singleton(ListReviews, read_unit_of_work.provider)
    seed_demo_orders = providers.Singleton(
        SeedDemoOrders, unit_of_work.provider, clock, settings.provided.currency)

    # catalog
    image_store = providers.Singleton(_image_store, settings)
    demo_images = providers.Singleton(PillowDemoImages)
    product_catalog = providers.Singleton(
        CachingProductCatalog,
        providers.Singleton(SqlProductCatalog, catalog_engine, settings.provided.currency),
        read_cache)
    create_product = providers.Singleton(
        CreateProduct, unit_of_work.provider, image_store, clock, settings.provided.currency)
    update_product = providers.Singleton(
        UpdateProduct, unit_of_work.provider, clock, settings.provided.currency)
    archive_product = providers.Singleton(ArchiveProduct, unit_of_work.provider, clock)
    get_product = providers.Singleton(GetProduct, product_catalog)
    list_products = providers.Singleton(
        ListProducts, product_catalog, settings.provided.currency)
    search_products = providers.Singleton(SearchProducts, product_catalog)
    most_bought_products = providers.Singleton(MostBoughtProducts, product_catalog, clock)
    seed_demo_catalog = providers.Singleton(
        SeedDemoCatalog, unit_of_work.provider, image_store, demo_images, clock,
        settings.provided.currency)


def build_container(settings: Settings) -> Container:
    """A container for ``settings``; close it with :func:`close_container`."""
    return Container(settings=settings)


async def close_container(container: Container) -> None:
    """Close the database pools and the HTTP client (on shutdown)."""
    engine, catalog_engine = container.engine(), container.catalog_engine()
    await engine.dispose()
    if catalog_engine is not engine:
        await catalog_engine.dispose()
    container.catalog_engine.reset()
    await container.http_client().aclose()
    redis = container.redis_client()
    if redis is not None:
        await redis.aclose()
    container.redis_client.reset()
    container.engine.reset()
    container.http_client.reset()
