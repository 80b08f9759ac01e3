"""The cart: adding, setting and removing lines, availability, exact totals."""

from datetime import UTC, datetime

import pytest

from shopcore.domain.cart import (
    MAX_CART_LINES,
    MAX_LINE_QUANTITY,
    Adjustment,
    Cart,
    CartLine,
    PricedCartLine,
    check_quantity,
    compute_cart_total,
)
from shopcore.domain.catalog import Product
from shopcore.domain.errors import InvalidInput, NotFound
from shopcore.domain.money import MAX_PRICE_MINOR, Money
from shopcore.domain.ordering import CartEmpty, InsufficientStock, OrderLine, Shortage

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def a_product(product_id: int = 17, *, stock: int = 10, price: int = 1_999_900,
              archived: bool = False, name: str = "Smartphone") -> Product:
    return Product(product_id, name, "", Money(price), "mobile", stock, archived,
                   None, None, NOW, NOW)


def a_cart(*lines: tuple[int, int]) -> Cart:
    return Cart("user-1", tuple(CartLine(pid, qty) for pid, qty in lines))


# --- quantities ----------------------------------------------------------------------

@pytest.mark.parametrize("quantity", [1, 50, 99])
def test_add_quantity_is_1_to_99(quantity: int) -> None:
    assert check_quantity(quantity) == quantity


@pytest.mark.parametrize("quantity", [0, -1, 100, True, 1.0, "1", None])
def test_add_quantity_outside_1_to_99_is_invalid(quantity: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_quantity(quantity)
    assert caught.value.errors[0].field == "quantity"


def test_set_quantity_may_be_zero() -> None:
    assert check_quantity(0, minimum=0) == 0
    with pytest.raises(InvalidInput):
        check_quantity(-1, minimum=0)
    with pytest.raises(InvalidInput):
        check_quantity(100, minimum=0)


# --- add -----------------------------------------------------------------------------

def test_adding_to_an_empty_cart_creates_a_line() -> None:
    cart = Cart("user-1").add(a_product(), 2)
    assert cart.lines == (CartLine(17, 2),)
    assert cart.user_id == "user-1"


def test_adding_defaults_to_one_unit() -> None:
    assert Cart("user-1").add(a_product()).lines == (CartLine(17, 1),)


def test_adding_again_accumulates_on_the_same_line() -> None:
    cart = a_cart((17, 2)).add(a_product(), 3)
    assert cart.lines == (CartLine(17, 5),)


def test_adding_keeps_the_order_in_which_products_were_first_added() -> None:
    cart = a_cart((3, 1), (17, 1), (5, 1)).add(a_product(17), 1).add(a_product(9), 1)
    assert [line.product_id for line in cart.lines] == [3, 17, 5, 9]
    assert cart.quantity_of(17) == 2


def test_adding_returns_a_new_cart_and_leaves_the_old_one_alone() -> None:
    cart = a_cart((17, 1))
    cart.add(a_product(), 1)
    assert cart.lines == (CartLine(17, 1),)


def test_adding_up_to_exactly_99_is_fine() -> None:
    cart = a_cart((17, 90)).add(a_product(stock=500), 9)
    assert cart.quantity_of(17) == MAX_LINE_QUANTITY


def test_adding_beyond_99_on_a_line_is_invalid_quantity() -> None:
    with pytest.raises(InvalidInput) as caught:
        a_cart((17, 90)).add(a_product(stock=500), 10)
    assert caught.value.errors[0].field == "quantity"


def test_the_99_limit_is_checked_before_the_stock() -> None:
    with pytest.raises(InvalidInput):
        a_cart((17, 98)).add(a_product(stock=5), 2)


def test_adding_up_to_exactly_the_stock_is_fine() -> None:
    assert a_cart((17, 2)).add(a_product(stock=5), 3).quantity_of(17) == 5


def test_adding_beyond_the_stock_reports_the_new_line_quantity_and_the_stock() -> None:
    with pytest.raises(InsufficientStock) as caught:
        a_cart((17, 4)).add(a_product(stock=5), 2)
    assert caught.value.shortages == (Shortage(17, requested=6, available=5),)


def test_adding_a_product_with_no_stock_is_out_of_stock() -> None:
    with pytest.raises(InsufficientStock) as caught:
        Cart("user-1").add(a_product(stock=0), 1)
    assert caught.value.shortages == (Shortage(17, requested=1, available=0),)


def test_adding_an_archived_product_is_not_found() -> None:
    with pytest.raises(NotFound):
        Cart("user-1").add(a_product(archived=True), 1)


def test_adding_an_invalid_quantity_is_refused_before_anything_else() -> None:
    with pytest.raises(InvalidInput):
        Cart("user-1").add(a_product(archived=True, stock=0), 0)


def test_a_cart_holds_at_most_100_different_products() -> None:
    full = a_cart(*((pid, 1) for pid in range(1, MAX_CART_LINES + 1)))
    with pytest.raises(InvalidInput) as caught:
        full.add(a_product(1000), 1)
    assert caught.value.errors[0].field == "product_id"
    assert full.add(a_product(1), 1).quantity_of(1) == 2  # existing lines still grow


# --- update and remove ---------------------------------------------------------------

def test_update_sets_the_quantity() -> None:
    assert a_cart((17, 2), (3, 1)).update(a_product(), 7).lines == (
        CartLine(17, 7), CartLine(3, 1))


def test_update_to_zero_removes_the_line() -> None:
    assert a_cart((17, 2), (3, 1)).update(a_product(), 0).lines == (CartLine(3, 1),)


@pytest.mark.parametrize("quantity", [-1, 100, True, "2", None])
def test_update_quantity_must_be_0_to_99(quantity: object) -> None:
    with pytest.raises(InvalidInput):
        a_cart((17, 2)).update(a_product(), quantity)


def test_update_of_a_product_not_in_the_cart_is_not_found() -> None:
    with pytest.raises(NotFound):
        a_cart((3, 1)).update(a_product(17), 1)
    with pytest.raises(NotFound):
        a_cart((3, 1)).update(a_product(17), 0)


def test_raising_a_line_above_the_stock_is_out_of_stock() -> None:
    with pytest.raises(InsufficientStock) as caught:
        a_cart((17, 2)).update(a_product(stock=5), 6)
    assert caught.value.shortages == (Shortage(17, 6, 5),)


def test_raising_a_line_of_an_archived_product_is_out_of_stock_with_none_available() -> None:
    with pytest.raises(InsufficientStock) as caught:
        a_cart((17, 2)).update(a_product(stock=50, archived=True), 3)
    assert caught.value.shortages == (Shortage(17, 3, 0),)


def test_lowering_a_line_is_allowed_even_when_it_is_still_above_the_stock() -> None:
    cart = a_cart((17, 9)).update(a_product(stock=3), 5)
    assert cart.quantity_of(17) == 5
    assert a_cart((17, 9)).update(a_product(archived=True), 9).quantity_of(17) == 9


def test_remove_drops_the_line() -> None:
    assert a_cart((17, 2), (3, 1)).remove(17).lines == (CartLine(3, 1),)


def test_removing_a_product_not_in_the_cart_is_not_found() -> None:
    with pytest.raises(NotFound):
        a_cart((3, 1)).remove(17)


def test_cleared_cart_is_empty_but_keeps_its_owner() -> None:
    cart = a_cart((3, 1), (4, 2)).cleared()
    assert cart.is_empty and cart.user_id == "user-1" and cart.total_quantity == 0


def test_cart_queries() -> None:
    cart = a_cart((3, 1), (4, 2))
    assert not cart.is_empty
    assert cart.total_quantity == 3
    assert cart.contains(3) and not cart.contains(5)
    assert cart.quantity_of(4) == 2 and cart.quantity_of(5) == 0


# --- pricing -------------------------------------------------------------------------

def test_a_priced_line_uses_the_current_name_and_price() -> None:
    line = PricedCartLine.of(CartLine(17, 2), a_product(price=1_999_900, name="Phone X"))
    assert line == PricedCartLine(17, "Phone X", Money(1_999_900), 2, True)
    assert line.line_total == Money(3_999_800)


@pytest.mark.parametrize(
    ("stock", "archived", "quantity", "available"),
    [(5, False, 5, True), (5, False, 4, True), (5, False, 6, False), (0, False, 1, False),
     (50, True, 1, False)],
)
def test_a_line_is_available_only_when_not_archived_and_stock_covers_it(
    stock: int, archived: bool, quantity: int, available: bool
) -> None:
    line = PricedCartLine.of(CartLine(17, quantity), a_product(stock=stock, archived=archived))
    assert line.available is available


def test_cart_total_sums_lines_exactly() -> None:
    lines = [PricedCartLine(1, "a", Money(1_999_900), 2, True),
             PricedCartLine(2, "b", Money(10), 3, False)]
    total = compute_cart_total(lines, "INR")
    assert total.lines == tuple(lines)
    assert total.total_quantity == 5
    assert total.subtotal == Money(3_999_830)
    assert total.total == total.subtotal
    assert total.currency == "INR"
    assert total.adjustments == ()
    assert not total.all_available


def test_an_empty_cart_totals_zero() -> None:
    total = compute_cart_total([], "INR")
    assert (total.total_quantity, total.subtotal, total.total) == (0, Money(0), Money(0))
    assert total.all_available


def test_a_cart_total_of_9900000000_is_exact() -> None:
    lines = [PricedCartLine(pid, "p", Money.parse("1000000.00"), 99, True)
             for pid in range(1, MAX_CART_LINES + 1)]
    total = compute_cart_total(lines, "INR")
    assert total.total.amount == "9900000000.00"
    assert total.total.minor == 990_000_000_000 > 2**32


def test_totals_stay_exact_far_beyond_32_bits() -> None:
    lines = [PricedCartLine(pid, "p", Money(MAX_PRICE_MINOR), 99, True)
             for pid in range(1, MAX_CART_LINES + 1)]
    total = compute_cart_total(lines, "INR")
    assert total.subtotal.minor == MAX_PRICE_MINOR * 99 * 100
    assert total.total.amount == "989999999901.00"
    assert total.total_quantity == 9900


def test_adjustments_are_added_to_the_subtotal() -> None:
    lines = [PricedCartLine(1, "a", Money(10_000), 1, True)]
    total = compute_cart_total(lines, "INR", [Adjustment("discount", Money(-1_500)),
                                              Adjustment("shipping", Money(4_000))])
    assert total.subtotal == Money(10_000)
    assert total.total == Money(12_500)
    assert [a.label for a in total.adjustments] == ["discount", "shipping"]


def test_a_price_in_another_currency_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="cannot mix"):
        compute_cart_total([PricedCartLine(1, "a", Money(1, "USD"), 1, True)], "INR")


def test_pricing_a_cart_reads_current_product_state_and_keeps_archived_lines() -> None:
    cart = a_cart((17, 2), (3, 1), (99, 1))
    products = {17: a_product(17, price=500, stock=1), 3: a_product(3, price=100, archived=True)}
    total = cart.priced(products, "INR")
    assert [(line.product_id, line.available) for line in total.lines] == [(17, False),
                                                                            (3, False)]
    assert total.subtotal == Money(1_100)
    assert total.total_quantity == 3


def test_the_largest_possible_cart_prices_exactly() -> None:
    products = {pid: a_product(pid, price=MAX_PRICE_MINOR, stock=99)
                for pid in range(1, MAX_CART_LINES + 1)}
    cart = Cart("user-1")
    for product in products.values():
        cart = cart.add(product, 99)
    total = cart.priced(products, "INR")
    assert total.total == Money(MAX_PRICE_MINOR * 99 * 100)
    assert total.all_available


# --- turning the cart into order lines -----------------------------------------------

def test_order_lines_snapshot_current_names_and_prices() -> None:
    cart = a_cart((17, 2), (3, 1))
    products = {17: a_product(17, price=500, name="Phone"), 3: a_product(3, price=70,
                                                                          name="Case")}
    assert cart.order_lines(products) == (OrderLine(17, "Phone", Money(500), 2),
                                          OrderLine(3, "Case", Money(70), 1))


def test_order_lines_of_an_empty_cart_is_cart_empty() -> None:
    with pytest.raises(CartEmpty):
        Cart("user-1").order_lines({})


def test_order_lines_list_every_short_product() -> None:
    cart = a_cart((1, 2), (2, 5), (3, 1), (4, 1))
    products = {1: a_product(1, stock=2), 2: a_product(2, stock=4),
                3: a_product(3, stock=9, archived=True)}
    with pytest.raises(InsufficientStock) as caught:
        cart.order_lines(products)
    assert caught.value.shortages == (Shortage(2, 5, 4), Shortage(3, 1, 0), Shortage(4, 1, 0))
