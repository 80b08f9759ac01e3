"""The RFC 9457 problem document every error answers with."""

from __future__ import annotations

import msgspec


class FieldProblem(msgspec.Struct):
    """One invalid field of a request."""

    field: str
    message: str


class ShortProduct(msgspec.Struct):
    """A product the order or cart could not get enough of."""

    product_id: int
    requested: int
    available: int


class Problem(msgspec.Struct, omit_defaults=True):
    """An error answer (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblem] | msgspec.UnsetType = msgspec.UNSET
    attempts_left: int | msgspec.UnsetType = msgspec.UNSET
    products: list[ShortProduct] | msgspec.UnsetType = msgspec.UNSET
