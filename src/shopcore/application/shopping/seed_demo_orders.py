"""SeedDemoOrders: a deterministic order history for the demo catalog (``seed-demo
--orders``), so that best sellers, order lists and benchmarks have a past to work on."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shopcore.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput
from shopcore.domain.ordering import Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.phone import Phone
from shopcore.domain.users import User

MAX_DEMO_ORDER_LINES = 10_000_000
DEMO_BUYERS = 2_000
BATCH_LINES = 5_000
_SEED = 20261127
_CATALOG_PAGE = 5_000
_HISTORY = (OrderStatus.DELIVERED,) * 14 + (OrderStatus.SHIPPED,) * 2 + \
    (OrderStatus.PAID,) * 2 + (OrderStatus.PLACED, OrderStatus.CANCELLED)
_PROGRESS = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
_ADDRESS = ShippingAddress.create(name="Past Customer", line1="2 History Road", city="Pune",
                                  state="Maharashtra", postal_code="411001",
                                  phone=Phone("+919800000000"))


@dataclass(frozen=True, slots=True)
class SeedDemoOrdersCommand:
    """How much history: ``orders`` orders, or orders until exactly ``order_lines`` lines.
    ``InvalidInput`` unless exactly one of the two is given, from 1 to
    ``MAX_DEMO_ORDER_LINES``."""

    orders: int | None = None
    order_lines: int | None = None

    def __post_init__(self) -> None:
        if (self.orders is None) == (self.order_lines is None):
            raise InvalidInput("orders", "give either a number of orders or of order lines")
        if not 1 <= self.size <= MAX_DEMO_ORDER_LINES:
            raise InvalidInput("orders", f"must be between 1 and {MAX_DEMO_ORDER_LINES}")

    @property
    def by_lines(self) -> bool:
        """Whether ``size`` counts order lines rather than orders."""
        return self.order_lines is not None

    @property
    def size(self) -> int:
        """How many orders, or lines (``by_lines``)."""
        size = self.order_lines if self.order_lines is not None else self.orders
        assert size is not None
        return size


@dataclass(frozen=True, slots=True)
class DemoOrdersSeeded:
    """What was added."""

    buyers: int
    orders: int
    order_lines: int


class SeedDemoOrders:
    """Add ``DEMO_BUYERS`` demo buyers and their past orders of 1–4 lines, spread over the
    year before today's midnight UTC: low product ids sell most (a line's product is the
    one at ``n × u³`` of the ``n`` visible products, ``u`` uniform), one order in twenty
    is cancelled, the rest are placed, paid, shipped or (mostly) delivered. The same
    sizes on the same catalog give the same rows on the same day. These orders are
    history: they take no stock. They are written in batches of about ``BATCH_LINES``
    lines, each batch its own unit of work: in one transaction, a history of a million
    lines would pile up versions of the same popular sales rows, which PostgreSQL can
    only let go after a commit."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, currency: str = "INR") -> None:
        self._uow = uow
        self._clock = clock
        self._currency = currency

    async def __call__(self, cmd: SeedDemoOrdersCommand) -> DemoOrdersSeeded:
        wanted, by_lines = cmd.size, cmd.by_lines
        rng = random.Random(_SEED)
        midnight = self._clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        catalog = await self._catalog()
        buyers = await self._add_buyers(rng, midnight)
        made_orders = made_lines = 0
        batch: list[Order] = []
        batch_lines = 0
        while (made_lines if by_lines else made_orders) < wanted:
            size = rng.randint(1, 4)
            if by_lines:
                size = min(size, wanted - made_lines)
            order = self._past_order(rng, midnight, rng.choice(buyers), catalog, size)
            batch.append(order)
            batch_lines += size
            made_orders, made_lines = made_orders + 1, made_lines + size
            if batch_lines >= BATCH_LINES:
                await self._add_orders(batch)
                batch, batch_lines = [], 0
        await self._add_orders(batch)
        return DemoOrdersSeeded(buyers=len(buyers), orders=made_orders, order_lines=made_lines)

    async def refuse_if_seeded_before(self) -> None:
        """Raise ``InvalidInput`` now if the history was seeded before, as a call would:
        for a caller about to write something else first (the demo catalog), so that a
        refused command leaves the database as it was."""
        async with self._uow() as uow:
            await _refuse_if_seeded_before(uow)

    async def _catalog(self) -> list[Product]:
        catalog: list[Product] = []
        async with self._uow() as uow:
            while page := await uow.products.visible_after(
                    catalog[-1].id if catalog else 0, _CATALOG_PAGE):
                catalog.extend(page)
        if len(catalog) < 4:
            raise InvalidInput("orders", "needs at least 4 products: seed the catalog first")
        return catalog

    async def _add_buyers(self, rng: random.Random, midnight: datetime) -> list[str]:
        buyers = [User(id=_uuid(rng), phone=_buyer_phone(number), is_admin=False,
                       created_at=midnight - timedelta(days=400, minutes=number))
                  for number in range(1, DEMO_BUYERS + 1)]
        async with self._uow() as uow:
            await _refuse_if_seeded_before(uow)
            await uow.users.add_many(buyers)
            await uow.commit()
        return [buyer.id for buyer in buyers]

    def _past_order(self, rng: random.Random, midnight: datetime, buyer_id: str,
                    catalog: Sequence[Product], size: int) -> Order:
        order_id = _uuid(rng)
        chosen: dict[int, Product] = {}
        while len(chosen) < size:
            product = catalog[int(len(catalog) * rng.random() ** 3)]
            chosen.setdefault(product.id, product)
        lines = [OrderLine(product.id, product.name, product.price, rng.randint(1, 3))
                 for product in chosen.values()]
        created = midnight - timedelta(seconds=rng.randint(60, 365 * 86_400))
        order = Order.place(order_id, buyer_id, lines, _ADDRESS, created, self._currency)
        status = rng.choice(_HISTORY)
        if status is OrderStatus.CANCELLED:
            return order.cancel(min(created + timedelta(hours=1), midnight))
        steps = _PROGRESS[:_PROGRESS.index(status) + 1] if status in _PROGRESS else ()
        for day, step in enumerate(steps, start=1):
            order = order.advance_to(step, min(created + timedelta(days=day), midnight))
        return order

    async def _add_orders(self, batch: Sequence[Order]) -> None:
        if not batch:
            return
        async with self._uow() as uow:
            await uow.orders.add_history(batch)
            await uow.commit()


def _buyer_phone(number: int) -> Phone:
    return Phone(f"+9198{number:08d}")


async def _refuse_if_seeded_before(uow: UnitOfWork) -> None:
    if await uow.users.get_by_phone(_buyer_phone(1)) is not None:
        raise InvalidInput("orders", "the demo buyers exist already: the order history "
                                     "was seeded before")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
