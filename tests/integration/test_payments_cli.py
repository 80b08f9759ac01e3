"""`shopcore payments retry-refunds` as an operator runs it (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.ordering import Order, OrderLine, ShippingAddress
from shopcore.domain.payments import Payment, PaymentStatus
from shopcore.domain.phone import Phone
from shopcore.domain.users import User
from tests.support import sqlite_copy

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def run(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SHOPCORE_", "RAZORPAY_"))}
    environment.update(SHOPCORE_ENV="test", SHOPCORE_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "shopcore.entrypoints.cli", *args],
                          cwd=tmp_path, env=environment, text=True, capture_output=True,
                          timeout=120, check=False)


async def owe_a_refund(url: str) -> str:
    """A cancelled order whose captured payment owes a refund never accepted."""
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(engine) as work:
            await work.users.add(User("buyer", Phone("+919876543210"), False, NOW))
            product = await work.products.add(
                ProductDraft.create("Kettle", "", "1499.00", "kitchen", 5), NOW)
            address = ShippingAddress.create(
                name="Asha Rao", line1="12 MG Road", city="Bengaluru", state="Karnataka",
                postal_code="560001", phone=Phone("+919876543210"))
            order = Order.place("order-0001-0000-0000", "buyer",
                                [OrderLine(product.id, product.name, product.price, 1)],
                                address, NOW)
            await work.orders.add(order)
            payment = Payment.start("payment-1", order, "fake", "order_fake1", NOW)
            owed = payment.capture("pay_1", payment.amount, NOW).owe_refund(NOW)
            await work.payments.add(owed)
            await work.commit()
    finally:
        await engine.dispose()
    return owed.id


async def status_of(url: str, payment_id: str) -> PaymentStatus:
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(engine) as work:
            payment = await work.payments.get(payment_id)
    finally:
        await engine.dispose()
    assert payment is not None
    return payment.status


async def test_retry_refunds_asks_again_for_owed_refunds(
    tmp_path: Path, sqlite_template: Path,
) -> None:
    url = sqlite_copy(sqlite_template, tmp_path)
    payment_id = await owe_a_refund(url)
    result = run(tmp_path, url, "payments", "retry-refunds")
    assert result.returncode == 0, result.stderr
    assert "asked again for 1 owed refunds; the provider accepted 1" in result.stdout
    assert await status_of(url, payment_id) is PaymentStatus.REFUNDED
    again = run(tmp_path, url, "payments", "retry-refunds", "--limit", "5")
    assert again.returncode == 0 and "asked again for 0 owed refunds" in again.stdout
