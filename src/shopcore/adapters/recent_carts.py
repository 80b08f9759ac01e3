"""The carts this process last wrote, kept in its memory (``RecentCarts``)."""

from __future__ import annotations

from collections import OrderedDict

from shopcore.application.ports.shopping import CartSnapshot

DEFAULT_CAPACITY = 10_000


class InProcessRecentCarts:
    """``RecentCarts`` in this process's memory: the latest ``capacity`` users' carts
    (the one remembered longest ago is dropped first). Each process has its own; a cart
    remembered here and changed through another process is refused by the database
    when used, and read again."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._carts: OrderedDict[str, CartSnapshot] = OrderedDict()

    def remember(self, snapshot: CartSnapshot) -> None:
        user_id = snapshot.cart.user_id
        self._carts.pop(user_id, None)
        self._carts[user_id] = snapshot
        if len(self._carts) > self._capacity:
            self._carts.popitem(last=False)

    def take(self, user_id: str) -> CartSnapshot | None:
        return self._carts.pop(user_id, None)

    def forget(self, user_id: str) -> None:
        self._carts.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._carts)
