"""Settings from the environment and ``.env``, validated once at start-up."""

from __future__ import annotations

import inspect
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
from dotenv import dotenv_values
from redis.asyncio.connection import Connection, parse_url
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shopcore.adapters.phone_numbers import PhonenumbersPhoneParser
from shopcore.domain.errors import InvalidInput
from shopcore.entrypoints.trusted_proxies import NotAProxyEntry, proxy_entry

ENVIRONMENTS = ("development", "test", "production")
DEV_SECRET_FILE = ".shopcore-secret"
MIN_SECRET_BYTES = 32
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./shopcore.db"


class SettingsError(Exception):
    """A setting with a wrong value; the message names it and never shows a secret."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"setting {name}: {problem}")
        self.name = name


class SettingsFileError(SettingsError):
    """The settings file (``.env``) cannot be read; ``name`` is its path."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(str(path), problem)
        self.args = (f"{path}: {problem}",)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything shopcore reads from its environment."""

    env: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default="", repr=False)
    two_factor_api_key: str | None = field(default=None, repr=False)
    two_factor_sms_template: str | None = None
    otp_test_numbers: Mapping[str, str] = field(default_factory=dict, repr=False)
    media_dir: Path = Path("./media")
    max_image_bytes: int = 5 * 1024 * 1024
    cors_origins: tuple[str, ...] = ()
    redis_url: str | None = None
    otp_per_phone_hourly: int = 5
    otp_per_ip_hourly: int = 50
    trusted_proxies: frozenset[str] = frozenset()
    """Addresses and CIDR networks (IPv4 or IPv6) of the reverse proxies whose
    ``X-Forwarded-For`` is believed, e.g. ``{"10.0.0.10", "10.1.0.0/16", "fd00::/8"}``."""
    currency: str = "INR"
    db_pool_size: int = 20
    request_timeout_seconds: int = 30
    # scale-out: pool limits, image store
    db_max_overflow: int = 10
    db_pool_timeout: int = 30
    db_pool_recycle: int = 1800
    image_store: str = "filesystem"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_public_url: str | None = None
    redis_key_prefix: str = "shopcore:"
    # payments
    payment_gateway: str = "fake"
    razorpay_key_id: str | None = None
    razorpay_key_secret: str | None = field(default=None, repr=False)
    razorpay_webhook_secret: str | None = field(default=None, repr=False)
    # hardening: abuse limits
    otp_verify_failures_per_ip: int = 20
    writes_per_minute: int = 60
    # performance: the in-process read cache (0: off; off anyway with redis_url)
    read_cache_ms: int = 1000

    @property
    def production(self) -> bool:
        """True when running as a real shop."""
        return self.env == "production"

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, workdir: Path | None = None
    ) -> Settings:
        """Read ``environ`` (default: ``os.environ`` over ``./.env``) and validate it."""
        workdir = workdir or Path.cwd()
        if environ is None:
            environ = {**_dotenv_file(workdir / ".env"), **os.environ}
        return _parse(environ, workdir)


def _dotenv_file(path: Path) -> dict[str, str]:
    try:
        values = dotenv_values(path)
    except UnicodeDecodeError:
        raise SettingsFileError(path, "is not UTF-8 text") from None
    except OSError as error:
        raise SettingsFileError(path, f"cannot be read ({error.strerror})") from None
    return {name: value for name, value in values.items() if value is not None}


def _parse(env: Mapping[str, str], workdir: Path) -> Settings:
    def get(name: str) -> str | None:
        value = env.get(name)
        return value.strip() if value is not None and value.strip() else None

    mode = get("SHOPCORE_ENV") or "development"
    if mode not in ENVIRONMENTS:
        raise SettingsError("SHOPCORE_ENV", f"must be one of {', '.join(ENVIRONMENTS)}")
    database_url = get("SHOPCORE_DATABASE_URL") or DEFAULT_DATABASE_URL
    check_database_url(database_url)
    api_key = get("TWO_FACTOR_API_KEY")
    if mode == "production" and api_key is None:
        raise SettingsError("TWO_FACTOR_API_KEY", "is required in production")
    return Settings(
        env=mode,
        database_url=database_url,
        secret_key=_secret_key(get("SHOPCORE_SECRET_KEY"), mode, workdir),
        two_factor_api_key=api_key,
        two_factor_sms_template=get("TWO_FACTOR_SMS_TEMPLATE"),
        otp_test_numbers=otp_test_numbers_setting(get("SHOPCORE_OTP_TEST_NUMBERS")),
        media_dir=Path(get("SHOPCORE_MEDIA_DIR") or "./media"),
        max_image_bytes=_integer(
            get, "SHOPCORE_MAX_IMAGE_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024
        ),
        cors_origins=_cors(get("SHOPCORE_CORS_ORIGINS")),
        redis_url=redis_url_setting(get("SHOPCORE_REDIS_URL")),
        otp_per_phone_hourly=_integer(get, "SHOPCORE_OTP_PER_PHONE_HOURLY", 5, 1, 1000),
        otp_per_ip_hourly=_integer(get, "SHOPCORE_OTP_PER_IP_HOURLY", 50, 1, 1_000_000),
        trusted_proxies=_trusted_proxies(get("SHOPCORE_TRUSTED_PROXIES")),
        currency=_currency(get("SHOPCORE_CURRENCY") or "INR"),
        db_pool_size=_integer(get, "SHOPCORE_DB_POOL_SIZE", 20, 1, 500),
        request_timeout_seconds=_integer(get, "SHOPCORE_REQUEST_TIMEOUT", 30, 1, 600),
        read_cache_ms=_integer(get, "SHOPCORE_READ_CACHE_MS", 1000, 0, 60_000),
        db_max_overflow=_integer(get, "SHOPCORE_DB_MAX_OVERFLOW", 10, 0, 500),
        db_pool_timeout=_integer(get, "SHOPCORE_DB_POOL_TIMEOUT", 30, 1, 600),
        db_pool_recycle=_integer(get, "SHOPCORE_DB_POOL_RECYCLE", 1800, 0, 86_400),
        image_store=_image_store(get),
        s3_bucket=get("SHOPCORE_S3_BUCKET"),
        s3_endpoint_url=_http_url(get, "SHOPCORE_S3_ENDPOINT_URL"),
        s3_region=get("SHOPCORE_S3_REGION"),
        s3_public_url=_http_url(get, "SHOPCORE_S3_PUBLIC_URL"),
        redis_key_prefix=_redis_key_prefix(get("SHOPCORE_REDIS_KEY_PREFIX") or "shopcore:"),
        # payments
        payment_gateway=_payment_gateway(get, mode),
        razorpay_key_id=get("RAZORPAY_KEY_ID"),
        razorpay_key_secret=get("RAZORPAY_KEY_SECRET"),
        razorpay_webhook_secret=get("RAZORPAY_WEBHOOK_SECRET"),
        # hardening: abuse limits
        otp_verify_failures_per_ip=_integer(
            get, "SHOPCORE_OTP_VERIFY_FAILURES_PER_IP", 20, 1, 1_000_000),
        writes_per_minute=_integer(get, "SHOPCORE_WRITES_PER_MINUTE", 60, 1, 1_000_000),
    )


PAYMENT_GATEWAYS = ("fake", "razorpay", "off")
RAZORPAY_SETTINGS = ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET")


def _payment_gateway(get: Callable[[str], str | None], mode: str) -> str:
    """``fake`` by default outside production; in production ``razorpay`` when any of its
    keys is set, else ``off`` (the shop takes no online payment), and never the fake,
    which takes no money. Razorpay needs all three of its keys."""
    kind = get("SHOPCORE_PAYMENT_GATEWAY") or _default_gateway(get, mode)
    if kind not in PAYMENT_GATEWAYS:
        raise SettingsError("SHOPCORE_PAYMENT_GATEWAY",
                            f"must be one of {', '.join(PAYMENT_GATEWAYS)}")
    if kind == "fake" and mode == "production":
        raise SettingsError("SHOPCORE_PAYMENT_GATEWAY", "must be razorpay or off in "
                                                        "production (the fake takes no money)")
    if kind == "razorpay":
        for name in RAZORPAY_SETTINGS:
            if get(name) is None:
                raise SettingsError(name, "is required when SHOPCORE_PAYMENT_GATEWAY is "
                                          "razorpay (the default in production when any "
                                          "RAZORPAY_ setting is given)")
    return kind


def _default_gateway(get: Callable[[str], str | None], mode: str) -> str:
    if mode != "production":
        return "fake"
    return "razorpay" if any(get(name) is not None for name in RAZORPAY_SETTINGS) else "off"


IMAGE_STORES = ("filesystem", "s3")


def _image_store(get: Callable[[str], str | None]) -> str:
    kind = get("SHOPCORE_IMAGE_STORE") or "filesystem"
    if kind not in IMAGE_STORES:
        raise SettingsError("SHOPCORE_IMAGE_STORE", f"must be one of {', '.join(IMAGE_STORES)}")
    if kind == "s3" and get("SHOPCORE_S3_BUCKET") is None:
        raise SettingsError("SHOPCORE_S3_BUCKET", "is required when SHOPCORE_IMAGE_STORE is s3")
    return kind


def _http_url(get: Callable[[str], str | None], name: str) -> str | None:
    value = get(name)
    if value is not None and not value.startswith(("http://", "https://")):
        raise SettingsError(name, "must be an http:// or https:// URL")
    return value


def redis_url_setting(value: str | None, name: str = "SHOPCORE_REDIS_URL") -> str | None:
    """``value`` if it is a Redis URL redis-py can use, else ``SettingsError`` naming
    ``name`` (the library passes its own field's name)."""
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(name, "must be a redis://, rediss:// or unix:// URL")
    _check_redis_connection_options(value, name)
    return value


def _check_redis_connection_options(url: str, name: str) -> None:
    """Read ``url`` as redis-py reads it and build (without connecting) the connection it
    describes, so that a port, an IPv6 address or an option redis-py would refuse on the
    first request stops the start instead. The messages quote no password."""
    try:
        options: dict[str, Any] = dict(parse_url(url))
        connection_class = options.pop("connection_class", Connection)
        connection_class(**options)
    except ValueError as error:  # a port, a number or an address that does not parse
        raise SettingsError(name, f"is not a valid Redis URL: {error}") from None
    except TypeError as error:  # an option no redis-py connection takes
        raise SettingsError(name,
                            f"has an option redis-py does not take: {error}") from None
    except RedisError as error:  # an SSL option with a value redis-py does not know
        raise SettingsError(name, f"is not a valid Redis URL: {error}") from None


def _redis_key_prefix(value: str) -> str:
    if len(value) > 64 or not value.isprintable() or any(c.isspace() for c in value):
        raise SettingsError("SHOPCORE_REDIS_KEY_PREFIX",
                            "must be at most 64 printable characters without spaces")
    return value


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _is_ascii_digits(text: str) -> bool:
    """Only 0-9: ``str.isdigit`` also takes ``²``, ``٣`` and ``１``, which ``int`` refuses
    or reads as another number."""
    return text.isascii() and text.isdigit()


def trusted_proxy_entries(entries: Iterable[str], name: str) -> frozenset[str]:
    """``entries`` in their normal form (see :func:`~shopcore.entrypoints.trusted_proxies.
    proxy_entry`), or ``SettingsError`` for ``name`` at the first that is neither an IP
    address nor a CIDR network."""
    normal: set[str] = set()
    for entry in entries:
        try:
            normal.add(proxy_entry(entry))
        except NotAProxyEntry as error:
            raise SettingsError(name, "must list IP addresses or CIDR networks such as "
                                      f"10.0.0.10, 10.0.0.0/8 or fd00::/8: {error}") from None
    return frozenset(normal)


def _trusted_proxies(value: str | None) -> frozenset[str]:
    return trusted_proxy_entries(_split(value), "SHOPCORE_TRUSTED_PROXIES")


def _integer(get: Callable[[str], str | None], name: str, default: int, low: int, high: int) -> int:
    raw = get(name)
    if raw is None:
        return default
    # Bounded before int(), which refuses texts of more than 4300 digits.
    digits = raw.lstrip("0") or "0"
    if not _is_ascii_digits(digits) or len(digits) > len(str(high)):
        raise SettingsError(name, f"must be a whole number between {low} and {high}")
    value = int(digits)
    if not low <= value <= high:
        raise SettingsError(name, f"must be between {low} and {high}")
    return value


def check_database_url(url: str, name: str = "SHOPCORE_DATABASE_URL") -> None:
    """A URL shopcore's engines can use, or ``SettingsError`` naming ``name``; the
    messages never quote the URL, which may hold a password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(name, "is not a database URL") from None
    except ValueError:  # a port that is not a number, an unclosed [IPv6 address]
        raise SettingsError(name, "is not a database URL: its host or port does not "
                                  "parse (an IPv6 address goes in brackets)") from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise SettingsError(name, "must use sqlite+aiosqlite:// or postgresql+asyncpg://")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise SettingsError(name, "has a port outside 1..65535")
    unknown = sorted(set(parsed.query) - POSTGRES_URL_OPTIONS)
    if parsed.drivername == "postgresql+asyncpg" and unknown:
        raise SettingsError(name, f"has options asyncpg does not take: {', '.join(unknown)}")


POSTGRES_URL_OPTIONS = (
    frozenset(inspect.signature(asyncpg.connect).parameters)
    - {"dsn", "loop", "connection_class", "record_class"}
) | {"prepared_statement_cache_size"}
"""The ``?name=value`` options of a PostgreSQL URL: what SQLAlchemy passes on to
``asyncpg.connect`` (any other name fails every connection with a ``TypeError``), and
the size of SQLAlchemy's own statement cache."""


def _secret_key(value: str | None, mode: str, workdir: Path) -> str:
    if value is not None:
        if len(value.encode()) < MIN_SECRET_BYTES:
            raise SettingsError("SHOPCORE_SECRET_KEY", f"must be at least {MIN_SECRET_BYTES} bytes")
        return value
    if mode == "production":
        raise SettingsError(
            "SHOPCORE_SECRET_KEY", f"is required in production (at least {MIN_SECRET_BYTES} bytes)"
        )
    if mode == "test":
        return secrets.token_urlsafe(48)
    return _development_secret(workdir / DEV_SECRET_FILE)


def _development_secret(path: Path) -> str:
    """The secret kept in a git-ignored file, so tokens survive a restart."""
    if path.exists():
        stored = path.read_text().strip()
        if len(stored.encode()) >= MIN_SECRET_BYTES:
            return stored
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def otp_test_numbers_setting(value: str | None, name: str = "SHOPCORE_OTP_TEST_NUMBERS"
                             ) -> dict[str, str]:
    """The comma-separated ``+E164:code`` pairs of ``value``, checked by
    :func:`checked_test_numbers`."""
    pairs = []
    for item in _split(value):
        phone, sep, code = item.partition(":")
        if not sep:
            raise SettingsError(name, _TEST_NUMBERS_FORMAT)
        pairs.append((phone, code))
    return checked_test_numbers(pairs, name)


_TEST_NUMBERS_FORMAT = "must be comma-separated +E164:6-digit-code pairs"


def checked_test_numbers(pairs: Iterable[tuple[str, str]], name: str) -> dict[str, str]:
    """The test numbers and their codes, each number one a login can use: read by the
    phone parser the container gives the use cases (a valid mobile number of an accepted
    country) and given once, each code 6 digits; else ``SettingsError`` naming ``name``.
    The messages name the number, never its code."""
    parser = PhonenumbersPhoneParser()  # as the container builds it
    checked: dict[str, str] = {}
    for given_phone, given_code in pairs:
        phone, code = given_phone.strip(), given_code.strip()
        if (
            not phone.startswith("+")
            or not _is_ascii_digits(phone[1:])
            or not (_is_ascii_digits(code) and len(code) == 6)
        ):
            raise SettingsError(name, _TEST_NUMBERS_FORMAT)
        try:
            e164 = parser.parse(phone).e164
        except InvalidInput as refused:
            reason = "; ".join(error.message for error in refused.errors)
            raise SettingsError(name, f"{phone} can never log in: {reason}") from None
        if e164 in checked:
            raise SettingsError(name, f"{phone} is given more than once")
        checked[e164] = code
    return checked


CORS_EXAMPLE = "origins such as https://shop.example or http://localhost:5173"
DEFAULT_PORTS = {"http": 80, "https": 443}


def _cors(value: str | None) -> tuple[str, ...]:
    """The origins in the form browsers send in ``Origin``, each once."""
    return tuple(dict.fromkeys(_origin(entry) for entry in _split(value)))


def _origin(entry: str) -> str:
    """``entry`` as browsers serialise an origin: scheme and host in lower case, no
    default port, no trailing ``/``. A path, query, fragment or user name makes it no
    origin; a host outside ASCII is written in its ``xn--`` (punycode) form, which is
    what browsers send."""
    name = "SHOPCORE_CORS_ORIGINS"
    if not entry.isascii():
        raise SettingsError(name, f"must list {CORS_EXAMPLE} in ASCII: write an "
                                  f"internationalised domain name in its xn-- form"
                                  f"{_punycode_hint(entry)}")
    parts = urlsplit(entry)
    try:
        port = parts.port
    except ValueError:  # not a number, or outside 0..65535
        raise SettingsError(name, f"must list {CORS_EXAMPLE}: {entry} has a bad port") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host or parts.username is not None:
        raise SettingsError(name, f"must list {CORS_EXAMPLE} (never *): not {entry}")
    if parts.path not in ("", "/") or "?" in entry or "#" in entry:
        raise SettingsError(name, f"must list {CORS_EXAMPLE}: an origin has no path, "
                                  f"query or fragment ({entry})")
    shown_host = f"[{host}]" if ":" in host else host  # an IPv6 address
    shown_port = "" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}"
    return f"{scheme}://{shown_host}{shown_port}"


def _punycode_hint(entry: str) -> str:
    """`` (xn--… for a host)`` when the standard library's IDNA codec can spell it."""
    host = urlsplit(entry).hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return f" ({ascii_host} for {host})" if ascii_host != host else ""


def _currency(value: str) -> str:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise SettingsError("SHOPCORE_CURRENCY", "must be a three-letter ISO code such as INR")
    return value
