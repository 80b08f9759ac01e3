"""Provider ids read from Razorpay (webhook bodies, API answers) have Razorpay's shape:
1..64 ASCII letters, digits and ``_`` (``pay_29QQoUBi66xm2f``), like the checkout body."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from shopcore.adapters.razorpay import RazorpayPaymentGateway, read_razorpay_event
from shopcore.application.ports.payments import MalformedWebhook
from shopcore.domain.money import Money
from shopcore.domain.payments import PaymentProviderFailed

API = "https://api.razorpay.com/v1"

BAD_IDS = ["pay_\x00", "pay_\x1f", "pay_\x7f", "pay 1", "pay-1", "pay_é", "pay_١",
           "pay_\u200b", "pay_1\n", "x" * 65]


def captured(**payment: Any) -> bytes:
    entity = {"id": "pay_DESp9bgForNoUd", "order_id": "order_DESlLckIVRkHWj",
              "amount": 100, "currency": "INR", **payment}
    return json.dumps({"event": "payment.captured",
                       "payload": {"payment": {"entity": entity}}}).encode()


def refund_processed(**refund: Any) -> bytes:
    entity = {"id": "rfnd_FS8TWyPrCsa0OB", "payment_id": "pay_FPoJKWQQ8lK13n",
              "amount": 100, "currency": "INR", **refund}
    return json.dumps({"event": "refund.processed", "payload": {
        "refund": {"entity": entity},
        "payment": {"entity": {"id": "pay_FPoJKWQQ8lK13n", "order_id": "order_1",
                               "amount": 100, "currency": "INR"}}}}).encode()


def test_ids_of_razorpays_shape_are_read() -> None:
    event = read_razorpay_event(captured(id="pay_" + "A1_z" * 15, order_id="order_09"))
    assert event.provider_payment_id == "pay_" + "A1_z" * 15
    assert event.provider_order_id == "order_09"
    assert read_razorpay_event(refund_processed()).refund_id == "rfnd_FS8TWyPrCsa0OB"


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("field", ["id", "order_id"])
def test_a_payment_id_or_order_id_of_another_shape_is_malformed(field: str, bad: str) -> None:
    with pytest.raises(MalformedWebhook):
        read_razorpay_event(captured(**{field: bad}))


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("field", ["id", "payment_id"])
def test_a_refund_id_or_its_payment_id_of_another_shape_is_malformed(
    field: str, bad: str,
) -> None:
    with pytest.raises(MalformedWebhook):
        read_razorpay_event(refund_processed(**{field: bad}))


@pytest.mark.parametrize("bad", BAD_IDS)
@respx.mock
async def test_an_api_answer_with_an_id_of_another_shape_is_a_provider_failure(
    bad: str,
) -> None:
    respx.post(f"{API}/orders").respond(200, json={
        "id": bad, "entity": "order", "amount": 100, "currency": "INR", "status": "created"})
    respx.post(f"{API}/payments/pay_1/refund").respond(200, json={
        "id": bad, "entity": "refund", "amount": 100, "currency": "INR",
        "payment_id": "pay_1", "status": "processed"})
    async with httpx.AsyncClient() as client:
        gateway = RazorpayPaymentGateway(client, "rzp_test_1", "key-secret", "hook-secret")
        with pytest.raises(PaymentProviderFailed):
            await gateway.create_order("0193f1c2-7a1b-4c3d-8e9f-0123456789ab", Money(100))
        with pytest.raises(PaymentProviderFailed):
            await gateway.refund("pay_1", Money(100), "key-0123456789")
