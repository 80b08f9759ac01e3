"""shopcore as a library: ``bootstrap(settings) -> Shop``, a shop wired to real adapters::

    import shopcore
    from shopcore.application import SearchProductsQuery

    async with shopcore.bootstrap(database_url="sqlite+aiosqlite:///shop.db") as shop:
        await shop.migrate()
        page = await shop.search_products(SearchProductsQuery(q="kettle"))

The wiring comes from the same composition root as the HTTP API
(``entrypoints/container.py``), so a library call and an HTTP request run the same use
case on the same adapters. Nothing here imports the web framework.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict, Unpack

from dependency_injector import providers
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.application.ports import (
    Clock,
    ImageStore,
    OtpGateway,
    PaymentGateway,
    ProductCatalog,
)
from shopcore.application.use_cases import ShopUseCases, use_case_types
from shopcore.entrypoints.container import Container, build_container, close_container
from shopcore.entrypoints.settings import (
    ENVIRONMENTS,
    IMAGE_STORES,
    MIN_SECRET_BYTES,
    PAYMENT_GATEWAYS,
    Settings,
    SettingsError,
    check_database_url,
    checked_test_numbers,
    redis_url_setting,
    trusted_proxy_entries,
)

__all__ = ["SettingsValues", "Shop", "bootstrap"]


PORT_NAMED_SETTINGS = frozenset({"image_store", "payment_gateway"})
"""Settings whose names :func:`bootstrap` keeps for its port keywords: choose these
adapters by name in a ``Settings`` (``bootstrap(Settings(payment_gateway="razorpay"))``)."""


class SettingsValues(TypedDict, total=False):
    """The fields of :class:`~shopcore.entrypoints.settings.Settings`, as keyword
    arguments of :func:`bootstrap` (``bootstrap(database_url=..., currency=...)``),
    except ``image_store`` and ``payment_gateway`` (those keywords take a port)."""

    env: str
    database_url: str
    secret_key: str
    two_factor_api_key: str | None
    two_factor_sms_template: str | None
    otp_test_numbers: Mapping[str, str]
    media_dir: Path | str
    max_image_bytes: int
    cors_origins: tuple[str, ...]
    redis_url: str | None
    otp_per_phone_hourly: int
    otp_per_ip_hourly: int
    trusted_proxies: frozenset[str]
    currency: str
    db_pool_size: int
    request_timeout_seconds: int
    db_max_overflow: int
    db_pool_timeout: int
    db_pool_recycle: int
    s3_bucket: str | None
    s3_endpoint_url: str | None
    s3_region: str | None
    s3_public_url: str | None
    redis_key_prefix: str
    razorpay_key_id: str | None
    razorpay_key_secret: str | None
    razorpay_webhook_secret: str | None
    otp_verify_failures_per_ip: int
    writes_per_minute: int
    read_cache_ms: int


class Shop(ShopUseCases):
    """Every use case of the shop on its database, one attribute each (see
    :class:`~shopcore.application.ShopUseCases`), made by :func:`bootstrap`.

    ``await shop.migrate()`` creates or upgrades the schema; ``await shop.aclose()``
    (or leaving ``async with shop:``) closes the database pool and the HTTP clients.
    Use cases are safe to call concurrently from one event loop.
    """

    settings: Settings
    """The settings the shop runs with (after the defaults ``bootstrap`` fills in)."""

    def __init__(self, settings: Settings, container: Container) -> None:
        """Take every use case from ``container`` (use :func:`bootstrap` instead)."""
        self.settings = settings
        self._container = container
        self._closed = False
        for name, kind in use_case_types().items():
            use_case = getattr(container, name)()
            if not isinstance(use_case, kind):
                raise TypeError(f"the container's {name} is a {type(use_case).__name__}, "
                                f"not a {kind.__name__}")
            setattr(self, name, use_case)

    async def migrate(self) -> None:
        """Create or upgrade the database schema to the newest migration (Alembic).

        Safe to run on every start, also from several processes at once (PostgreSQL
        takes an advisory lock; SQLite serialises writers)."""
        await upgrade_database(self._container.engine())

    async def aclose(self) -> None:
        """Close the database pool and the HTTP clients. Idempotent; do not call use
        cases afterwards."""
        if self._closed:
            return
        self._closed = True
        await close_container(self._container)

    def __repr__(self) -> str:
        url = make_url(self.settings.database_url).render_as_string(hide_password=True)
        return f"<Shop on {url}>"


def bootstrap(
    settings: Settings | None = None,
    /,
    *,
    otp_gateway: OtpGateway | None = None,
    image_store: ImageStore | None = None,
    payment_gateway: PaymentGateway | None = None,
    clock: Clock | None = None,
    product_catalog: ProductCatalog | None = None,
    **values: Unpack[SettingsValues],
) -> Shop:
    """A shop on real adapters: the database of ``settings.database_url``, the OTP
    gateway, image store and payment gateway the settings select.

    ``settings`` defaults to ``Settings()`` (never the environment; pass
    ``Settings.load()`` for that); keyword ``values`` replace single fields, so
    ``bootstrap(database_url="sqlite+aiosqlite:///shop.db")`` is enough (the
    ``image_store`` and ``payment_gateway`` settings, which pick an adapter by name,
    go in the ``Settings``: those keywords take a port). Plain
    ``sqlite://`` and ``postgresql://`` URLs get the async driver. Without a
    ``secret_key`` a random one is made (tokens then do not outlive the process);
    production requires one.

    The keyword ports replace the adapter the settings would pick, for every use case
    that needs it: ``otp_gateway`` (deliver codes your way), ``image_store``,
    ``payment_gateway``, ``clock`` and ``product_catalog`` (the read side of the
    catalog: list, detail, search, best sellers).

    Raises ``SettingsError`` naming the first wrong setting. Nothing connects until
    the first use case (or ``migrate``) runs; close the shop with ``aclose()`` or
    ``async with``.
    """
    for name, chosen_by_name in (("image_store", image_store),
                                 ("payment_gateway", payment_gateway)):
        if isinstance(chosen_by_name, str):
            raise TypeError(f"bootstrap({name}=...) takes a port object; to choose the "
                            f"adapter by name use bootstrap(Settings({name}="
                            f"{chosen_by_name!r}))")
    chosen = _library_settings(settings or Settings(), values,
                               own_otp_gateway=otp_gateway is not None,
                               own_payment_gateway=payment_gateway is not None)
    container = build_container(chosen)
    overrides = {"otp_gateway": otp_gateway, "image_store": image_store,
                 "payment_gateway": payment_gateway, "clock": clock,
                 "product_catalog": product_catalog}
    for name, port in overrides.items():
        if port is not None:
            getattr(container, name).override(providers.Object(port))
    return Shop(chosen, container)


def _library_settings(
    settings: Settings,
    values: Mapping[str, object],
    *,
    own_otp_gateway: bool,
    own_payment_gateway: bool,
) -> Settings:
    """``settings`` with ``values`` applied, checked as ``Settings.load`` checks the
    environment (messages name the field), with a random secret when none is set. The
    database URL, the Redis URL and the OTP test numbers go through the server's own
    checks, naming the library's fields."""
    fields = {f.name for f in dataclasses.fields(Settings)} - PORT_NAMED_SETTINGS
    unknown = sorted(set(values) - fields)
    if unknown:
        raise TypeError(f"bootstrap() got unknown settings: {', '.join(unknown)}")
    chosen = dataclasses.replace(settings, **values)  # type: ignore[arg-type]
    if chosen.env not in ENVIRONMENTS:
        raise SettingsError("env", f"must be one of {', '.join(ENVIRONMENTS)}")
    production = chosen.env == "production"
    secret_key = chosen.secret_key
    if not secret_key:
        if production:
            raise SettingsError("secret_key", "is required in production")
        secret_key = secrets.token_urlsafe(48)
    if len(secret_key.encode()) < MIN_SECRET_BYTES:
        raise SettingsError("secret_key", f"must be at least {MIN_SECRET_BYTES} bytes")
    if production and chosen.two_factor_api_key is None and not own_otp_gateway:
        raise SettingsError("two_factor_api_key",
                            "is required in production (or pass otp_gateway=...)")
    _check_payments(chosen, production=production, own_gateway=own_payment_gateway)
    if chosen.image_store not in IMAGE_STORES:
        raise SettingsError("image_store", f"must be one of {', '.join(IMAGE_STORES)}")
    if chosen.image_store == "s3" and chosen.s3_bucket is None:
        raise SettingsError("s3_bucket", "is required when image_store is s3")
    currency = chosen.currency
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise SettingsError("currency", "must be a three-letter ISO code such as INR")
    database_url = _async_database_url(chosen.database_url)
    check_database_url(database_url, "database_url")
    redis_url = redis_url_setting(chosen.redis_url, "redis_url")
    otp_test_numbers = checked_test_numbers(chosen.otp_test_numbers.items(), "otp_test_numbers")
    return dataclasses.replace(
        chosen, database_url=database_url, redis_url=redis_url,
        secret_key=secret_key, media_dir=Path(chosen.media_dir),
        otp_test_numbers=otp_test_numbers,
        trusted_proxies=trusted_proxy_entries(chosen.trusted_proxies, "trusted_proxies"))


def _check_payments(settings: Settings, *, production: bool, own_gateway: bool) -> None:
    if own_gateway:
        return
    if settings.payment_gateway not in PAYMENT_GATEWAYS:
        raise SettingsError("payment_gateway", f"must be one of {', '.join(PAYMENT_GATEWAYS)}")
    if settings.payment_gateway == "fake" and production:
        raise SettingsError("payment_gateway", "must be razorpay in production (the fake "
                                               "gateway takes no money), or pass "
                                               "payment_gateway=...")
    if settings.payment_gateway == "razorpay":
        for name in ("razorpay_key_id", "razorpay_key_secret", "razorpay_webhook_secret"):
            if getattr(settings, name) is None:
                raise SettingsError(name, "is required when payment_gateway is razorpay")


_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "sqlite+aiosqlite": "sqlite+aiosqlite",
                  "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg",
                  "postgresql+asyncpg": "postgresql+asyncpg"}


def _async_database_url(url: str) -> str:
    """``url`` with the async driver shopcore uses (``sqlite://`` -> ``sqlite+aiosqlite://``,
    ``postgresql://`` -> ``postgresql+asyncpg://``); any other URL, or one that does not
    parse, is returned as it is, for the server's check to refuse."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None or driver == parsed.drivername:
        return url
    return parsed.set(drivername=driver).render_as_string(hide_password=False)
