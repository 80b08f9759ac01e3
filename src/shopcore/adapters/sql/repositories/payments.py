"""The SQL payment repository: ``payments`` and the handled ``payment_events``.

Both uniqueness races (a second payment for one order, one webhook event delivered
twice at once) are decided by unique constraints through ``INSERT ... ON CONFLICT DO
NOTHING``: the losing insert writes nothing, aborts no PostgreSQL transaction, and is
told by its row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shopcore.adapters.sql.tables import payment_events, payments
from shopcore.adapters.sql.upsert import OnConflictInsert
from shopcore.application.ports.payments import PaymentEventRecord, PaymentExists
from shopcore.domain.money import Money
from shopcore.domain.payments import Payment, PaymentStatus

_PAYMENT_SELECT: Select[Any] = select(payments)
_ADD_PAYMENT = OnConflictInsert(payments, conflict=["order_id"])
_RECORD_EVENT = OnConflictInsert(payment_events, conflict=["event_id"])


class SqlPaymentRepository:
    """Payments in ``payments`` (one per order), handled events in ``payment_events``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, payment: Payment) -> None:
        inserted = await _ADD_PAYMENT.execute(self._connection, {
            "id": payment.id, "order_id": payment.order_id, "provider": payment.provider,
            "status": payment.status.value, "amount_minor": payment.amount.minor,
            "currency": payment.amount.currency,
            "provider_order_id": payment.provider_order_id,
            "provider_payment_id": payment.provider_payment_id,
            "provider_refund_id": payment.provider_refund_id,
            "refund_attempt": payment.refund_attempt,
            "created_at": payment.created_at, "updated_at": payment.updated_at,
        })
        if inserted != 1:
            raise PaymentExists()

    async def get(self, payment_id: str) -> Payment | None:
        return await self._one(payments.c.id == payment_id, payment_id)

    async def get_for_order(self, order_id: str) -> Payment | None:
        return await self._one(payments.c.order_id == order_id, order_id)

    async def get_by_provider_order_id(self, provider_order_id: str) -> Payment | None:
        return await self._one(payments.c.provider_order_id == provider_order_id,
                               provider_order_id)

    async def save(self, payment: Payment, previous: Payment) -> bool:
        result = await self._connection.execute(
            update(payments)
            .where(payments.c.id == payment.id, payments.c.status == previous.status.value,
                   payments.c.refund_attempt == previous.refund_attempt)
            .values(status=payment.status.value,
                    provider_payment_id=payment.provider_payment_id,
                    provider_refund_id=payment.provider_refund_id,
                    refund_attempt=payment.refund_attempt,
                    updated_at=payment.updated_at))
        return bool(result.rowcount == 1)

    async def refunds_to_request(self, limit: int) -> Sequence[Payment]:
        rows = await self._connection.execute(
            _PAYMENT_SELECT.where(payments.c.status == PaymentStatus.REFUND_PENDING.value,
                                  payments.c.provider_refund_id.is_(None))
            .order_by(payments.c.updated_at, payments.c.id).limit(limit))
        return [_payment(row) for row in rows]

    async def event_seen(self, event_id: str) -> bool:
        if not _storable(event_id):
            return False
        seen = exists().where(payment_events.c.event_id == event_id)
        return bool((await self._connection.execute(select(seen))).scalar_one())

    async def record_event(self, record: PaymentEventRecord) -> bool:
        inserted = await _RECORD_EVENT.execute(self._connection, {
            "event_id": record.event_id, "provider": record.provider,
            "name": record.name[:64], "payment_id": record.payment_id,
            "outcome": record.outcome, "received_at": record.received_at,
        })
        return inserted == 1

    async def _one(self, condition: Any, key: str) -> Payment | None:
        if not _storable(key):
            return None
        row = (await self._connection.execute(_PAYMENT_SELECT.where(condition))).one_or_none()
        return None if row is None else _payment(row)


def _storable(text: str) -> bool:
    # NUL cannot be stored in (or compared with) PostgreSQL text.
    return "\x00" not in text


def _payment(row: Any) -> Payment:
    return Payment(
        id=row.id, order_id=row.order_id, amount=Money(row.amount_minor, row.currency),
        status=PaymentStatus(row.status), provider=row.provider,
        provider_order_id=row.provider_order_id, provider_payment_id=row.provider_payment_id,
        provider_refund_id=row.provider_refund_id, created_at=row.created_at,
        updated_at=row.updated_at, refund_attempt=row.refund_attempt,
    )
