"""The product list's total from ``product_counts`` (migrations 0011, 0026) when it can be.

``product_counts`` holds the number of visible products per category and of those in
stock, kept by triggers in the transaction that writes the products: the total of an
unfiltered list is the sum of its few rows, that of one category its one row, whatever
the size of the catalog; ``in_stock`` narrows to the in-stock column (or to the rest).
Filters on a price range still need a count over ``products``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Select, func, select

from shopcore.adapters.sql.tables import product_counts
from shopcore.application.ports import ProductFilters

_UNFILTERED = ProductFilters()


def kept_count(filters: ProductFilters) -> Select[Any] | None:
    """The number of visible products ``filters`` lists, read from ``product_counts``;
    ``None`` when the filters narrow by more than the category and being in stock (any
    filter added to ``ProductFilters`` later counts as narrowing until it is handled
    here)."""
    if replace(filters, category=None, in_stock=None,
               ordering=_UNFILTERED.ordering) != _UNFILTERED:
        return None
    counted = {None: product_counts.c.visible, True: product_counts.c.in_stock,
               False: product_counts.c.visible - product_counts.c.in_stock}[filters.in_stock]
    total = select(func.coalesce(func.sum(counted), 0))
    if filters.category is not None:
        total = total.where(product_counts.c.category == filters.category)
    return total
