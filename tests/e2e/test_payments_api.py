"""Paying for orders through the real app on both engines: checkout, Razorpay-signed
webhooks (real HMAC over the raw body), and refunds when a paid order is cancelled."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from dependency_injector import providers

from shopcore.adapters.memory.payments import FakePaymentGateway
from shopcore.adapters.payments_off import PaymentsOffGateway
from shopcore.domain.catalog import Product
from shopcore.domain.money import Money
from shopcore.domain.payments import PaymentStatus
from tests.e2e.conftest import Api

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ALICE, BOB = "+919876543210", "+919812345678"
ADDRESS: dict[str, Any] = {
    "name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru", "state": "Karnataka",
    "postal_code": "560001", "phone": "+91 98765 43210",
}
WEBHOOK = "/api/payments/webhook/razorpay/"
Headers = dict[str, str]


@pytest.fixture
def gateway(api: Api) -> FakePaymentGateway:
    fake = FakePaymentGateway(key_id="rzp_test_e2e", key_secret="e2e-key-secret",
                              webhook_secret="e2e-webhook-secret")
    api.container.payment_gateway.override(providers.Object(fake))
    return fake


def assert_problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["code"] == code and body["status"] == status
    return body


async def payment_status(api: Api, order_id: str) -> PaymentStatus | None:
    async with api.container.unit_of_work() as uow:
        payment = await uow.payments.get_for_order(order_id)
    return None if payment is None else payment.status


async def place_order(api: Api, who: Headers, product: Product, quantity: int = 2) -> str:
    answer = await api.client.post("/api/cart/add/", headers=who,
                                   json={"product_id": product.id, "quantity": quantity})
    assert answer.status_code == 200, answer.text
    answer = await api.client.post("/api/order/place/", headers=who,
                                   json={"shipping_address": ADDRESS})
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["id"]
    return order_id


async def pay(api: Api, who: Headers, order_id: str) -> Any:
    return await api.client.post(f"/api/orders/{order_id}/pay/", headers=who)


async def order_status(api: Api, who: Headers, order_id: str) -> str:
    answer = await api.client.get(f"/api/orders/{order_id}/", headers=who)
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["status"]
    return status


async def webhook(api: Api, gateway: FakePaymentGateway, event: str, checkout: dict[str, Any],
                  *, event_id: str | None = "evt_1", amount: Money | None = None,
                  body: bytes | None = None, signature: str | None = None) -> Any:
    raw = body if body is not None else gateway.webhook_body(
        event, checkout["provider_order_id"],
        amount or Money(checkout["amount_minor"], checkout["currency"]))
    headers = {"Content-Type": "application/json",
               "X-Razorpay-Signature": signature if signature is not None
               else gateway.sign_webhook(raw)}
    if event_id is not None:
        headers["X-Razorpay-Event-Id"] = event_id
    return await api.client.post(WEBHOOK, content=raw, headers=headers)


async def test_place_pay_capture_cancel_refund(api: Api, gateway: FakePaymentGateway) -> None:
    alice = await api.login(ALICE)
    product = await api.add_product(stock=10)
    order_id = await place_order(api, alice, product, quantity=2)
    assert (await api.stored(product)).stock == 8

    answer = await pay(api, alice, order_id)
    assert answer.status_code == 200, answer.text
    checkout = answer.json()
    assert checkout == {
        "order_id": order_id, "payment_id": checkout["payment_id"], "provider": "fake",
        "key_id": "rzp_test_e2e", "provider_order_id": checkout["provider_order_id"],
        "amount": "39998.00", "amount_minor": 3_999_800, "currency": "INR",
        "status": "created"}
    assert gateway.orders[checkout["provider_order_id"]] == (order_id, Money(3_999_800))

    captured = await webhook(api, gateway, "payment.captured", checkout)
    assert captured.status_code == 200, captured.text
    assert captured.json() == {"status": "processed"}
    assert await order_status(api, alice, order_id) == "paid"

    cancelled = await api.client.post("/api/order/cancel/", headers=alice,
                                      json={"order_id": order_id})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert await payment_status(api, order_id) is PaymentStatus.REFUNDED
    (refund,) = gateway.refunds.values()
    assert refund.amount == Money(3_999_800) and refund.provider_payment_id == "pay_fake0000000001"
    assert (await api.stored(product)).stock == 10


async def test_paying_again_answers_the_same_checkout(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    first, second = await pay(api, alice, order_id), await pay(api, alice, order_id)
    assert first.json() == second.json() and len(gateway.orders) == 1


async def test_only_the_owner_of_a_placed_order_can_pay_it(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    order_id = await place_order(api, alice, await api.add_product())
    assert_problem(await pay(api, bob, order_id), 404, "not_found")
    assert_problem(await pay(api, alice, "no-such-order-id"), 404, "not_found")
    assert_problem(await api.client.post(f"/api/orders/{order_id}/pay/"), 401, "unauthorized")
    await api.client.post("/api/order/cancel/", headers=alice, json={"order_id": order_id})
    assert_problem(await pay(api, alice, order_id), 409, "invalid_state")
    assert gateway.orders == {}


async def test_the_provider_failing_is_a_502(api: Api, gateway: FakePaymentGateway) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    gateway.failing = True
    problem = assert_problem(await pay(api, alice, order_id), 502, "payment_provider_failed")
    assert "fake" not in problem["detail"].lower()
    assert await payment_status(api, order_id) is None


async def test_a_shop_without_online_payment_answers_503_and_refuses_every_webhook(
    api: Api,
) -> None:
    api.container.payment_gateway.override(providers.Object(PaymentsOffGateway()))
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    problem = assert_problem(await pay(api, alice, order_id), 503, "payments_unavailable")
    assert problem["detail"] == "This shop takes no online payment."
    assert await payment_status(api, order_id) is None
    body = FakePaymentGateway().webhook_body("payment.captured", "order_x", Money(100))
    answer = await api.client.post(WEBHOOK, content=body, headers={
        "Content-Type": "application/json", "X-Razorpay-Signature": "0" * 64})
    assert_problem(answer, 400, "invalid_signature")
    assert await order_status(api, alice, order_id) == "placed"
    cancelled = await api.client.post("/api/order/cancel/", headers=alice,
                                      json={"order_id": order_id})
    assert cancelled.status_code == 200, cancelled.text  # nothing was paid: nothing to refund


@pytest.mark.parametrize("forge", ["missing", "wrong secret", "tampered body"])
async def test_a_webhook_without_a_valid_signature_is_400_and_changes_nothing(
    api: Api, gateway: FakePaymentGateway, forge: str,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    checkout = (await pay(api, alice, order_id)).json()
    body = gateway.webhook_body("payment.captured", checkout["provider_order_id"],
                                Money(checkout["amount_minor"]))
    other = FakePaymentGateway(webhook_secret="not-the-secret")
    if forge == "missing":
        answer = await api.client.post(WEBHOOK, content=body,
                                       headers={"Content-Type": "application/json"})
    elif forge == "wrong secret":
        answer = await webhook(api, gateway, "", checkout, body=body,
                               signature=other.sign_webhook(body))
    else:
        answer = await webhook(api, gateway, "", checkout, body=body.replace(b"}}", b"} }", 1),
                               signature=gateway.sign_webhook(body))
    assert_problem(answer, 400, "invalid_signature")
    assert await order_status(api, alice, order_id) == "placed"
    assert await payment_status(api, order_id) is PaymentStatus.CREATED


async def test_the_signature_covers_the_raw_body_as_sent(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    checkout = (await pay(api, alice, order_id)).json()
    compact = gateway.webhook_body("payment.captured", checkout["provider_order_id"],
                                   Money(checkout["amount_minor"]))
    pretty = json.dumps(json.loads(compact), indent=2).encode()  # as Razorpay might format it
    answer = await webhook(api, gateway, "", checkout, body=pretty)
    assert answer.json() == {"status": "processed"}
    assert await order_status(api, alice, order_id) == "paid"


async def test_replays_and_late_events_change_nothing(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    checkout = (await pay(api, alice, order_id)).json()
    assert (await webhook(api, gateway, "payment.captured", checkout)).json() == {
        "status": "processed"}
    assert (await webhook(api, gateway, "payment.captured", checkout)).json() == {
        "status": "duplicate"}
    late = await webhook(api, gateway, "payment.failed", checkout, event_id="evt_2")
    assert late.json() == {"status": "ignored"}
    assert await order_status(api, alice, order_id) == "paid"
    assert await payment_status(api, order_id) is PaymentStatus.CAPTURED


async def test_a_capture_of_another_amount_never_pays_the_order(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    checkout = (await pay(api, alice, order_id)).json()
    answer = await webhook(api, gateway, "payment.captured", checkout, amount=Money(100))
    assert answer.status_code == 200 and answer.json() == {"status": "amount_mismatch"}
    assert await order_status(api, alice, order_id) == "placed"


async def test_a_signed_body_that_is_not_an_event_is_400(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    answer = await webhook(api, gateway, "", {}, body=b"not json")
    assert_problem(answer, 400, "bad_request")


@pytest.mark.parametrize("field", ["id", "order_id"])
async def test_a_signed_webhook_with_a_control_character_in_an_id_is_400_and_changes_nothing(
    api: Api, gateway: FakePaymentGateway, field: str,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    checkout = (await pay(api, alice, order_id)).json()
    document = json.loads(gateway.webhook_body(
        "payment.captured", checkout["provider_order_id"],
        Money(checkout["amount_minor"], checkout["currency"])))
    entity = document["payload"]["payment"]["entity"]
    entity[field] = entity[field] + "\u0000"
    answer = await webhook(api, gateway, "", checkout, body=json.dumps(document).encode())
    assert_problem(answer, 400, "bad_request")
    assert await order_status(api, alice, order_id) == "placed"
    assert await payment_status(api, order_id) is PaymentStatus.CREATED


@pytest.mark.parametrize("raw", [b"", b"null"])
async def test_a_confirmation_without_a_body_object_is_422_naming_the_body(
    api: Api, gateway: FakePaymentGateway, raw: bytes,
) -> None:
    alice = await api.login(ALICE)
    order_id = await place_order(api, alice, await api.add_product())
    answer = await api.client.post(f"/api/orders/{order_id}/pay/confirm/", content=raw,
                                   headers={**alice, "Content-Type": "application/json"})
    problem = assert_problem(answer, 422, "validation_error")
    assert problem["errors"] == [
        {"field": "body", "message": "The request body must be a JSON object."}]


async def test_a_refused_refund_keeps_the_order_paid_until_cancelling_again_succeeds(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice = await api.login(ALICE)
    product = await api.add_product(stock=10)
    order_id = await place_order(api, alice, product, quantity=3)
    checkout = (await pay(api, alice, order_id)).json()
    await webhook(api, gateway, "payment.captured", checkout)
    gateway.failing_refunds = True
    cancel = {"order_id": order_id}
    problem = assert_problem(
        await api.client.post("/api/order/cancel/", headers=alice, json=cancel),
        502, "refund_failed")
    assert order_id in problem["detail"]
    assert await order_status(api, alice, order_id) == "paid"
    assert await payment_status(api, order_id) is PaymentStatus.REFUND_PENDING
    assert (await api.stored(product)).stock == 7
    admin = await api.login_admin()  # the refund is owed: the order cannot be shipped
    assert_problem(await api.client.post(f"/api/orders/{order_id}/status/", headers=admin,
                                         json={"status": "shipped"}), 409, "invalid_state")
    assert await order_status(api, alice, order_id) == "paid"
    gateway.failing_refunds = False
    answer = await api.client.post("/api/order/cancel/", headers=alice, json=cancel)
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert await payment_status(api, order_id) is PaymentStatus.REFUNDED
    assert (await api.stored(product)).stock == 10
    assert len(gateway.refunds) == 1  # the retry reused the refund's idempotency key


async def test_a_refund_that_fails_after_it_was_accepted_is_owed_and_asked_again(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice = await api.login(ALICE)
    product = await api.add_product(stock=10)
    order_id = await place_order(api, alice, product)
    checkout = (await pay(api, alice, order_id)).json()
    await webhook(api, gateway, "payment.captured", checkout)
    gateway.processes_refunds = False
    answer = await api.client.post("/api/order/cancel/", headers=alice,
                                   json={"order_id": order_id})
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    (first,) = gateway.refunds.values()

    def refund_event(event: str, refund_id: str) -> bytes:
        return gateway.webhook_body(
            event, checkout["provider_order_id"], Money(checkout["amount_minor"]),
            provider_payment_id="pay_fake0000000001", refund_id=refund_id)

    failed = await webhook(api, gateway, "refund.failed", checkout, event_id="evt_failed",
                           body=refund_event("refund.failed", first.refund_id))
    assert failed.status_code == 200 and failed.json() == {"status": "processed"}
    async with api.container.unit_of_work() as uow:
        owed = await uow.payments.get_for_order(order_id)
    assert owed is not None and owed.status is PaymentStatus.REFUND_PENDING
    assert (owed.provider_refund_id, owed.refund_attempt) == (None, 1)

    retried = await api.container.retry_refunds()(10)
    assert (retried.attempted, retried.accepted) == (1, 1)
    second = list(gateway.refunds.values())[1]
    assert second.refund_id != first.refund_id and second.amount == Money(3_999_800)
    done = await webhook(api, gateway, "refund.processed", checkout, event_id="evt_done",
                         body=refund_event("refund.processed", second.refund_id))
    assert done.json() == {"status": "processed"}
    assert await payment_status(api, order_id) is PaymentStatus.REFUNDED
    assert await order_status(api, alice, order_id) == "cancelled"


async def test_the_checkout_answer_is_confirmed_and_the_webhook_pays_the_order(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    alice, bob = await api.login(ALICE), await api.login(BOB)
    product = await api.add_product(stock=10)
    order_id = await place_order(api, alice, product)
    checkout = (await pay(api, alice, order_id)).json()
    path = f"/api/orders/{order_id}/pay/confirm/"
    answer_of_checkout = {
        "razorpay_payment_id": "pay_fake0000000001",
        "razorpay_order_id": checkout["provider_order_id"],
        "razorpay_signature": gateway.sign_checkout(checkout["provider_order_id"],
                                                    "pay_fake0000000001")}

    forged = {**answer_of_checkout, "razorpay_signature": "ab" * 32}
    assert_problem(await api.client.post(path, headers=alice, json=forged),
                   400, "invalid_signature")
    for bad in ({**answer_of_checkout, "razorpay_signature": "not hex"},
                {**answer_of_checkout, "razorpay_payment_id": "x" * 65},
                {**answer_of_checkout, "extra": 1},
                {"razorpay_payment_id": "pay_fake0000000001"}):
        assert_problem(await api.client.post(path, headers=alice, json=bad),
                       422, "validation_error")
    assert_problem(await api.client.post(path, headers=bob, json=answer_of_checkout),
                   404, "not_found")
    assert (await api.client.post(path, json=answer_of_checkout)).status_code == 401
    assert await payment_status(api, order_id) is PaymentStatus.CREATED

    confirmed = await api.client.post(path, headers=alice, json=answer_of_checkout)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {**checkout, "status": "authorized"}
    assert await order_status(api, alice, order_id) == "placed"
    await webhook(api, gateway, "payment.captured", checkout)
    assert await order_status(api, alice, order_id) == "paid"
    again = await api.client.post(path, headers=alice, json=answer_of_checkout)
    assert again.status_code == 200 and again.json()["status"] == "captured"


async def test_the_openapi_document_describes_the_payment_routes(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    pay_route = doc["paths"]["/api/orders/{order_id}/pay/"]["post"]
    hook = doc["paths"]["/api/payments/webhook/razorpay/"]["post"]
    assert pay_route["security"] == [{"BearerToken": []}]
    assert "security" not in hook or hook["security"] in ([], None)
    assert {"200", "401", "404", "409", "502"} <= pay_route["responses"].keys()
    assert {"200", "400"} <= hook["responses"].keys()
    assert "502" in doc["paths"]["/api/order/cancel/"]["post"]["responses"]
    confirm = doc["paths"]["/api/orders/{order_id}/pay/confirm/"]["post"]
    assert confirm["security"] == [{"BearerToken": []}]
    assert {"200", "400", "401", "404", "422"} <= confirm["responses"].keys()


async def test_the_same_event_delivered_concurrently_is_handled_once(
    api: Api, gateway: FakePaymentGateway,
) -> None:
    import asyncio

    from shopcore.application.payments.handle_razorpay_webhook import (
        HandleRazorpayWebhookCommand,
    )

    alice = await api.login(ALICE)
    product = await api.add_product()
    order_id = await place_order(api, alice, product)
    checkout = (await pay(api, alice, order_id)).json()
    body = gateway.webhook_body("payment.captured", checkout["provider_order_id"],
                                Money(checkout["amount_minor"]))
    command = HandleRazorpayWebhookCommand(body, gateway.sign_webhook(body), "evt_race")
    handle = api.container.handle_razorpay_webhook()
    outcomes = await asyncio.gather(*(handle(command) for _ in range(4)))
    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "processed"]
    assert await order_status(api, alice, order_id) == "paid"
