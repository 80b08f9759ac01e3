"""shopcore as a library: ``bootstrap`` on a real database, its settings, its overrides,
and the promise that the web framework is never imported."""

from __future__ import annotations

import dataclasses
import importlib
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import shopcore
from shopcore.application import (
    AddToCartCommand,
    BestSeller,
    CreateProductCommand,
    GetCartQuery,
    ListProductsQuery,
    MostBoughtQuery,
    Page,
    PageRequest,
    PayForOrderCommand,
    PlaceOrderCommand,
    ProductFilters,
    RequestOtpCommand,
    SearchProductsQuery,
    ShippingAddressInput,
    ShopUseCases,
    VerifyOtpCommand,
    use_case_types,
)
from shopcore.domain import Product, SearchTerms
from shopcore.entrypoints.container import Container
from shopcore.shop import PORT_NAMED_SETTINGS, SettingsValues
from shopcore.testing import (
    FakePaymentGateway,
    ManualClock,
    MemoryImageStore,
    RecordingOtpGateway,
    build_in_memory_shop,
)

ROOT = Path(__file__).resolve().parents[2]
TEST_PHONE, TEST_CODE = "+919999999999", "123456"
PNG = b"\x89PNG\r\n\x1a\n" + b"not really decoded by the memory store"


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'library.db'}"


@pytest.fixture
async def shop(database_url: str, engine: AsyncEngine, tmp_path: Path
               ) -> AsyncIterator[shopcore.Shop]:
    """A shop on an empty, migrated database of each engine (``engine`` empties it)."""
    async with shopcore.bootstrap(database_url=database_url, media_dir=tmp_path / "media",
                                  otp_test_numbers={TEST_PHONE: TEST_CODE}) as opened:
        yield opened


async def log_in(shop: ShopUseCases, phone: str = TEST_PHONE, code: str = TEST_CODE) -> str:
    await shop.request_otp(RequestOtpCommand(phone=phone))
    logged_in = await shop.verify_otp(VerifyOtpCommand(phone=phone, otp=code))
    return logged_in.session.user.id


def address() -> ShippingAddressInput:
    return ShippingAddressInput(name="Asha", line1="1 MG Road", city="Pune", state="MH",
                                postal_code="411001", phone=TEST_PHONE)


# --- the whole flow, on both engines -----------------------------------------------------


async def test_a_bootstrapped_shop_logs_in_fills_a_cart_and_places_an_order(
        shop: shopcore.Shop) -> None:
    await shop.migrate()  # already migrated: running it again changes nothing
    kettle = await shop.create_product(CreateProductCommand(
        name="Steel Kettle", price="499.00", category="kitchen", stock=5))
    user_id = await log_in(shop)

    total = await shop.add_to_cart(AddToCartCommand(user_id, kettle.id, quantity=2))
    assert total.total.minor == 99800 and total.total.currency == "INR"
    assert (await shop.get_cart(GetCartQuery(user_id))) == total

    placed = await shop.place_order(PlaceOrderCommand(user_id, address()))
    assert placed.order.total.minor == 99800 and not placed.replayed
    assert (await shop.get_cart(GetCartQuery(user_id))).lines == ()

    found = await shop.search_products(SearchProductsQuery(q="kett"))
    assert [p.id for p in found.items] == [kettle.id] and found.items[0].stock == 3
    best = await shop.most_bought_products(MostBoughtQuery())
    assert [(b.product.id, b.units_sold) for b in best] == [(kettle.id, 2)]


async def test_migrate_creates_the_schema_of_a_new_sqlite_file(tmp_path: Path) -> None:
    async with shopcore.bootstrap(database_url=sqlite_url(tmp_path)) as shop:
        await shop.migrate()
        await shop.migrate()
        page = await shop.list_products(ListProductsQuery())
    assert page.count == 0 and (tmp_path / "library.db").exists()


# --- no web framework ----------------------------------------------------------------------


def test_bootstrap_and_use_cases_never_import_litestar(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import asyncio, sys
        import shopcore
        from shopcore.application import (AddToCartCommand, CreateProductCommand,
            GetCartQuery, RequestOtpCommand, SearchProductsQuery, VerifyOtpCommand)

        async def main():
            async with shopcore.bootstrap(database_url={sqlite_url(tmp_path)!r},
                    otp_test_numbers={{{TEST_PHONE!r}: {TEST_CODE!r}}}) as shop:
                await shop.migrate()
                product = await shop.create_product(CreateProductCommand(
                    name="Tea", price="10", category="grocery", stock=3))
                await shop.request_otp(RequestOtpCommand(phone={TEST_PHONE!r}))
                user = (await shop.verify_otp(VerifyOtpCommand(
                    phone={TEST_PHONE!r}, otp={TEST_CODE!r}))).session.user
                await shop.add_to_cart(AddToCartCommand(user.id, product.id, 1))
                assert (await shop.get_cart(GetCartQuery(user.id))).total_quantity == 1
                assert (await shop.search_products(SearchProductsQuery(q="tea"))).count == 1

        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.split(".")[0] == "litestar"))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_importing_shopcore_loads_neither_the_shop_nor_its_settings() -> None:
    probe = ("import sys, shopcore, shopcore.domain, shopcore.application;"
             "print(sorted(m for m in ('shopcore.shop', 'shopcore.entrypoints.settings',"
             " 'shopcore.entrypoints.container') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


# --- Shop and InMemoryShop: one list of use cases --------------------------------------------


async def test_shop_and_the_in_memory_shop_expose_the_same_use_cases(tmp_path: Path) -> None:
    names = use_case_types()
    assert len(names) >= 30
    memory = build_in_memory_shop()
    async with shopcore.bootstrap(database_url=sqlite_url(tmp_path)) as shop:
        for name, kind in names.items():
            assert isinstance(getattr(shop, name), kind), name
            assert isinstance(getattr(memory, name), kind), name
    assert isinstance(shop, ShopUseCases) and isinstance(memory, ShopUseCases)


def test_every_use_case_of_the_container_is_on_the_shop() -> None:
    """A use case added to the container but not to ShopUseCases would be unreachable
    from the library."""
    container_use_cases = {
        name for name, provider in Container.providers.items()
        if isinstance(kind := getattr(provider, "provides", None), type)
        and any(base.__module__.startswith("shopcore.application.") for base in kind.__mro__)
        and "__call__" in vars(kind)
    }
    assert container_use_cases == set(use_case_types())


async def test_the_in_memory_shop_opens_and_closes_like_a_shop() -> None:
    async with build_in_memory_shop() as shop:
        await shop.migrate()
        requested = await shop.request_otp(RequestOtpCommand(phone="+919876543210"))
        code = shop.otp_gateway.last_code(requested.phone)
        logged_in = await shop.verify_otp(VerifyOtpCommand(phone="+919876543210", otp=code))
        assert logged_in.is_new
    await shop.aclose()


# --- settings --------------------------------------------------------------------------------


def test_settings_values_cover_every_setting_but_the_adapter_names() -> None:
    """A new field of Settings needs its line in shopcore.shop.SettingsValues too."""
    fields = {f.name for f in dataclasses.fields(shopcore.Settings)}
    assert set(SettingsValues.__annotations__) == fields - PORT_NAMED_SETTINGS


async def test_a_settings_object_and_keyword_values_combine(tmp_path: Path) -> None:
    settings = shopcore.Settings(database_url=sqlite_url(tmp_path), currency="USD")
    async with shopcore.bootstrap(settings, media_dir=str(tmp_path / "m")) as shop:
        assert shop.settings.currency == "USD"
        assert shop.settings.media_dir == tmp_path / "m"
        assert shop.settings.database_url == sqlite_url(tmp_path)
        assert len(shop.settings.secret_key) >= 32  # made up: none was given
    assert settings.secret_key == ""  # the caller's object is left alone


@pytest.mark.parametrize(("given", "driver"), [
    ("sqlite:///shop.db", "sqlite+aiosqlite:///shop.db"),
    ("postgresql://u:pw@db/shop", "postgresql+asyncpg://u:pw@db/shop"),
    ("postgres://u@db/shop", "postgresql+asyncpg://u@db/shop"),
    ("postgresql+asyncpg://u@db/shop", "postgresql+asyncpg://u@db/shop"),
])
async def test_plain_database_urls_get_the_async_driver(given: str, driver: str) -> None:
    shop = shopcore.bootstrap(database_url=given)
    try:
        assert shop.settings.database_url == driver
        assert "pw" not in repr(shop)
    finally:
        await shop.aclose()


@pytest.mark.parametrize(("values", "setting"), [
    ({"database_url": "mysql://db/shop"}, "database_url"),
    ({"database_url": "not a url"}, "database_url"),
    ({"secret_key": "short"}, "secret_key"),
    ({"env": "staging"}, "env"),
    ({"currency": "rupees"}, "currency"),
    ({"env": "production"}, "secret_key"),
    ({"env": "production", "secret_key": "k" * 40}, "two_factor_api_key"),
    ({"env": "production", "secret_key": "k" * 40, "two_factor_api_key": "2f"},
     "payment_gateway"),
])
def test_a_wrong_setting_is_a_settings_error_naming_it(
        values: SettingsValues, setting: str) -> None:
    with pytest.raises(shopcore.SettingsError) as raised:
        shopcore.bootstrap(**values)
    assert raised.value.name == setting


SERVER_CHECKED = [
    ("database_url", "postgresql+asyncpg://u:pw@db:99999/shop"),  # port outside 1..65535
    ("database_url", "postgresql+asyncpg://u:pw@db:5x/shop"),  # a port that does not parse
    ("database_url", "postgresql+asyncpg://u:pw@[::1/shop"),  # an unclosed IPv6 address
    ("database_url", "postgresql+asyncpg://u:pw@db/shop?sslmod=require"),  # no such option
    ("redis_url", "http://cache:6379/0"),
    ("redis_url", "redis://cache:63x9/0"),
    ("redis_url", "redis://cache:6379/0?socket_timeot=3"),
    ("otp_test_numbers", {"+15550100": "123456"}),  # no mobile number of any country
    ("otp_test_numbers", {"+919876543210": "12345"}),  # a code of 5 digits
    ("otp_test_numbers", {"919876543210": "123456"}),  # no +
]


@pytest.mark.parametrize(("setting", "value"), SERVER_CHECKED)
def test_the_library_refuses_what_the_server_refuses_in_the_same_words(
        setting: str, value: str | dict[str, str], tmp_path: Path) -> None:
    variable = f"SHOPCORE_{setting.upper()}"
    text = value if isinstance(value, str) else ",".join(f"{n}:{c}" for n, c in value.items())
    with pytest.raises(shopcore.SettingsError) as server:
        shopcore.Settings.load({"SHOPCORE_ENV": "test", variable: text}, workdir=tmp_path)
    with pytest.raises(shopcore.SettingsError) as library:
        shopcore.bootstrap(**{setting: value})  # type: ignore[misc]
    assert library.value.name == setting
    assert str(library.value) == str(server.value).replace(variable, setting)
    assert "pw" not in str(library.value)


async def test_the_library_keeps_test_numbers_as_the_server_reads_them() -> None:
    async with shopcore.bootstrap(otp_test_numbers={"+919876543210": "123456"}) as shop:
        assert shop.settings.otp_test_numbers == {"+919876543210": "123456"}


def test_a_plain_postgres_url_is_checked_with_its_async_driver() -> None:
    with pytest.raises(shopcore.SettingsError, match="port outside 1..65535") as raised:
        shopcore.bootstrap(database_url="postgresql://u:pw@db:99999/shop")
    assert raised.value.name == "database_url"


def test_razorpay_by_name_needs_its_keys() -> None:
    with pytest.raises(shopcore.SettingsError, match="razorpay_key_id"):
        shopcore.bootstrap(shopcore.Settings(payment_gateway="razorpay"))


async def test_production_runs_with_own_gateways_instead_of_keys() -> None:
    shop = shopcore.bootstrap(env="production", secret_key="k" * 40,
                              otp_gateway=RecordingOtpGateway(),
                              payment_gateway=FakePaymentGateway())
    await shop.aclose()


def test_an_adapter_name_where_a_port_belongs_is_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match=r"Settings\(payment_gateway='razorpay'\)"):
        shopcore.bootstrap(payment_gateway="razorpay")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown settings: colour"):
        shopcore.bootstrap(colour="blue")  # type: ignore[call-arg]


async def test_aclose_is_idempotent(tmp_path: Path) -> None:
    shop = shopcore.bootstrap(database_url=sqlite_url(tmp_path))
    await shop.migrate()
    await shop.aclose()
    await shop.aclose()


# --- overriding ports --------------------------------------------------------------------------


async def test_own_otp_gateway_clock_image_store_and_payment_gateway_are_used(
        tmp_path: Path) -> None:
    otp, images, payments = RecordingOtpGateway(), MemoryImageStore(), FakePaymentGateway()
    clock = ManualClock(datetime(2030, 5, 1, 9, 30, tzinfo=UTC))
    async with shopcore.bootstrap(database_url=sqlite_url(tmp_path), otp_gateway=otp,
                                  clock=clock, image_store=images,
                                  payment_gateway=payments) as shop:
        await shop.migrate()
        product = await shop.create_product(CreateProductCommand(
            name="Lamp", price="900", category="home", stock=2, image=PNG))
        assert product.created_at == clock.now() and product.image_url in images.files

        requested = await shop.request_otp(RequestOtpCommand(phone="98765 43210"))
        assert [sent.phone for sent in otp.sent] == [requested.phone]
        user_id = (await shop.verify_otp(VerifyOtpCommand(
            phone="+919876543210", otp=otp.last_code("+919876543210")))).session.user.id

        await shop.add_to_cart(AddToCartCommand(user_id, product.id, 1))
        order = (await shop.place_order(PlaceOrderCommand(user_id, address()))).order
        checkout = await shop.pay_for_order(PayForOrderCommand(user_id, order.id))
        assert checkout.provider_order_id in payments.orders


class ShelfCatalog:
    """A read-side catalog of its own: a fixed shelf of products (say, from another
    service's search engine)."""

    def __init__(self, products: Sequence[Product]) -> None:
        self.products = list(products)

    async def list_products(self, filters: ProductFilters, page: PageRequest) -> Page[Product]:
        return Page(items=self.products, count=len(self.products), request=page)

    async def get_visible(self, product_id: int) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    async def search(self, terms: SearchTerms, page: PageRequest) -> Page[Product]:
        found = [p for p in self.products if all(t in p.name.lower() for t in terms.terms)]
        return Page(items=found, count=len(found), request=page)

    async def most_bought(self, limit: int, since: datetime | None) -> Sequence[BestSeller]:
        return []


async def test_own_product_catalog_serves_the_read_side(tmp_path: Path) -> None:
    memory = build_in_memory_shop()
    tea = await memory.create_product(CreateProductCommand(name="Green Tea", price="5",
                                                           category="grocery"))
    async with shopcore.bootstrap(database_url=sqlite_url(tmp_path),
                                  product_catalog=ShelfCatalog([tea])) as shop:
        found = await shop.search_products(SearchProductsQuery(q="green"))
        assert found.items == [tea]
        assert await shop.get_product(tea.id) == tea


# --- docs/library.md stays true --------------------------------------------------------------


def documented_errors() -> dict[str, tuple[str, int, str]]:
    """Error class -> (module it is imported from, HTTP status, problem code), as the
    guide's error table says."""
    guide = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| `([\w.]+)` \| .+? \| (\d{3}) `(\w+)` \|$", guide,
                      flags=re.MULTILINE)
    return {name: (module, int(status), code) for name, module, status, code in rows}


def test_the_guide_maps_every_error_as_the_http_layer_does() -> None:
    from shopcore.entrypoints.http.problems import DOMAIN_ERRORS, _lookup

    documented = documented_errors()
    assert {error.__name__ for error in DOMAIN_ERRORS} <= set(documented)
    for name, (module, status, code) in documented.items():
        error = getattr(importlib.import_module(module), name)
        assert (status, code) == _lookup(error), name


def test_the_guide_lists_every_use_case() -> None:
    guide = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    for name, kind in use_case_types().items():
        assert f"| `{name}` | `{kind.__name__}`" in guide, name
