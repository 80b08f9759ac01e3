"""The carts this process last wrote, kept in its memory (``RecentCarts``)."""

from __future__ import annotations

from collections import OrderedDict

from shopcore.application.ports.shopping import CartSnapshot

DEFAULT_CAPACITY = 20_000
"""Carts and products held in all (a cart holds those of its lines): a few tens of MB
at most."""


class InProcessRecentCarts:
    """``RecentCarts`` in this process's memory, bounded by ``capacity``: each cart kept
    counts one, plus one for each of its products (an emptied cart counts too). The
    cart remembered longest ago is dropped first; a cart alone above the capacity is
    not kept. Each process has its own: a cart remembered here and changed through
    another process is refused by the database when used, and read again."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._held = 0
        self._carts: OrderedDict[str, CartSnapshot] = OrderedDict()

    def remember(self, snapshot: CartSnapshot) -> None:
        self.forget(snapshot.cart.user_id)
        size = _size(snapshot)
        if size > self._capacity:
            return
        self._carts[snapshot.cart.user_id] = snapshot
        self._held += size
        while self._held > self._capacity:
            _, dropped = self._carts.popitem(last=False)
            self._held -= _size(dropped)

    def take(self, user_id: str) -> CartSnapshot | None:
        snapshot = self._carts.pop(user_id, None)
        if snapshot is not None:
            self._held -= _size(snapshot)
        return snapshot

    def forget(self, user_id: str) -> None:
        self.take(user_id)

    def __len__(self) -> int:
        return len(self._carts)


def _size(snapshot: CartSnapshot) -> int:
    return 1 + len(snapshot.products)
