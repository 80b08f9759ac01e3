"""Razorpay over httpx: the Orders API, refunds, and both of its HMAC signatures.

What we rely on, and what we could not confirm, is written down in ``docs/payments.md``.
The key secret travels only in the ``Authorization`` header (HTTP basic auth), never in
a URL; failures become a bare ``PaymentProviderFailed`` raised outside any ``except``
block (no ``__context__`` to leak), and the log line says what went wrong with the
provider's own words shortened and any secret redacted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, NoReturn, TypeGuard
from urllib.parse import quote

import httpx

from shopcore.application.ports.payments import (
    MalformedWebhook,
    PaymentEventKind,
    ProviderEvent,
    ProviderOrder,
    ProviderRefund,
)
from shopcore.domain.money import Money
from shopcore.domain.payments import PaymentProviderFailed

DEFAULT_BASE_URL = "https://api.razorpay.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_PROVIDER_ID = 64
# Razorpay's ids are a prefix, ``_`` and letters/digits (``pay_29QQoUBi66xm2f``): ASCII
# letters, digits and ``_`` only, as the checkout body (``ProviderId``) takes them.
_PROVIDER_ID = re.compile(rf"[A-Za-z0-9_]{{1,{MAX_PROVIDER_ID}}}")
_MAX_DETAILS_LOGGED = 200
_KINDS = {kind.value: kind for kind in PaymentEventKind}

logger = logging.getLogger("shopcore.payments")


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    """The hex HMAC-SHA256 of ``message`` keyed with ``secret`` (how Razorpay signs)."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(expected_hex: str, given: str) -> bool:
    """Constant-time comparison of a computed hex signature with a received one."""
    return hmac.compare_digest(expected_hex.encode(), given.strip().encode("utf-8", "replace"))


def checkout_message(provider_order_id: str, provider_payment_id: str) -> bytes:
    """What Checkout's ``razorpay_signature`` signs: ``order_id|payment_id``."""
    return f"{provider_order_id}|{provider_payment_id}".encode()


def read_razorpay_event(raw_body: bytes) -> ProviderEvent:
    """The facts of a Razorpay webhook body (``MalformedWebhook`` if it is not one).

    Payment events carry the payment at ``payload.payment.entity`` (``id``,
    ``order_id``, ``amount`` in paise, ``currency``); refund events also carry the refund
    at ``payload.refund.entity`` (``id``, ``payment_id``, ``amount``, ``currency``).
    """
    try:
        document = json.loads(raw_body)
    except ValueError:  # includes UnicodeDecodeError
        raise MalformedWebhook("The webhook body is not JSON.") from None
    if not isinstance(document, dict) or not isinstance(document.get("event"), str):
        raise MalformedWebhook()
    name: str = document["event"]
    kind = _KINDS.get(name)
    if kind is None:
        return ProviderEvent(name=name, kind=None)
    payment = _entity(document, "payment")
    provider_order_id = _optional_id(payment.get("order_id"))
    if kind in (PaymentEventKind.REFUND_PROCESSED, PaymentEventKind.REFUND_FAILED):
        refund = _entity(document, "refund")
        return ProviderEvent(
            name=name, kind=kind, provider_order_id=provider_order_id,
            provider_payment_id=_required_id(refund.get("payment_id") or payment.get("id")),
            amount=_money(refund), refund_id=_required_id(refund.get("id")))
    return ProviderEvent(name=name, kind=kind, provider_order_id=provider_order_id,
                         provider_payment_id=_required_id(payment.get("id")),
                         amount=_money(payment))


def _entity(document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    payload = document.get("payload")
    holder = payload.get(key) if isinstance(payload, dict) else None
    entity = holder.get("entity") if isinstance(holder, dict) else None
    if not isinstance(entity, dict):
        raise MalformedWebhook(f"The webhook has no {key} entity.")
    return entity


def _optional_id(value: object) -> str | None:
    if value is None or value == "":
        return None
    return _required_id(value)


def _required_id(value: object) -> str:
    if not _is_provider_id(value):
        raise MalformedWebhook("The webhook has a missing or malformed id.")
    return value


def _money(entity: Mapping[str, Any]) -> Money:
    amount, currency = entity.get("amount"), entity.get("currency")
    if (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0
            or not isinstance(currency, str) or len(currency) != 3):
        raise MalformedWebhook("The webhook has a missing or malformed amount.")
    return Money(amount, currency.upper())


class RazorpayPaymentGateway:
    """``PaymentGateway`` on Razorpay's REST API (basic auth ``key_id:key_secret``)."""

    name = "razorpay"

    def __init__(
        self,
        client: httpx.AsyncClient,
        key_id: str,
        key_secret: str,
        webhook_secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        if not (key_id and key_secret and webhook_secret):
            raise ValueError("Razorpay needs a key id, a key secret and a webhook secret")
        self._client = client
        self._key_id = key_id
        self._key_secret = key_secret
        self._webhook_secret = webhook_secret
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"RazorpayPaymentGateway(key_id={self._key_id!r})"

    @property
    def key_id(self) -> str:
        return self._key_id

    async def create_order(self, order_id: str, amount: Money) -> ProviderOrder:
        """``POST /v1/orders`` with the amount in paise and our order id as receipt."""
        ok, document, outcome = await self._post(
            "/orders", {"amount": amount.minor, "currency": amount.currency,
                        "receipt": order_id, "notes": {"shopcore_order_id": order_id}})
        provider_order_id = document.get("id") if ok else None
        if ok and not (_is_provider_id(provider_order_id)
                       and document.get("amount") == amount.minor
                       and document.get("currency") == amount.currency):
            ok, outcome = False, "the answer lacks the order id or differs in amount/currency"
        if not ok or not isinstance(provider_order_id, str):
            self._fail("create order", order_id, outcome)
        logger.info("Razorpay order %s opened for order %s", provider_order_id, order_id)
        return ProviderOrder(provider_order_id, amount)

    async def refund(
        self, provider_payment_id: str, amount: Money, idempotency_key: str
    ) -> ProviderRefund:
        """``POST /v1/payments/{id}/refund`` for ``amount`` paise, made idempotent by the
        ``X-Refund-Idempotency`` header."""
        ok, document, outcome = await self._post(
            f"/payments/{quote(provider_payment_id, safe='')}/refund",
            {"amount": amount.minor}, headers={"X-Refund-Idempotency": idempotency_key})
        refund_id, status = (document.get("id"), document.get("status")) if ok else (None, None)
        if ok and not (_is_provider_id(refund_id) and status in ("pending", "processed")):
            ok, outcome = False, f"refund status {_printable(status)}"
        if not ok or not isinstance(refund_id, str):
            self._fail("refund", provider_payment_id, outcome)
        logger.info("Razorpay refund %s of payment %s is %s", refund_id, provider_payment_id,
                    status)
        return ProviderRefund(refund_id, processed=status == "processed")

    def verify_checkout_signature(
        self, provider_order_id: str, provider_payment_id: str, signature: str
    ) -> bool:
        expected = hmac_sha256_hex(self._key_secret,
                                   checkout_message(provider_order_id, provider_payment_id))
        return signature_matches(expected, signature)

    def verify_webhook_signature(self, raw_body: bytes, signature: str) -> bool:
        return signature_matches(hmac_sha256_hex(self._webhook_secret, raw_body), signature)

    def parse_webhook(self, raw_body: bytes) -> ProviderEvent:
        return read_razorpay_event(raw_body)

    async def _post(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None,
    ) -> tuple[bool, dict[str, Any], str]:
        """POST JSON: ``(True, answer, "")`` or ``(False, {}, why it failed)``.

        Exceptions are turned into text here, so nothing raised later carries them.
        """
        try:
            response = await self._client.post(
                self._base_url + path, json=dict(body), headers=dict(headers or {}),
                auth=httpx.BasicAuth(self._key_id, self._key_secret), timeout=self._timeout)
        except httpx.TimeoutException:
            return False, {}, "timed out"
        except httpx.HTTPError as error:  # connection refused, protocol error, ...
            return False, {}, f"transport error ({type(error).__name__})"
        try:
            document = response.json()
        except ValueError:  # not JSON, or not decodable text
            return False, {}, f"HTTP {response.status_code}, body is not JSON"
        if not isinstance(document, dict):
            return False, {}, f"HTTP {response.status_code}, JSON body is not an object"
        if not response.is_success:
            return False, {}, f"HTTP {response.status_code}, {self._error_text(document)}"
        return True, document, ""

    def _error_text(self, document: Mapping[str, Any]) -> str:
        error = document.get("error")
        if not isinstance(error, dict):
            return "no error object"
        return (f"{_printable(error.get('code'))}: "
                f"{_printable(self._redact(str(error.get('description', ''))))}")

    def _redact(self, text: str) -> str:
        for secret in (self._key_secret, self._webhook_secret):
            text = text.replace(secret, "[redacted]")
        return text

    def _fail(self, what: str, reference: str, outcome: str) -> NoReturn:
        logger.warning("Razorpay %s for %s failed: %s", what, reference, self._redact(outcome))
        raise PaymentProviderFailed()


def _is_provider_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` has the shape of a Razorpay id: 1..64 ASCII letters, digits and
    ``_`` (never a control character, space or non-ASCII text a database may refuse)."""
    return isinstance(value, str) and _PROVIDER_ID.fullmatch(value) is not None


def _printable(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:_MAX_DETAILS_LOGGED])
