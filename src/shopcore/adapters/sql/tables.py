"""The schema, as SQLAlchemy Core tables; the domain never sees these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shopcore.adapters.sql.types import UtcDateTime
from shopcore.domain.catalog import name_sort_key
from shopcore.domain.search import search_text

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("phone", String(20), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Changed by the database with every change to the user's cart lines (migration 0013).
    Column("cart_version", BigInteger, nullable=False, server_default=text("0")),
)

otp_challenges = Table(
    "otp_challenges",
    metadata,
    Column("phone", String(20), primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    # The oldest of ``recent_sends`` and their number, still written for the release
    # before migration 0027 (which reads them as a fixed window); see SqlOtpChallengeRepository.
    Column("quota_window_start", UtcDateTime, nullable=True),
    Column("sent_in_window", Integer, nullable=False, default=0),
    Column("used_at", UtcDateTime, nullable=True),
    # ``OtpChallenge.recent_sends``: microseconds since the Unix epoch, oldest first,
    # separated by spaces ('' for none) (migration 0027).
    Column("recent_sends", Text, nullable=False, server_default=text("''")),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Index("ix_refresh_tokens_issued", "issued_at"),
)


products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("category", String(100), nullable=False),
    Column("stock", Integer, nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("image_url", String(300), nullable=True),
    Column("thumbnail_url", String(300), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("rating_count", Integer, nullable=False),
    Column("rating_total", Integer, nullable=False),
    # The words of name, category and description (``search_text``): what the search
    # indexes hold (migration 0021). Every write of a searched column sets them too
    # (``with_derived_text``). NULL: written by code that does not know them (the
    # release before, plain SQL); the index then reads the raw text.
    Column("search_name", Text, nullable=True),
    Column("search_category", Text, nullable=True),
    Column("search_description", Text, nullable=True),
    # What the name orderings sort by: ``name_sort_key(name)`` (migration 0022), written
    # with every write of the name (``with_derived_text``), compared byte by byte (the
    # "C" collation on PostgreSQL, SQLite's BINARY), so in code point order whatever
    # the database's locale. '': written by code that does not know it (the release
    # before, plain SQL); such a product sorts first until it is saved again.
    Column("sort_name", Text().with_variant(Text(collation="C"), "postgresql"),
           nullable=False, server_default=text("''")),
    # ``Product.version`` (migration 0025): 1 for a new row, and one more with every
    # write of the row, in the writing statement (``version = version + 1``): an admin's
    # change, archiving, stock taken or put back, the review aggregates.
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
    # The list's orderings, over every visible product and within a category
    # (migrations 0002, 0022 and 0023).
    Index("ix_products_listing", "archived", "created_at", "id"),
    Index("ix_products_price", "archived", "price_minor", "id"),
    Index("ix_products_sort_name", "archived", "sort_name", "id"),
    Index("ix_products_category_listing", "archived", "category", "created_at", "id"),
    Index("ix_products_category_price", "archived", "category", "price_minor", "id"),
    Index("ix_products_category_sort_name", "archived", "category", "sort_name", "id"),
)
"""Search indexes live beside this table, per engine, built from the ``search_*``
columns (migration 0021) and kept in sync by the database: SQLite: the FTS5 table
``products_fts`` of the visible products (external content: the view
``products_visible``, kept in sync by triggers; migrations 0002, 0015, 0021);
PostgreSQL: the generated ``search_vector`` tsvector column with a GIN index."""

SEARCHED: Mapping[str, str] = {"name": "search_name", "category": "search_category",
                               "description": "search_description"}
"""Each searched column of ``products`` and the column holding its words."""


def with_search_text(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` of a ``products`` row with the words of each searched column among
    them."""
    return {**values, **{SEARCHED[name]: search_text(value)
                         for name, value in values.items() if name in SEARCHED}}


def with_derived_text(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` of a ``products`` row with the columns made from its text among them:
    the words of each searched column, and the name's sort key when the name is there.
    What an INSERT, or an UPDATE of name, category or description, writes."""
    derived = with_search_text(values)
    if "name" in values:
        derived["sort_name"] = name_sort_key(values["name"])
    return derived


orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("shipping_address", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("idempotency_key", String(255), nullable=True),
    Column("request_hash", String(64), nullable=True),
    UniqueConstraint("user_id", "idempotency_key", name="uq_orders_user_idempotency_key"),
    Index("ix_orders_created", "created_at"),
)
# A user's orders in the list's order: newest first, ties by ascending id (migration
# 0029). On PostgreSQL the migration puts the id under the "C" collation, as the list
# compares the ids (SQLite's BINARY does already); reflection does not see an index
# column's collation, so it is not spelled here.
Index("ix_orders_user_created", orders.c.user_id, orders.c.created_at.desc(), orders.c.id)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(36), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("order_id", "product_id", name="pk_order_lines"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_order_lines_product", "product_id", "order_id"),
)

product_sales = Table(
    "product_sales",
    metadata,
    Column("product_id", Integer, ForeignKey("products.id"), primary_key=True),
    Column("units", BigInteger, nullable=False),
    Column("orders", Integer, nullable=False),
    Index("ix_product_sales_rank", "units", "product_id"),
)
"""Units sold and orders per product over the orders that are not cancelled, all time.

This table and ``product_sales_daily`` are kept by database triggers (migration 0010) in
the transaction that inserts order lines or changes an order's status."""

product_sales_daily = Table(
    "product_sales_daily",
    metadata,
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("orders", Integer, nullable=False),
    PrimaryKeyConstraint("day", "product_id", name="pk_product_sales_daily"),
    sqlite_with_rowid=False,
)
"""The same per UTC day of the order's ``created_at``, in day order (migration 0018): a
window of days is one range of the key."""

product_counts = Table(
    "product_counts",
    metadata,
    Column("category", Text, primary_key=True),
    Column("visible", Integer, nullable=False),
    Column("in_stock", Integer, nullable=False, server_default=text("0")),
)
"""The number of visible (not archived) products per category, and of those with stock
above zero, kept by database triggers on ``products`` (migrations 0011 and 0026) in the
writing transaction; on PostgreSQL, changes of existing products are noted in
``product_count_changes`` and applied at commit in category order (0028), so that
orders never deadlock on them. A category whose last visible product went away keeps
its row, at 0."""

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "product_id", name="pk_cart_lines"),
    CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_in_range"),
)

wishlist_items = Table(
    "wishlist_items",
    metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "product_id", name="pk_wishlist_items"),
    Index("ix_wishlist_items_user_added", "user_id", "added_at"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("product_id", "user_id", name="uq_reviews_product_user"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating_in_range"),
)
# A product's reviews in the list's order: newest first, ties by ascending id (migration
# 0029).
Index("ix_reviews_product_created", reviews.c.product_id, reviews.c.created_at.desc(),
      reviews.c.id)

# payments (migration 0009)

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("provider_order_id", String(64), nullable=False),
    Column("provider_payment_id", String(64), nullable=True),
    Column("provider_refund_id", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("refund_attempt", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("order_id", name="uq_payments_order_id"),
    UniqueConstraint("provider_order_id", name="uq_payments_provider_order_id"),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    Index("ix_payments_status_updated", "status", "updated_at"),
)

payment_events = Table(
    "payment_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("provider", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("payment_id", String(36), ForeignKey("payments.id"), nullable=True),
    Column("outcome", String(32), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)
"""One row per provider event handled: its primary key makes a replayed webhook
(same ``X-Razorpay-Event-Id``) a no-op."""
