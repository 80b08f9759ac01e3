"""InProcessRecentCarts: the latest cart of each user, handed out once, bounded."""

from __future__ import annotations

import pytest

from shopcore.adapters.recent_carts import InProcessRecentCarts
from shopcore.application.ports.shopping import CartSnapshot
from shopcore.domain.cart import Cart, CartLine


def a_cart(user_id: str, version: int = 1) -> CartSnapshot:
    return CartSnapshot(Cart(user_id, (CartLine(1, 2),)), {}, version)


def test_a_remembered_cart_is_taken_once_and_the_latest_wins() -> None:
    recent = InProcessRecentCarts()
    recent.remember(a_cart("alice", 1))
    recent.remember(a_cart("alice", 2))
    recent.remember(a_cart("bob", 7))
    assert recent.take("alice") == a_cart("alice", 2)
    assert recent.take("alice") is None
    recent.forget("bob")
    assert recent.take("bob") is None and len(recent) == 0


def test_past_its_capacity_it_drops_the_cart_remembered_longest_ago() -> None:
    recent = InProcessRecentCarts(capacity=2)
    recent.remember(a_cart("alice"))
    recent.remember(a_cart("bob"))
    recent.remember(a_cart("alice", 2))  # remembered again: now the newest
    recent.remember(a_cart("carol"))
    assert len(recent) == 2 and recent.take("bob") is None
    assert recent.take("alice") == a_cart("alice", 2) and recent.take("carol") is not None


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InProcessRecentCarts(capacity=0)
