"""InProcessRecentCarts: the latest cart of each user, handed out once, bounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopcore.adapters.recent_carts import InProcessRecentCarts
from shopcore.application.ports.shopping import CartSnapshot
from shopcore.domain.cart import Cart, CartLine
from shopcore.domain.catalog import Product
from shopcore.domain.money import Money


def a_cart(user_id: str, version: int = 1, products: int = 1) -> CartSnapshot:
    """A cart of ``products`` lines, each with its product."""
    held = {i: _PRODUCT for i in range(1, products + 1)}
    return CartSnapshot(Cart(user_id, tuple(CartLine(i, 1) for i in held)), held, version)


_PRODUCT = Product(1, "Phone", "", Money(100), "mobile", 5, False, None, None,
                   datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))


def test_a_remembered_cart_is_taken_once_and_the_latest_wins() -> None:
    recent = InProcessRecentCarts()
    recent.remember(a_cart("alice", 1))
    recent.remember(a_cart("alice", 2))
    recent.remember(a_cart("bob", 7))
    assert recent.take("alice") == a_cart("alice", 2)
    assert recent.take("alice") is None
    recent.forget("bob")
    assert recent.take("bob") is None and len(recent) == 0


def test_past_its_capacity_it_drops_the_carts_remembered_longest_ago() -> None:
    recent = InProcessRecentCarts(capacity=7)  # a cart counts one, plus its products
    recent.remember(a_cart("alice", products=2))
    recent.remember(a_cart("bob", products=1))
    recent.remember(a_cart("alice", 2, products=1))  # remembered again: now the newest
    recent.remember(a_cart("carol", products=2))  # 7 held: nothing dropped
    assert len(recent) == 3
    recent.remember(a_cart("dave", products=1))  # 9: bob, the oldest, goes
    assert recent.take("bob") is None and len(recent) == 3
    recent.remember(a_cart("erin", products=7))  # alone above the capacity: not kept
    assert recent.take("erin") is None
    assert recent.take("alice") == a_cart("alice", 2, products=1)
    assert recent.take("carol") is not None and recent.take("dave") is not None
    recent.remember(a_cart("frank", products=6))  # all taken: the whole capacity is free
    assert len(recent) == 1


def test_emptied_carts_count_against_the_capacity() -> None:
    recent = InProcessRecentCarts(capacity=2)
    for user_id in ("alice", "bob", "carol"):
        recent.remember(a_cart(user_id, products=0))
    assert len(recent) == 2 and recent.take("alice") is None
    assert recent.take("carol") == a_cart("carol", products=0)


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InProcessRecentCarts(capacity=0)
