"""RazorpayPaymentGateway against Razorpay's documented answers (recorded in
docs/payments.md), with respx standing in for api.razorpay.com."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from shopcore.adapters.razorpay import RazorpayPaymentGateway, read_razorpay_event
from shopcore.application.ports.payments import (
    MalformedWebhook,
    PaymentEventKind,
    ProviderOrder,
    ProviderRefund,
)
from shopcore.domain.money import Money
from shopcore.domain.payments import PaymentProviderFailed

KEY_ID = "rzp_test_1DP5mmOlF5G5ag"
KEY_SECRET = "thisisthekeysecret0123"
WEBHOOK_SECRET = "thisisthewebhooksecret9876"
API = "https://api.razorpay.com/v1"
ORDER_ID = "0193f1c2-7a1b-4c3d-8e9f-0123456789ab"
AMOUNT = Money(299_800)

ORDER_CREATED = {  # POST /v1/orders, as the Orders API documents it
    "id": "order_IluGWxBm9U8zJ8", "entity": "order", "amount": 299_800, "amount_paid": 0,
    "amount_due": 299_800, "currency": "INR", "receipt": ORDER_ID, "offer_id": None,
    "status": "created", "attempts": 0, "notes": {"shopcore_order_id": ORDER_ID},
    "created_at": 1_642_662_092,
}
REFUND_CREATED = {  # POST /v1/payments/:id/refund
    "id": "rfnd_FP8QHiV938haTz", "entity": "refund", "amount": 299_800, "receipt": None,
    "currency": "INR", "payment_id": "pay_29QQoUBi66xm2f", "notes": [],
    "acquirer_data": {"arn": None}, "created_at": 1_597_078_866, "batch_id": None,
    "status": "processed", "speed_processed": "normal", "speed_requested": "normal",
}
BAD_REQUEST = {"error": {"code": "BAD_REQUEST_ERROR",
                         "description": "The amount must be at least INR 1.00",
                         "source": "business", "step": "payment_initiation",
                         "reason": "input_validation_failed", "metadata": {},
                         "field": "amount"}}
SERVER_ERROR = {"error": {"code": "SERVER_ERROR", "description": "The server encountered an "
                                                                 "error.", "field": None}}
CAPTURED_SAMPLE = {  # payment.captured, the documented sample (fields we do not read cut)
    "entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": "payment.captured",
    "contains": ["payment"], "created_at": 1_691_735_748,
    "payload": {"payment": {"entity": {
        "id": "pay_DESp9bgForNoUd", "entity": "payment", "amount": 100, "currency": "INR",
        "status": "captured", "order_id": "order_DESlLckIVRkHWj", "invoice_id": None,
        "international": False, "method": "card", "amount_refunded": 0,
        "refund_status": None, "captured": True, "description": None,
        "card_id": "card_DESp9fNnu0RoNc", "bank": None, "wallet": None, "vpa": None,
        "email": "john.smith@example.com", "contact": "+11234567890", "notes": [],
        "fee": None, "tax": None, "error_code": "", "error_description": "",
        "created_at": 1_567_674_797}}},
}
REFUND_PROCESSED_SAMPLE = {
    "entity": "event", "account_id": "acc_E7OQJcEANmBHTC", "event": "refund.processed",
    "contains": ["refund", "payment"], "created_at": 1_597_734_071,
    "payload": {
        "refund": {"entity": {
            "id": "rfnd_FS8TWyPrCsa0OB", "entity": "refund", "amount": 50000,
            "currency": "INR", "payment_id": "pay_FPoJKWQQ8lK13n", "notes": {},
            "receipt": None, "acquirer_data": {"arn": "10000000000000"},
            "created_at": 1_597_734_071, "batch_id": None, "status": "processed",
            "speed_processed": "normal", "speed_requested": "optimum"}},
        "payment": {"entity": {
            "id": "pay_FPoJKWQQ8lK13n", "entity": "payment", "amount": 50000,
            "currency": "INR", "status": "refunded", "order_id": "order_FPoIeimWki9j8A",
            "amount_refunded": 50000, "refund_status": "full", "captured": True}},
    },
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def gateway(client: httpx.AsyncClient) -> RazorpayPaymentGateway:
    return RazorpayPaymentGateway(client, KEY_ID, KEY_SECRET, WEBHOOK_SECRET)


def basic_auth() -> str:
    return "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()


def assert_no_secret(text: str) -> None:
    assert KEY_SECRET not in text and WEBHOOK_SECRET not in text
    assert base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode() not in text


# --- creating an order ---------------------------------------------------------------------

@respx.mock
async def test_an_order_is_created_in_paise_with_our_order_id_as_receipt(
    gateway: RazorpayPaymentGateway,
) -> None:
    route = respx.post(f"{API}/orders").respond(200, json=ORDER_CREATED)
    made = await gateway.create_order(ORDER_ID, AMOUNT)
    assert made == ProviderOrder("order_IluGWxBm9U8zJ8", AMOUNT)
    request = route.calls.last.request
    assert request.headers["Authorization"] == basic_auth()
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert body["amount"] == 299_800 and body["currency"] == "INR"
    assert body["receipt"] == ORDER_ID


@pytest.mark.parametrize(("status", "answer"), [
    (400, BAD_REQUEST),
    (401, {"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}}),
    (500, SERVER_ERROR),
    (502, None),
    (200, None),
    (200, []),
    (200, {**ORDER_CREATED, "id": None}),
    (200, {**ORDER_CREATED, "amount": 100}),
    (200, {**ORDER_CREATED, "currency": "USD"}),
])
@respx.mock
async def test_a_refused_or_garbled_answer_is_a_provider_failure(
    gateway: RazorpayPaymentGateway, status: int, answer: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if answer is None:
        respx.post(f"{API}/orders").respond(status, text="<html>Bad gateway</html>")
    else:
        respx.post(f"{API}/orders").respond(status, json=answer)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PaymentProviderFailed) as caught:
        await gateway.create_order(ORDER_ID, AMOUNT)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_no_secret(str(caught.value) + caplog.text)
    assert "create order" in caplog.text


@respx.mock
async def test_the_providers_error_description_is_logged_without_secrets(
    gateway: RazorpayPaymentGateway, caplog: pytest.LogCaptureFixture,
) -> None:
    leaky = {"error": {"code": "BAD_REQUEST_ERROR",
                       "description": f"key {KEY_SECRET} is not valid"}}
    respx.post(f"{API}/orders").respond(400, json=leaky)
    with pytest.raises(PaymentProviderFailed):
        await gateway.create_order(ORDER_ID, AMOUNT)
    assert "BAD_REQUEST_ERROR" in caplog.text and "[redacted]" in caplog.text
    assert_no_secret(caplog.text)


@pytest.mark.parametrize("error", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"),
                                   httpx.ConnectError("refused"),
                                   httpx.RemoteProtocolError("bad")])
@respx.mock
async def test_timeouts_and_transport_errors_are_provider_failures(
    gateway: RazorpayPaymentGateway, error: Exception, caplog: pytest.LogCaptureFixture,
) -> None:
    respx.post(f"{API}/orders").mock(side_effect=error)
    with pytest.raises(PaymentProviderFailed) as caught:
        await gateway.create_order(ORDER_ID, AMOUNT)
    assert caught.value.__context__ is None
    assert_no_secret(caplog.text + repr(gateway))


# --- refunds -------------------------------------------------------------------------------

@respx.mock
async def test_a_refund_is_asked_for_with_an_idempotency_key(
    gateway: RazorpayPaymentGateway,
) -> None:
    route = respx.post(f"{API}/payments/pay_29QQoUBi66xm2f/refund").respond(
        200, json=REFUND_CREATED)
    refund = await gateway.refund("pay_29QQoUBi66xm2f", AMOUNT, "shopcore-refund-abc123")
    assert refund == ProviderRefund("rfnd_FP8QHiV938haTz", processed=True)
    request = route.calls.last.request
    assert request.headers["X-Refund-Idempotency"] == "shopcore-refund-abc123"
    assert request.headers["Authorization"] == basic_auth()
    assert json.loads(request.content) == {"amount": 299_800}


@respx.mock
async def test_a_pending_refund_is_accepted_but_not_processed(
    gateway: RazorpayPaymentGateway,
) -> None:
    respx.post(f"{API}/payments/pay_1/refund").respond(
        200, json={**REFUND_CREATED, "status": "pending"})
    assert (await gateway.refund("pay_1", AMOUNT, "key-0123456789")).processed is False


@pytest.mark.parametrize(("status", "answer"), [
    (400, {"error": {"code": "BAD_REQUEST_ERROR",
                     "description": "The payment has been fully refunded already"}}),
    (409, {"error": {"code": "BAD_REQUEST_ERROR", "description": "request in progress"}}),
    (503, SERVER_ERROR),
    (200, {**REFUND_CREATED, "status": "failed"}),
    (200, {"entity": "refund"}),
])
@respx.mock
async def test_a_refused_refund_is_a_provider_failure(
    gateway: RazorpayPaymentGateway, status: int, answer: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.post(f"{API}/payments/pay_1/refund").respond(status, json=answer)
    with pytest.raises(PaymentProviderFailed):
        await gateway.refund("pay_1", AMOUNT, "key-0123456789")
    assert "refund" in caplog.text
    assert_no_secret(caplog.text)


@respx.mock
async def test_a_refund_that_times_out_is_a_provider_failure(
    gateway: RazorpayPaymentGateway,
) -> None:
    respx.post(f"{API}/payments/pay_1/refund").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(PaymentProviderFailed):
        await gateway.refund("pay_1", AMOUNT, "key-0123456789")


@respx.mock
async def test_a_payment_id_cannot_change_the_path(gateway: RazorpayPaymentGateway) -> None:
    route = respx.post(f"{API}/payments/..%2Forders/refund").respond(200, json=REFUND_CREATED)
    await gateway.refund("../orders", AMOUNT, "key-0123456789")
    assert route.called


# --- signatures ------------------------------------------------------------------------------

def test_the_checkout_signature_is_hmac_of_order_and_payment_with_the_key_secret(
    gateway: RazorpayPaymentGateway,
) -> None:
    good = hmac.new(KEY_SECRET.encode(), b"order_1|pay_1", hashlib.sha256).hexdigest()
    assert gateway.verify_checkout_signature("order_1", "pay_1", good)
    assert gateway.verify_checkout_signature("order_1", "pay_1", good.upper()) is False
    assert not gateway.verify_checkout_signature("order_2", "pay_1", good)
    assert not gateway.verify_checkout_signature("order_1", "pay_2", good)
    assert not gateway.verify_checkout_signature("order_1", "pay_1", "")
    wrong_key = hmac.new(WEBHOOK_SECRET.encode(), b"order_1|pay_1", hashlib.sha256).hexdigest()
    assert not gateway.verify_checkout_signature("order_1", "pay_1", wrong_key)


def test_the_webhook_signature_is_hmac_of_the_raw_body_with_the_webhook_secret(
    gateway: RazorpayPaymentGateway,
) -> None:
    body = json.dumps(CAPTURED_SAMPLE).encode()
    good = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert gateway.verify_webhook_signature(body, good)
    # the same JSON serialised differently is another body
    assert not gateway.verify_webhook_signature(json.dumps(CAPTURED_SAMPLE, indent=1).encode(),
                                                good)
    with_key_secret = hmac.new(KEY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert not gateway.verify_webhook_signature(body, with_key_secret)
    assert not gateway.verify_webhook_signature(body, "ünïcode")


def test_secrets_are_not_in_the_gateways_repr(gateway: RazorpayPaymentGateway) -> None:
    assert_no_secret(repr(gateway) + str(gateway))


def test_every_credential_is_required(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError):
        RazorpayPaymentGateway(client, KEY_ID, "", WEBHOOK_SECRET)


# --- reading webhooks ------------------------------------------------------------------------

def test_the_documented_payment_captured_sample_is_read() -> None:
    event = read_razorpay_event(json.dumps(CAPTURED_SAMPLE).encode())
    assert event.kind is PaymentEventKind.CAPTURED and event.name == "payment.captured"
    assert event.provider_order_id == "order_DESlLckIVRkHWj"
    assert event.provider_payment_id == "pay_DESp9bgForNoUd"
    assert event.amount == Money(100, "INR")


def test_the_documented_refund_processed_sample_is_read() -> None:
    event = read_razorpay_event(json.dumps(REFUND_PROCESSED_SAMPLE).encode())
    assert event.kind is PaymentEventKind.REFUND_PROCESSED
    assert event.provider_order_id == "order_FPoIeimWki9j8A"
    assert event.provider_payment_id == "pay_FPoJKWQQ8lK13n"
    assert event.refund_id == "rfnd_FS8TWyPrCsa0OB" and event.amount == Money(50000)


def test_a_refund_failed_event_is_read_like_the_documented_refund_events() -> None:
    # Razorpay documents no refund.failed sample: its refund events share one shape, and
    # a failed refund is one with status "failed" (its payment still captured).
    document = json.loads(json.dumps(REFUND_PROCESSED_SAMPLE))
    document["event"] = "refund.failed"
    document["payload"]["refund"]["entity"]["status"] = "failed"
    document["payload"]["payment"]["entity"].update(
        status="captured", amount_refunded=0, refund_status=None)
    event = read_razorpay_event(json.dumps(document).encode())
    assert event.kind is PaymentEventKind.REFUND_FAILED and event.name == "refund.failed"
    assert event.provider_order_id == "order_FPoIeimWki9j8A"
    assert event.refund_id == "rfnd_FS8TWyPrCsa0OB" and event.amount == Money(50000)
    del document["payload"]["refund"]
    with pytest.raises(MalformedWebhook):
        read_razorpay_event(json.dumps(document).encode())


def test_events_we_do_not_act_on_are_read_without_their_payload() -> None:
    event = read_razorpay_event(b'{"event": "order.paid", "payload": {}}')
    assert event.kind is None and event.name == "order.paid"


@pytest.mark.parametrize("change", [
    {"amount": -1}, {"amount": True}, {"amount": 1.5}, {"currency": None},
    {"currency": "RUPEES"}, {"id": None}, {"id": "x" * 65}, {"order_id": 7},
])
def test_a_payment_entity_with_a_bad_field_is_malformed(change: dict[str, object]) -> None:
    document = json.loads(json.dumps(CAPTURED_SAMPLE))
    document["payload"]["payment"]["entity"].update(change)
    with pytest.raises(MalformedWebhook):
        read_razorpay_event(json.dumps(document).encode())


def test_a_payment_without_an_order_id_is_read_as_such() -> None:
    document = json.loads(json.dumps(CAPTURED_SAMPLE))
    document["payload"]["payment"]["entity"]["order_id"] = None
    assert read_razorpay_event(json.dumps(document).encode()).provider_order_id is None
