"""The workloads: what each requests, with which wrk script, and the target it aims at.

The Lua scripts beside this module are run by wrk; common.lua holds the shared hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent


class Users(Enum):
    """Which benchmark users a workload logs in as (one per wrk connection)."""

    NONE = "none"
    CART = "cart"
    ORDERS = "orders"


@dataclass(frozen=True, slots=True)
class Probe:
    """One request sent before a workload; a 404/405 means the route does not exist yet.

    ``{product_id}`` in the path or body is replaced by a seeded, well-stocked product.
    """

    method: str
    path: str
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    """One wrk workload against the API."""

    key: str
    title: str
    path: str
    script: str
    target: float
    """Wanted requests/s as a fraction of the ceiling's (issue #6)."""
    probes: tuple[Probe, ...]
    users: Users = Users.NONE
    thread_per_connection: bool = False


SHIPPING_ADDRESS = (
    '{"shipping_address": {"name": "Bench User", "line1": "1 Load Street", "line2": null, '
    '"city": "Bengaluru", "state": "Karnataka", "postal_code": "560001", "country": "IN", '
    '"phone": "+919900000000"}}'
)
ADD_ONE = '{"product_id": {product_id}, "quantity": 1}'

LIST_PATH = "/api/products/?page_size=20"

WORKLOADS: tuple[Workload, ...] = (
    Workload("W1", "list products", LIST_PATH, "get.lua", 0.15, (Probe("GET", LIST_PATH),)),
    Workload("W2", "product detail", "/api/products/", "product_detail.lua", 0.30,
             (Probe("GET", "/api/products/{product_id}/"),)),
    Workload("W3", "search 'phone'", "/api/products/search/?q=phone", "get.lua", 0.15,
             (Probe("GET", "/api/products/search/?q=phone"),)),
    Workload("W4", "cart (3 lines)", "/api/cart/", "cart.lua", 0.25,
             (Probe("GET", "/api/cart/"),), users=Users.CART),
    Workload("W5", "most bought", "/api/products/most-bought/", "get.lua", 0.20,
             (Probe("GET", "/api/products/most-bought/"),)),
    Workload("W6", "add to cart + place order", "/api/cart/add/", "order_cycle.lua", 0.08,
             (Probe("POST", "/api/cart/add/", ADD_ONE),
              Probe("POST", "/api/order/place/", SHIPPING_ADDRESS)),
             users=Users.ORDERS, thread_per_connection=True),
)

SCALING_KEYS = ("W1", "W3", "W5")


def workload(key: str) -> Workload:
    """The workload called ``key`` (``W1`` … ``W6``)."""
    for candidate in WORKLOADS:
        if candidate.key == key.upper():
            return candidate
    raise KeyError(f"no workload {key!r}; known: {', '.join(w.key for w in WORKLOADS)}")
