"""Property-based fuzzing of every route against the app's own OpenAPI document.

Schemathesis reads ``/schema/openapi.json`` from the app (in-process, over ASGI) and
generates valid and invalid requests for every operation, as a normal user and as an
admin who logged in through the OTP test numbers. Every answer must:

- never be a 5xx;
- conform to the document: a documented status code, its content type and its body
  schema (and the required headers);
- be an RFC 9457 problem document (``application/problem+json`` with ``type``,
  ``title``, ``status``, ``detail`` and ``code``) whenever it is an error;
- carry the request id and the security headers.

The budget is fixed and generation is derandomized, so ``make test`` stays fast and
repeatable; ``make fuzz`` (``SHOPCORE_FUZZ_EXAMPLES=500``) explores much further.
Every case found here is kept as a plain regression test in
``tests/e2e/test_fuzz_regressions.py``.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from dependency_injector import providers
from hypothesis import HealthCheck, settings
from PIL import Image
from schemathesis.python import asgi

from shopcore.adapters.memory.basics import RecordingOtpGateway
from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.application.catalog.create_product import CreateProductCommand
from shopcore.entrypoints.container import Container, build_container, close_container
from shopcore.entrypoints.http.app import create_app
from shopcore.entrypoints.http.schemas.shopping import MAX_PRODUCT_ID
from shopcore.entrypoints.settings import Settings

EXAMPLES = int(os.environ.get("SHOPCORE_FUZZ_EXAMPLES", "15"))
"""Examples per operation and role (``make fuzz`` raises it)."""

USER_PHONE, USER_CODE = "+919999999999", "123456"
ADMIN_PHONE, ADMIN_CODE = "+919999999998", "654321"
REFRESH_AFTER_SECONDS = 600
"""Access tokens live 15 minutes; long runs renew theirs through the refresh route."""

SECURITY_HEADERS = {"x-request-id", "x-content-type-options", "x-frame-options",
                    "referrer-policy"}
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code"}


# the app under test: SQLite in a temporary folder, a few products, an order


@dataclass
class Session:
    """One logged-in user, renewing the access token through the refresh route."""

    client: asgi.ASGIClient
    access_token: str
    refresh_token: str
    issued: float = field(default_factory=time.monotonic)

    def headers(self) -> dict[str, str]:
        if time.monotonic() - self.issued > REFRESH_AFTER_SECONDS:
            answer = self.client.post("/api/auth/refresh/",
                                      json={"refresh_token": self.refresh_token})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            self.access_token, self.refresh_token = body["access_token"], body["refresh_token"]
            self.issued = time.monotonic()
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class KnownIds:
    """Ids that exist in the fuzzed shop (filled in once it is seeded)."""

    products: list[int] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)


@dataclass
class FuzzedShop:
    """The two sessions of the running app."""

    user: Session
    admin: Session


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run set-up work in its own loop and thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _prepare_database(settings: Settings) -> list[int]:
    """Migrate, make the admin, add products (one with an image); the product ids."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()
    container = build_container(settings)
    try:
        await container.promote_to_admin()(ADMIN_PHONE)
        create = container.create_product()
        products = [
            await create(CreateProductCommand(name="Smartphone", price="19999.00",
                                              category="mobile", stock=500,
                                              description="Latest Android device",
                                              image=_png())),
            await create(CreateProductCommand(name="Headphones", price="2499.50",
                                              category="audio", stock=500)),
            await create(CreateProductCommand(name="Sold-out cable", price="99.00",
                                              category="accessories", stock=0)),
        ]
    finally:
        await close_container(container)
    return [product.id for product in products]


def _login(client: asgi.ASGIClient, phone: str, code: str) -> Session:
    answer = client.post("/api/auth/request-otp/", json={"phone": phone})
    assert answer.status_code == 202, answer.text
    answer = client.post("/api/auth/verify-otp/", json={"phone": phone, "otp": code})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Session(client, body["access_token"], body["refresh_token"])


def _place_order(client: asgi.ASGIClient, session: Session, product_id: int) -> str:
    answer = client.post("/api/cart/add/", headers=session.headers(),
                         json={"product_id": product_id, "quantity": 2})
    assert answer.status_code == 200, answer.text
    answer = client.post("/api/order/place/", headers=session.headers(), json={
        "shipping_address": {"name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru",
                             "state": "Karnataka", "postal_code": "560001",
                             "phone": "+91 98765 43210"}})
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["id"]
    return order_id


def fuzz_settings(folder: Path) -> Settings:
    """The settings of the fuzzed app: SQLite in ``folder``, two test numbers."""
    return Settings(
        env="test", database_url=f"sqlite+aiosqlite:///{folder / 'shop.db'}",
        secret_key="fuzz-secret-key-for-the-suite-0123456789", media_dir=folder / "media",
        otp_test_numbers={USER_PHONE: USER_CODE, ADMIN_PHONE: ADMIN_CODE},
        cors_origins=("https://shop.example",),
        # the limits answer 429 (documented, and tested in tests/e2e/test_limits.py);
        # raised here so that the generated requests reach the routes' own rules
        writes_per_minute=1_000_000, otp_verify_failures_per_ip=1_000_000,
    )


# Built at import, because schemathesis makes one test per operation of the document it
# reads when the module is collected. Nothing is opened until a request needs it: reading
# the document touches no database; the ``shop`` fixture migrates and seeds it first.
FOLDER = Path(tempfile.gettempdir()) / f"shopcore-fuzz-{uuid.uuid4().hex[:12]}"  # made by `shop`
SETTINGS = fuzz_settings(FOLDER)
CONTAINER: Container = build_container(SETTINGS)
CONTAINER.otp_gateway.override(providers.Object(RecordingOtpGateway()))
APP = create_app(container=CONTAINER)
# The tests send the bearer token themselves (as a user, as an admin), so the generated
# requests leave the Authorization header alone.
schema = schemathesis.openapi.from_asgi(
    "/schema/openapi.json", APP,
    config=schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}}))
KNOWN = KnownIds()


@pytest.fixture(scope="module")
def shop() -> Iterator[FuzzedShop]:
    """The app with products, a logged-in user with orders and a wishlist, an admin."""
    FOLDER.mkdir()
    try:
        KNOWN.products = _run(_prepare_database(SETTINGS))
        with asgi.get_client(APP) as client:
            user, admin = (_login(client, USER_PHONE, USER_CODE),
                           _login(client, ADMIN_PHONE, ADMIN_CODE))
            KNOWN.orders = [_place_order(client, user, KNOWN.products[0]),
                            _place_order(client, user, KNOWN.products[1])]
            assert client.post("/api/wishlist/", headers=user.headers(),
                               json={"product_id": KNOWN.products[1]}).status_code == 201
            yield FuzzedShop(user, admin)
    finally:
        asgi.shutdown_lifespans()  # runs the app's shutdown, which closes the container
        shutil.rmtree(FOLDER, ignore_errors=True)


def _known(values: Any) -> st.SearchStrategy[Any]:
    """Half of the valid generated ids become ids that exist, so routes get past their
    404s. Invalid ones (negative cases) stay as generated."""
    if not isinstance(values, dict):
        return st.just(values)
    swaps: dict[str, st.SearchStrategy[Any]] = {}
    product_id, order_id = values.get("product_id"), values.get("order_id")
    if KNOWN.products and type(product_id) is int and 1 <= product_id <= MAX_PRODUCT_ID:
        swaps["product_id"] = st.sampled_from(KNOWN.products)
    if KNOWN.orders and isinstance(order_id, str) and 1 <= len(order_id) <= 64:
        swaps["order_id"] = st.sampled_from(KNOWN.orders)
    if not swaps:
        return st.just(values)
    return st.one_of(st.just(values), st.fixed_dictionaries(
        {**{k: st.just(v) for k, v in values.items()}, **swaps}))


@schema.hook("flatmap_path_parameters")
def known_path_ids(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
    return _known(path_parameters)


@schema.hook("flatmap_body")
def known_body_ids(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return _known(body)


# what every answer must be, beyond the schema


@schemathesis.check
def errors_are_problem_documents(ctx: Any, response: schemathesis.Response,
                                 case: schemathesis.Case) -> bool | None:
    """Every 4xx/5xx is ``application/problem+json`` with the contract's members."""
    if response.status_code < 400 or case.operation.path == "/health/ready":
        return None  # the readiness probe's 503 body says what is down
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}")
    body = response.json()
    assert isinstance(body, dict) and body.keys() >= PROBLEM_MEMBERS, body
    assert body["status"] == response.status_code, body
    return True


@schemathesis.check
def security_headers_on_every_answer(ctx: Any, response: schemathesis.Response,
                                     case: schemathesis.Case) -> bool | None:
    """The request id and the security headers, whatever the answer."""
    missing = SECURITY_HEADERS - {name.lower() for name in response.headers}
    assert not missing, f"missing {sorted(missing)}"
    return True


DOMAIN_RULE_FIELDS = {
    # field (or prefix) -> the rule the schema cannot state, checked by the use case
    "phone": "a mobile number of the shop's region, in any common notation",
    "shipping_address.": "no control characters, a postal code of the country, an ISO "
                         "country code, a mobile number",
    "name": "text without control characters, not blank after trimming",
    "description": "text without control characters",
    "category": "text without control characters, not blank after trimming",
    "comment": "at most 2000 characters after trimming, no control characters",
    "q": "1..100 characters after trimming",
    "price": "at most two decimals, 0..99999999.99",
    "min_price": "a decimal with at most two decimals",
    "max_price": "a decimal with at most two decimals",
    "stock": "a whole number >= 0 (checked with the other fields, to name them all)",
    "quantity": "the line's total (what is in the cart plus what is added) is at most 99",
}
BUSINESS_OUTCOMES = {
    "otp_invalid", "otp_expired",  # a well-formed code that is not the right one
    "invalid_signature",  # a well-formed webhook that Razorpay did not sign
    "idempotency_key_reused",  # a key used before with another body
    "unsupported_media", "payload_too_large",  # an upload that is not a small real image
}


@schemathesis.check
def valid_requests_fail_only_on_domain_rules(ctx: Any, response: schemathesis.Response,
                                             case: schemathesis.Case) -> bool | None:
    """A request the schema calls valid may still break a rule the schema cannot state
    (a real mobile number, no control characters in text, a state such as the cart's):
    then the answer names one of those rules. Any other 400/413/415/422 means the
    document promises more than the app accepts (Schemathesis' own
    ``positive_data_acceptance`` cannot tell the two apart, so it is replaced by this)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 413, 415, 422):
        return None
    problem = response.json()
    if problem.get("code") in BUSINESS_OUTCOMES:
        return True
    assert problem.get("code") == "validation_error", f"a valid request was refused: {problem}"
    unexplained = [error["field"] for error in problem["errors"]
                   if not any(error["field"] == rule or rule.endswith(".")
                              and error["field"].startswith(rule)
                              for rule in DOMAIN_RULE_FIELDS)]
    assert not unexplained, f"the schema should refuse {unexplained} itself: {problem}"
    return True


# the fuzzing itself


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck), print_blob=True,
)
CHECKS = [errors_are_problem_documents, security_headers_on_every_answer,
          valid_requests_fail_only_on_domain_rules]
EXCLUDED = [schemathesis.checks.positive_data_acceptance]  # replaced, see above


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_as_a_user(case: schemathesis.Case, shop: FuzzedShop) -> None:
    case.call_and_validate(headers=shop.user.headers(), additional_checks=CHECKS,
                           excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_as_an_admin(case: schemathesis.Case, shop: FuzzedShop) -> None:
    case.call_and_validate(headers=shop.admin.headers(), additional_checks=CHECKS,
                           excluded_checks=EXCLUDED)
