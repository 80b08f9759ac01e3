"""Shared set-up of the shopping use-case tests: users and products in the fakes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shopcore.adapters.memory.unit_of_work import MemoryUnitOfWork
from shopcore.application.ports import UnitOfWorkFactory
from shopcore.application.ports.shopping import CartSnapshot, WrittenCartLine
from shopcore.application.shopping.addresses import ShippingAddressInput
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.phone import Phone
from shopcore.domain.users import User
from shopcore.testing import InMemoryShop

ALICE, BOB = "user-alice", "user-bob"
PHONES = {ALICE: "+919876543210", BOB: "+919812345678"}
ADDRESS = ShippingAddressInput(name="Asha Rao", line1="12 MG Road", city="Bengaluru",
                               state="Karnataka", postal_code="560001",
                               phone="098765 43210")


async def add_users(shop: InMemoryShop) -> None:
    async with shop.database.unit_of_work() as uow:
        for user_id, phone in PHONES.items():
            await uow.users.add(User(user_id, Phone(phone), False, shop.clock.now()))
        await uow.commit()


async def add_product(shop: InMemoryShop, name: str = "Smartphone", price: str = "19999.00",
                      stock: int = 10) -> Product:
    async with shop.database.unit_of_work() as uow:
        product = await uow.products.add(
            ProductDraft.create(name, "", price, "mobile", stock), shop.clock.now())
        await uow.commit()
    return product


def product_now(shop: InMemoryShop, product: Product) -> Product:
    return shop.database.state.products[product.id]


def change_product(shop: InMemoryShop, product: Product, **changes: object) -> None:
    current = shop.database.state.products[product.id]
    shop.database.state.products[product.id] = replace(current, **changes)  # type: ignore[arg-type]


class StaleSnapshotUnitOfWork(MemoryUnitOfWork):
    """Its cart reads return a version that someone else's change has since replaced
    (what a request racing another one reads)."""

    async def __aenter__(self) -> StaleSnapshotUnitOfWork:
        await super().__aenter__()
        read = self.carts.get_snapshot

        async def stale(user_id: str, *,
                        also_product: int | None = None) -> CartSnapshot | None:
            snapshot = await read(user_id, also_product=also_product)
            return snapshot and replace(snapshot, version=snapshot.version - 1)

        self.carts.get_snapshot = stale  # type: ignore[method-assign]
        return self


class CountingUnitOfWork(MemoryUnitOfWork):
    """Records in ``calls`` each cart read made through it (``"read"``) and each
    addition to a known cart (``"wrote"`` or ``"refused"``)."""

    calls: list[str]

    async def __aenter__(self) -> CountingUnitOfWork:
        await super().__aenter__()
        read, fits = self.carts.get_snapshot, self.carts.set_quantity_if_available

        async def counted_read(user_id: str, *,
                               also_product: int | None = None) -> CartSnapshot | None:
            self.calls.append("read")
            return await read(user_id, also_product=also_product)

        async def counted_fits(*args: Any, **kwargs: Any) -> WrittenCartLine | None:
            written = await fits(*args, **kwargs)
            self.calls.append("wrote" if written else "refused")
            return written

        self.carts.get_snapshot = counted_read  # type: ignore[method-assign]
        self.carts.set_quantity_if_available = counted_fits  # type: ignore[method-assign]
        return self


def counting(shop: InMemoryShop, calls: list[str]) -> UnitOfWorkFactory:
    """Units of work of the shop's database that record into ``calls``."""
    def unit() -> MemoryUnitOfWork:
        work = CountingUnitOfWork(shop.database)
        work.calls = calls
        return work
    return unit
