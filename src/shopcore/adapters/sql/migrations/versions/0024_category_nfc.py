"""Categories in one form: stripped, lower case, inner whitespace runs one space, NFC.

A category was stored stripped and lower-cased only, so the same word typed with a
precomposed "é" (U+00E9) and with "e" + U+0301 were two categories (two rows of
``product_counts``, a filter finding one spelling only), and so were "home garden"
and "home  garden". ``shopcore.domain.catalog.normalise_category`` now also collapses
each run of inner whitespace (not tabs or line breaks, which were never accepted) to
one space and applies Unicode NFC; creations, updates and filters use it.

The upgrade brings every product's category to that form (the rule is copied here, as
it is on the day of this migration), with its search words (``search_category``)
written as the product repository writes them with a category. It then rebuilds
``product_counts`` from ``products``: the counters of the spellings that became one
are merged into one row, and the rows of the old spellings go. On PostgreSQL
``products`` is locked against writes first (as in 0011), so no product is written
between the moves and the count; the triggers of 0011 stay as they are.

A category whose normal form would be longer than 100 characters (NFC lengthens a few
composition exclusions) is left as it is: ``products.category`` holds 100 characters,
and no write of this release could have stored it that way.

The downgrade changes nothing: the older spellings are not kept, and the normal form
is a valid category for the release before.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 18:00:00.000000
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

from shopcore.domain.search import search_text

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_CATEGORY_MAX_LENGTH = 100
_SPACE_RUNS = re.compile(r"[^\S\x00-\x1f\x7f-\x9f]+")


def _normalised(category: str) -> str:
    """``normalise_category`` of this release."""
    return unicodedata.normalize("NFC", _SPACE_RUNS.sub(" ", category.strip().lower()))


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":  # no product written until the commit
        op.execute("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE")
    products = sa.table("products", sa.column("category", sa.Text),
                        sa.column("search_category", sa.Text))
    spellings = connection.execute(sa.select(products.c.category).distinct()).scalars().all()
    move = sa.update(products).where(products.c.category == sa.bindparam("old")) \
        .values(category=sa.bindparam("new"), search_category=sa.bindparam("words"))
    for old in sorted(spellings):
        new = _normalised(old)
        if new != old and len(new) <= _CATEGORY_MAX_LENGTH:
            connection.execute(move, {"old": old, "new": new, "words": search_text(new)})
    op.execute("DELETE FROM product_counts")
    op.execute(
        "INSERT INTO product_counts (category, visible) "
        "SELECT category, COUNT(*) FROM products WHERE NOT archived GROUP BY category"
    )


def downgrade() -> None:
    """Nothing to undo: the categories stay in their normal form."""
