"""The SQL repositories of shopping: carts, orders, wishlists and reviews.

Uniqueness races (a repeated idempotency key, a second review, a wishlist entry added
twice) are decided by the tables' unique constraints through ``INSERT ... ON CONFLICT
DO NOTHING``: the losing insert writes nothing, raises nothing that would abort a
PostgreSQL transaction, and is told by its row count.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    ColumnElement,
    Executable,
    Exists,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    column,
    delete,
    exists,
    func,
    literal_column,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from shopcore.adapters.placing import (
    place_if_unchanged_step_by_step,
    place_step_by_step,
    set_quantity_if_available_step_by_step,
)
from shopcore.adapters.sql.concurrency import was_refused
from shopcore.adapters.sql.driver import DriverStatement
from shopcore.adapters.sql.paging import read_page
from shopcore.adapters.sql.repositories.catalog import (
    PRODUCT_COLUMNS,
    SqlProductRepository,
    is_storable_id,
    product_from_row,
)
from shopcore.adapters.sql.tables import (
    cart_lines,
    order_lines,
    orders,
    products,
    reviews,
    users,
    wishlist_items,
)
from shopcore.adapters.sql.upsert import OnConflictInsert
from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports.shopping import (
    CartLineWithProduct,
    CartSnapshot,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    KeyedOrder,
    WishlistEntry,
    WrittenCartLine,
)
from shopcore.domain.cart import Cart, CartLine
from shopcore.domain.catalog import Product
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.phone import Phone
from shopcore.domain.reviews import AlreadyReviewed, Review, ReviewDraft

# The statements of adding to a cart and placing an order are built once: SQLAlchemy
# then computes each one's cache key once, not at every execution.
_CART_ORDER = (cart_lines.c.added_at, cart_lines.c.product_id)
_CART_LINES = (
    select(cart_lines.c.product_id, cart_lines.c.quantity)
    .where(cart_lines.c.user_id == bindparam("user_id")).order_by(*_CART_ORDER))
_OWNER_CART = (
    select(users.c.id.label("owner"), users.c.cart_version, cart_lines.c.added_at,
           cart_lines.c.quantity, *PRODUCT_COLUMNS)
    .select_from(users.outerjoin(cart_lines, cart_lines.c.user_id == users.c.id)
                 .outerjoin(products, products.c.id == cart_lines.c.product_id))
    .where(users.c.id == bindparam("user_id")))
"""The user's cart lines with their products: one row per line, one row of NULLs but
``owner`` and ``cart_version`` for a user without lines, none without user."""
_OWNER_CART_WITH_PRODUCTS = DriverStatement(_OWNER_CART.order_by(*_CART_ORDER))
_ADDED_PRODUCT = (
    select(null().label("owner"), null().label("cart_version"), null().label("added_at"),
           null().label("quantity"), *PRODUCT_COLUMNS)
    .where(products.c.id == bindparam("product_id")))
"""The product being added, as a row without owner or line (none when no such product)."""
_OWNER_CART_AND_ADDED = union_all(_OWNER_CART, _ADDED_PRODUCT)
_OWNER_CART_WITH_PRODUCTS_AND_ADDED = DriverStatement(_OWNER_CART_AND_ADDED.order_by(
    _OWNER_CART_AND_ADDED.selected_columns.added_at, _OWNER_CART_AND_ADDED.selected_columns.id))
"""Both, in one statement: each branch is a primary-key lookup on both engines (an OR of
the added id and the cart's ids would not be). Lines come first in cart order (the
added product's row has no ``added_at``; where it sorts does not matter)."""
_CART_FOR_UPDATE = DriverStatement(
    text("SELECT * FROM locked_cart(:user_id, :product_id) ORDER BY added_at, id")
    .bindparams(bindparam("user_id", type_=users.c.id.type),
                bindparam("product_id", type_=products.c.id.type))
    .columns(users.c.id.label("owner"), users.c.cart_version, cart_lines.c.added_at,
             cart_lines.c.quantity, *PRODUCT_COLUMNS))
"""PostgreSQL: the owner locked, then the rows of ``_OWNER_CART_WITH_PRODUCTS_AND_ADDED``
(the function of migration 0025, which took over from ``cart_for_update`` of 0012 and
0013 when the product columns grew; ``product_id`` may be None)."""
_CART_LINES_WITH_PRODUCTS = DriverStatement(
    select(cart_lines.c.quantity, *PRODUCT_COLUMNS)
    .join(products, products.c.id == cart_lines.c.product_id)
    .where(cart_lines.c.user_id == bindparam("user_id")).order_by(*_CART_ORDER))
_CLEAR_CART = DriverStatement(
    delete(cart_lines).where(cart_lines.c.user_id == bindparam("user_id")))
_INSERT_ORDER_LINES = DriverStatement(order_lines.insert().values(
    {column.name: bindparam(column.name) for column in order_lines.c}))
_SET_CART_LINE = OnConflictInsert(cart_lines, conflict=["user_id", "product_id"],
                                  update=["quantity"])


def _insert_under_owner_lock(
    dialect: Dialect, table: Table, columns: Sequence[str], *,
    only_if: ColumnElement[bool] | None = None, update: Sequence[str] = (),
) -> Executable:
    """``INSERT INTO table (user_id, columns) SELECT users.id, :column, ... FROM users
    WHERE users.id = :user_id [AND only_if] ON CONFLICT (user_id, product_id)`` followed
    by ``DO UPDATE SET`` each of ``update``, or ``DO NOTHING``: nothing is written (row
    count 0) for an unknown owner or one that fails ``only_if``.

    PostgreSQL locks the owner's row first (``FOR NO KEY UPDATE``, as ``locked_cart``
    does), until commit: the writers of one user's cart or wishlist take turns, and one
    that waited sees the other's commit (a ``cart_version`` it moved, a wishlist row it
    added) before going on. SQLite's writers take turns anyway; it has no such clause."""
    insert = (postgresql if dialect.name == "postgresql" else sqlite).insert(table)
    owner = (
        select(users.c.id, *[bindparam(name, type_=table.c[name].type) for name in columns])
        .where(users.c.id == bindparam("user_id"),
               *([] if only_if is None else [only_if]))
        .with_for_update(key_share=True))
    statement = insert.from_select(["user_id", *columns], owner)
    conflict = ["user_id", "product_id"]
    built: Executable = statement.on_conflict_do_update(
        index_elements=conflict, set_={name: statement.excluded[name] for name in update},
    ) if update else statement.on_conflict_do_nothing(index_elements=conflict)
    return built


_CART_UNCHANGED = users.c.cart_version == bindparam("version", type_=users.c.cart_version.type)
"""The owner's ``cart_version`` is still ``version`` (the one read with the cart)."""
_SET_CART_LINE_IF_UNCHANGED = DriverStatement(functools.partial(
    _insert_under_owner_lock, table=cart_lines, columns=["product_id", "quantity", "added_at"],
    only_if=_CART_UNCHANGED, update=["quantity"]))
"""``_SET_CART_LINE``'s upsert while the owner's ``cart_version`` is still ``version``."""


def _set_line_if_available(dialect: Dialect) -> Executable:
    """PostgreSQL: ``_SET_CART_LINE_IF_UNCHANGED``, only while the product has
    ``quantity`` units available; then that product and those of the cart's other lines
    as they are, each row with the number of lines ``written`` (0 or 1).

    The products come through the cart's lines (as the statement began: the lines
    remembered, when the version was) rather than as an array of ids: PostgreSQL keeps
    a generic plan for it, where ``id = ANY (:ids)`` was planned at every execution."""
    available = exists().where(
        products.c.id == bindparam("product_id"), products.c.archived.is_(False),
        products.c.stock >= bindparam("quantity"))
    upsert = _insert_under_owner_lock(
        dialect, cart_lines, ["product_id", "quantity", "added_at"],
        only_if=and_(_CART_UNCHANGED, available), update=["quantity"])
    assert isinstance(upsert, Insert)
    written = upsert.returning(cart_lines.c.product_id).cte("written")
    count = select(func.count()).select_from(written).scalar_subquery().label("written")
    added = select(count, *PRODUCT_COLUMNS).where(products.c.id == bindparam("product_id"))
    others = (select(count, *PRODUCT_COLUMNS)
              .select_from(cart_lines.join(products, products.c.id == cart_lines.c.product_id))
              .where(cart_lines.c.user_id == bindparam("user_id"),
                     cart_lines.c.product_id != bindparam("product_id")))
    return union_all(added, others)


_SET_CART_LINE_IF_AVAILABLE = DriverStatement(_set_line_if_available)
_ADD_ORDER = OnConflictInsert(orders, conflict=["user_id", "idempotency_key"])
_LINE_COLUMNS = ("product_id", "position", "name", "unit_price_minor", "quantity")


_ORDER_COLUMNS = [column.name for column in orders.c]


_ONLY_IF_UNCHANGED = """
          AND products.name = line.name AND products.price_minor = line.unit_price_minor
          AND EXISTS (SELECT 1 FROM owner)"""


def _placing(*, only_if_cart_unchanged: bool) -> DriverStatement:
    """``SqlOrderRepository.place`` in one statement on PostgreSQL, or with
    ``only_if_cart_unchanged`` its ``place_if_unchanged``.

    The lines come as one JSON document (``line`` has the order's lines, by ascending
    product id), so the plan does not depend on their number and PostgreSQL keeps one
    generic plan for it (with arrays it planned each execution afresh: ``unnest`` tells it
    their length). That plan finds the products by key (``id = ANY``: joined by hash to
    lines of unknown number, it read the whole catalog). The order is inserted only if
    every line's units were taken, its lines only with it, and the cart is emptied only
    then. ``place`` runs in the caller's transaction, which rolls back the units taken
    when the order was not inserted.

    ``place_if_unchanged`` runs on its own (autocommit): it locks the buyer's row first,
    as ``locked_cart`` does, only while its ``cart_version`` is the one read with the
    cart (so the cart is the one the order was made of); it takes a line's units only
    while the product has the line's name and price; and when the order is not
    inserted it calls ``refuse_statement`` (migration 0014), which undoes everything;
    it tells how many cart lines it deleted (each added one to the cart's version)."""
    owner = """owner AS MATERIALIZED (
        SELECT users.id FROM users
        WHERE users.id = :user_id AND users.cart_version = :cart_version
        FOR NO KEY UPDATE
    ), """ if only_if_cart_unchanged else ""
    answer = """CASE WHEN EXISTS (SELECT 1 FROM new_order) THEN true ELSE refuse_statement(
        'not placed: the cart changed, a line is short or the key is taken') END AS placed,
        (SELECT count(*) FROM emptied) AS emptied
    """ if only_if_cart_unchanged else """EXISTS (SELECT 1 FROM new_order) AS placed,
        ARRAY(SELECT id FROM taken) AS taken"""
    sql = f"""
    WITH {owner}line AS MATERIALIZED (
        SELECT * FROM json_to_recordset(:lines) AS line (
            product_id integer, position smallint, name varchar(200),
            unit_price_minor bigint, quantity integer)
    ), taken AS (
        UPDATE products SET stock = products.stock - line.quantity,
            version = products.version + 1
        FROM line
        WHERE products.id = ANY (ARRAY(SELECT product_id FROM line))
          AND products.id = line.product_id AND products.stock >= line.quantity
          AND products.archived IS false{_ONLY_IF_UNCHANGED if only_if_cart_unchanged else ""}
        RETURNING products.id
    ), new_order AS (
        INSERT INTO orders ({", ".join(_ORDER_COLUMNS)})
        SELECT {", ".join(":" + name for name in _ORDER_COLUMNS)}
        WHERE (SELECT count(*) FROM taken) = (SELECT count(*) FROM line)
        ON CONFLICT (user_id, idempotency_key) DO NOTHING
        RETURNING orders.id
    ), new_lines AS (
        INSERT INTO order_lines (order_id, {", ".join(_LINE_COLUMNS)})
        SELECT new_order.id, {", ".join("line." + name for name in _LINE_COLUMNS)}
        FROM new_order, line
    ), emptied AS (
        DELETE FROM cart_lines
        WHERE cart_lines.user_id = :user_id AND EXISTS (SELECT 1 FROM new_order)
        RETURNING cart_lines.product_id
    )
    SELECT {answer}
    """
    statement = text(sql).bindparams(
        bindparam("lines", type_=JSON),
        *[bindparam(column.name, type_=column.type) for column in orders.c],
        *([bindparam("cart_version", type_=users.c.cart_version.type)]
          if only_if_cart_unchanged else []))
    return DriverStatement(statement.columns(column("placed", Boolean), *(
        [column("emptied", Integer)] if only_if_cart_unchanged
        else [column("taken", ARRAY(Integer))])))


_PLACE_ORDER = _placing(only_if_cart_unchanged=False)
_PLACE_ORDER_IF_CART_UNCHANGED = _placing(only_if_cart_unchanged=True)
_ADD_TO_WISHLIST = DriverStatement(functools.partial(
    _insert_under_owner_lock, table=wishlist_items, columns=["product_id", "added_at"]))
"""The entry, under its owner's lock: concurrent additions to one wishlist take turns, so
each one's count after its insert includes the others' (its cap holds)."""
_ADD_REVIEW = OnConflictInsert(
    reviews, conflict=["product_id", "user_id"], returning=[reviews.c.id],
    columns=["product_id", "user_id", "rating", "comment", "created_at"])


class SqlCartRepository:
    """Cart lines in ``cart_lines``, one row per user and product."""

    def __init__(self, connection: AsyncConnection, currency: str = "INR") -> None:
        self._connection = connection
        self._currency = currency

    async def get(self, user_id: str) -> Cart:
        rows = await self._connection.execute(_CART_LINES, {"user_id": user_id})
        return Cart(user_id, tuple(CartLine(row.product_id, row.quantity) for row in rows))

    async def get_for_update(self, user_id: str, *,
                             also_product: int | None = None) -> CartSnapshot | None:
        # A cart has no row of its own: its owner's row is the lock (NO KEY UPDATE
        # leaves other inserts' foreign-key checks unblocked), taken and followed by the
        # read in one call of the function ``locked_cart`` (migration 0025). SQLite needs
        # no lock: its write transactions already run one at a time.
        return await self._snapshot(user_id, also_product, locked=True)

    async def get_snapshot(self, user_id: str, *,
                           also_product: int | None = None) -> CartSnapshot | None:
        return await self._snapshot(user_id, also_product, locked=False)

    async def _snapshot(self, user_id: str, also_product: int | None, *,
                        locked: bool) -> CartSnapshot | None:
        also = also_product if also_product is not None and is_storable_id(also_product) \
            else None
        if locked and self._connection.dialect.name == "postgresql":
            query = _CART_FOR_UPDATE
        elif also is not None:
            query = _OWNER_CART_WITH_PRODUCTS_AND_ADDED
        else:
            query = _OWNER_CART_WITH_PRODUCTS
        version: int | None = None
        lines: list[CartLine] = []
        found: dict[int, Product] = {}
        for row in await query.fetch(self._connection,
                                     {"user_id": user_id, "product_id": also}):
            if row.owner is not None:
                version = row.cart_version
            if row.id is None:
                continue  # the owner's row of a cart without lines
            if row.quantity is not None:
                lines.append(CartLine(row.id, row.quantity))
            if row.id not in found:  # the added product comes twice when in the cart
                found[row.id] = product_from_row(row, self._currency)
        if version is None:
            return None  # no such user
        return CartSnapshot(Cart(user_id, tuple(lines)), found, version)

    async def set_quantity(self, user_id: str, product_id: int, quantity: int,
                           now: datetime) -> None:
        await _SET_CART_LINE.execute(self._connection, {
            "user_id": user_id, "product_id": product_id, "quantity": quantity,
            "added_at": now})

    async def set_quantity_if_unchanged(self, user_id: str, product_id: int, quantity: int,
                                        now: datetime, *, version: int) -> int | None:
        written = await _SET_CART_LINE_IF_UNCHANGED.execute(self._connection, {
            "user_id": user_id, "product_id": product_id, "quantity": quantity,
            "added_at": now, "version": version})
        # One line written: the trigger of migration 0013 added one to the version.
        return version + 1 if written == 1 else None

    async def set_quantity_if_available(
        self, user_id: str, product_id: int, quantity: int, now: datetime, *, version: int,
    ) -> WrittenCartLine | None:
        if self._connection.dialect.name != "postgresql":
            return await set_quantity_if_available_step_by_step(
                self, await self._snapshot(user_id, product_id, locked=False), product_id,
                quantity, now, version=version)
        if not is_storable_id(product_id):
            return None  # no such product (and the id must not reach the database)
        rows = await _SET_CART_LINE_IF_AVAILABLE.fetch(self._connection, {
            "user_id": user_id, "product_id": product_id, "quantity": quantity,
            "added_at": now, "version": version})
        if not rows or not rows[0].written:
            return None
        # One line written: the trigger of migration 0013 added one to the version.
        return WrittenCartLine(version + 1, {
            row.id: product_from_row(row, self._currency) for row in rows})

    async def remove(self, user_id: str, product_id: int) -> None:
        if not is_storable_id(product_id):
            return  # no such line (and the id must not reach the database)
        await self._connection.execute(delete(cart_lines).where(
            cart_lines.c.user_id == user_id, cart_lines.c.product_id == product_id))

    async def clear(self, user_id: str) -> None:
        await _CLEAR_CART.execute(self._connection, {"user_id": user_id})

    async def lines_with_products(self, user_id: str) -> Sequence[CartLineWithProduct]:
        rows = await _CART_LINES_WITH_PRODUCTS.fetch(self._connection, {"user_id": user_id})
        return [
            CartLineWithProduct(CartLine(row.id, row.quantity),
                                product_from_row(row, self._currency))
            for row in rows
        ]


class SqlOrderRepository:
    """Orders in ``orders`` (the address as JSON) and their lines in ``order_lines``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def place(self, order: Order,
                    idempotency: IdempotencyRecord | None = None) -> frozenset[int]:
        if self._connection.dialect.name != "postgresql" or not order.lines:
            return await place_step_by_step(
                order, idempotency, products=SqlProductRepository(self._connection),
                add_order=self.add, carts=SqlCartRepository(self._connection))
        lines = _placed_lines(order)
        unstorable = _unstorable(lines)
        if unstorable:  # no such products (and the ids must not reach the database)
            return unstorable
        (row,) = await _PLACE_ORDER.fetch(self._connection, {
            **_order_values(order, idempotency), "lines": lines})
        if row.placed:
            return frozenset()
        short = frozenset(line["product_id"] for line in lines) - set(row.taken)
        if short:
            return short
        raise IdempotencyKeyTaken()

    async def place_if_unchanged(self, order: Order, idempotency: IdempotencyRecord | None
                                 = None, *, cart_version: int) -> int | None:
        if self._connection.dialect.name != "postgresql" or not order.lines:
            return await place_if_unchanged_step_by_step(
                order, idempotency, cart_version=cart_version,
                carts=SqlCartRepository(self._connection), place=self.place)
        lines = _placed_lines(order)
        if _unstorable(lines):
            return None
        try:
            (row,) = await _PLACE_ORDER_IF_CART_UNCHANGED.fetch(self._connection, {
                **_order_values(order, idempotency), "lines": lines,
                "cart_version": cart_version})
        except DBAPIError as error:
            if was_refused(error):
                return None
            raise
        # Each line deleted: the trigger of migration 0013 added one to the version.
        emptied: int = row.emptied
        return cart_version + emptied

    async def add(self, order: Order, idempotency: IdempotencyRecord | None = None) -> None:
        # (PostgreSQL places orders with _PLACE_ORDER; this is the step-by-step form.)
        inserted = await _ADD_ORDER.execute(self._connection, _order_values(order, idempotency))
        if inserted == 0:
            raise IdempotencyKeyTaken()
        await _INSERT_ORDER_LINES.execute_many(self._connection, _line_values(order))

    async def add_history(self, history: Sequence[Order]) -> None:
        if history:
            await self._connection.execute(
                orders.insert(), [_order_values(order, None) for order in history])
            await self._connection.execute(order_lines.insert(), [
                line for order in history for line in _line_values(order)])

    async def get(self, order_id: str) -> Order | None:
        return await self._get(order_id, _ORDER_SELECT)

    async def get_for_update(self, order_id: str) -> Order | None:
        # PostgreSQL: the row lock of an UPDATE of its status, taken first. SQLite's
        # write transactions run one at a time: nothing to lock (FOR UPDATE is not
        # rendered there).
        return await self._get(order_id, _ORDER_SELECT.with_for_update(key_share=True))

    async def _get(self, order_id: str, query: Select[Any]) -> Order | None:
        if not _storable(order_id):
            return None
        row = (await self._connection.execute(
            query.where(orders.c.id == order_id))).one_or_none()
        if row is None:
            return None
        return (await self._with_lines([row]))[0]

    async def get_by_idempotency_key(self, user_id: str, key: str) -> KeyedOrder | None:
        row = (await self._connection.execute(_ORDER_SELECT.where(
            orders.c.user_id == user_id, orders.c.idempotency_key == key))).one_or_none()
        if row is None:
            return None
        return KeyedOrder((await self._with_lines([row]))[0], row.request_hash)

    async def save_status(self, order: Order, previous: OrderStatus) -> bool:
        result = await self._connection.execute(
            update(orders).where(orders.c.id == order.id, orders.c.status == previous.value)
            .values(status=order.status.value, cancelled_at=order.cancelled_at,
                    updated_at=order.updated_at))
        return bool(result.rowcount == 1)

    async def list_for_user(self, user_id: str, page: PageRequest) -> Page[Order]:
        # Ties go by the ids' code points on every store: on PostgreSQL by the "C"
        # collation, not by the database's (a locale's rules, such as en_US's).
        order_id = orders.c.id if self._connection.dialect.name == "sqlite" \
            else orders.c.id.collate("C")
        rows, count = await read_page(  # the page and its count as of one moment
            self._connection,
            _ORDER_SELECT.where(orders.c.user_id == user_id)
            .order_by(orders.c.created_at.desc(), order_id.asc()),
            select(func.count()).select_from(orders).where(orders.c.user_id == user_id),
            page)
        return Page(items=await self._with_lines(rows), count=count, request=page)

    async def has_purchased(self, user_id: str, product_id: int) -> bool:
        if not is_storable_id(product_id):
            return False
        return bool((await self._connection.execute(
            select(_has_bought(user_id, product_id)))).scalar_one())

    async def _with_lines(self, rows: Sequence[Any]) -> list[Order]:
        """The orders of ``rows``, their lines read in one query."""
        if not rows:
            return []
        line_rows = await self._connection.execute(
            select(order_lines)
            .where(order_lines.c.order_id.in_([row.id for row in rows]))
            .order_by(order_lines.c.order_id, order_lines.c.position))
        currencies = {row.id: row.currency for row in rows}
        lines: dict[str, list[OrderLine]] = defaultdict(list)
        for line in line_rows:
            lines[line.order_id].append(OrderLine(
                line.product_id, line.name,
                Money(line.unit_price_minor, currencies[line.order_id]), line.quantity))
        return [_order(row, tuple(lines[row.id])) for row in rows]


_ORDER_SELECT: Select[Any] = select(orders)


def _has_bought(user_id: ColumnElement[str] | str,
                product_id: ColumnElement[int] | int) -> Exists:
    """``EXISTS`` an order of ``user_id`` that is not cancelled and has a line of
    ``product_id`` (columns of the enclosing query, or values). It reads the user's
    orders (by an index leading with ``user_id``) and looks each one's line up by order
    and product; never the product's lines, of which a popular product has tens of
    thousands.

    The lookup is a subquery of each order. One ``EXISTS`` over orders joined to lines
    left the engines to choose the side to start from, and both started from the
    product's lines: SQLite, which has no statistics, and PostgreSQL, whose statistics
    of a large catalog (a few lines per product) and of frequent buyers (many orders
    each) favoured them: a page of 20 reviews of a product with 50,000 lines took
    400 ms instead of 0.8 ms (``test_review_verification_plan``). ``LIMIT 1 OFFSET 0``
    keeps PostgreSQL from flattening the subquery back into that join; SQLite keeps
    subqueries as they are written."""
    line: Select[Any] = (
        select(literal_column("1"))
        .where(order_lines.c.order_id == orders.c.id, order_lines.c.product_id == product_id)
        .correlate_except(order_lines)
        .limit(literal_column("1")).offset(literal_column("0")))
    return exists().where(
        orders.c.user_id == user_id,
        orders.c.status != OrderStatus.CANCELLED.value,
        line.exists())


def _storable(text: str) -> bool:
    # NUL cannot be stored in (or compared with) PostgreSQL text.
    return "\x00" not in text


def _order_values(order: Order, idempotency: IdempotencyRecord | None) -> dict[str, Any]:
    """The order's row."""
    return {
        "id": order.id, "user_id": order.user_id, "status": order.status.value,
        "total_minor": order.total.minor, "currency": order.currency,
        "shipping_address": _address_document(order.shipping_address),
        "created_at": order.created_at, "updated_at": order.updated_at,
        "cancelled_at": order.cancelled_at,
        "idempotency_key": idempotency.key if idempotency else None,
        "request_hash": idempotency.request_hash if idempotency else None,
    }


def _placed_lines(order: Order) -> list[dict[str, Any]]:
    """The ``lines`` document of ``_placing``: the order's lines by ascending product id."""
    return sorted(({name: line[name] for name in _LINE_COLUMNS} for line in _line_values(order)),
                  key=lambda line: line["product_id"])


def _unstorable(lines: list[dict[str, Any]]) -> frozenset[int]:
    """The lines' product ids that no product can have (they must not reach the database)."""
    return frozenset(line["product_id"] for line in lines
                     if not is_storable_id(line["product_id"]))


def _line_values(order: Order) -> list[dict[str, Any]]:
    """The rows of the order's lines, in the order's order."""
    return [{"order_id": order.id, "product_id": line.product_id, "position": position,
             "name": line.name, "unit_price_minor": line.unit_price.minor,
             "quantity": line.quantity}
            for position, line in enumerate(order.lines)]


def _address_document(address: ShippingAddress) -> dict[str, str | None]:
    return {
        "name": address.name, "line1": address.line1, "line2": address.line2,
        "city": address.city, "state": address.state, "postal_code": address.postal_code,
        "country": address.country, "phone": address.phone.e164,
    }


def _order(row: Any, lines: tuple[OrderLine, ...]) -> Order:
    document = row.shipping_address
    return Order(
        id=row.id, user_id=row.user_id, status=OrderStatus(row.status), lines=lines,
        total=Money(row.total_minor, row.currency),
        shipping_address=ShippingAddress(
            name=document["name"], line1=document["line1"], line2=document.get("line2"),
            city=document["city"], state=document["state"],
            postal_code=document["postal_code"], phone=Phone(document["phone"]),
            country=document.get("country", "IN")),
        created_at=row.created_at, cancelled_at=row.cancelled_at, updated_at=row.updated_at,
    )


class SqlWishlistRepository:
    """Wishlist entries in ``wishlist_items``, one row per user and product."""

    def __init__(self, connection: AsyncConnection, currency: str = "INR") -> None:
        self._connection = connection
        self._currency = currency

    async def add(self, user_id: str, product_id: int, now: datetime) -> bool:
        inserted = await _ADD_TO_WISHLIST.execute(
            self._connection, {"user_id": user_id, "product_id": product_id, "added_at": now})
        return inserted == 1

    async def remove(self, user_id: str, product_id: int) -> None:
        if not is_storable_id(product_id):
            return
        await self._connection.execute(delete(wishlist_items).where(
            wishlist_items.c.user_id == user_id, wishlist_items.c.product_id == product_id))

    async def list_with_products(self, user_id: str) -> Sequence[WishlistEntry]:
        rows = await self._connection.execute(
            select(wishlist_items.c.added_at, *PRODUCT_COLUMNS)
            .join(products, and_(products.c.id == wishlist_items.c.product_id,
                                 products.c.archived.is_(False)))
            .where(wishlist_items.c.user_id == user_id)
            .order_by(wishlist_items.c.added_at.desc(), wishlist_items.c.product_id))
        return [WishlistEntry(product_from_row(row, self._currency), row.added_at)
                for row in rows]


class SqlReviewRepository:
    """Reviews in ``reviews``; the author's phone comes from ``users``, and whether the
    author bought the product (``verified_purchase``) from their orders, in the same
    statement (``_has_bought``)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, draft: ReviewDraft, product_id: int, user_id: str, author: Phone,
                  now: datetime) -> Review:
        added = await _ADD_REVIEW.fetch(self._connection, {
            "product_id": product_id, "user_id": user_id, "rating": draft.rating,
            "comment": draft.comment, "created_at": now,
        })
        if not added:
            raise AlreadyReviewed()
        verified = (await self._connection.execute(
            select(_has_bought(user_id, product_id)))).scalar_one()
        return draft.to_review(added[0].id, product_id, user_id, author, now,
                               verified_purchase=bool(verified))

    async def exists(self, user_id: str, product_id: int) -> bool:
        if not is_storable_id(product_id):
            return False
        found = exists().where(reviews.c.user_id == user_id, reviews.c.product_id == product_id)
        return bool((await self._connection.execute(select(found))).scalar_one())

    async def delete(self, user_id: str, product_id: int) -> Review | None:
        if not is_storable_id(product_id):
            return None
        row = (await self._connection.execute(
            delete(reviews)
            .where(reviews.c.user_id == user_id, reviews.c.product_id == product_id)
            .returning(*reviews.c))).one_or_none()
        if row is None:
            return None
        author = (await self._connection.execute(
            select(users.c.phone, _has_bought(user_id, product_id).label("verified_purchase"))
            .where(users.c.id == user_id))).one()
        return _review(row, author.phone, author.verified_purchase)

    async def list_for_product(self, product_id: int, page: PageRequest) -> Page[Review]:
        if not is_storable_id(product_id):
            return Page(items=[], count=0, request=page)
        rows, count = await read_page(  # the page and its count as of one moment
            self._connection,
            select(reviews, users.c.phone, _VERIFIED_PURCHASE)
            .join(users, users.c.id == reviews.c.user_id)
            .where(reviews.c.product_id == product_id)
            .order_by(reviews.c.created_at.desc(), reviews.c.id.asc()),
            select(func.count()).select_from(reviews).where(reviews.c.product_id == product_id),
            page)
        return Page(items=[_review(row, row.phone, row.verified_purchase) for row in rows],
                    count=count, request=page)


_VERIFIED_PURCHASE = _has_bought(reviews.c.user_id, reviews.c.product_id) \
    .label("verified_purchase")
"""Whether a review's author bought its product, for each review a query reads."""


def _review(row: Any, phone: str, verified_purchase: bool) -> Review:
    return Review(id=row.id, product_id=row.product_id, user_id=row.user_id,
                  author=Phone(phone), rating=row.rating, comment=row.comment,
                  created_at=row.created_at, verified_purchase=bool(verified_purchase))
