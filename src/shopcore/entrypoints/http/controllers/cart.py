"""Routes of the caller's cart."""

from __future__ import annotations

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from shopcore.application.ports import AccessClaims
from shopcore.application.shopping.add_to_cart import AddToCart, AddToCartCommand
from shopcore.application.shopping.get_cart import GetCart, GetCartQuery
from shopcore.application.shopping.remove_from_cart import RemoveFromCart, RemoveFromCartCommand
from shopcore.application.shopping.update_cart_line import UpdateCartLine, UpdateCartLineCommand
from shopcore.entrypoints.http.dependencies import use_case_after_claims
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import get, post
from shopcore.entrypoints.http.schemas.shopping import (
    AddToCartBody,
    CartBody,
    RemoveFromCartBody,
    UpdateCartLineBody,
    render_cart,
)
from shopcore.entrypoints.http.security import BEARER_SECURITY, CLAIMS, requires_user
from shopcore.entrypoints.http.throttling import requires_user_and_limits_writes


class CartController(Controller):
    """The cart, always priced from current prices; one line per product."""

    path = "/api/cart"
    tags = ["cart"]
    security = BEARER_SECURITY
    dependencies = {"claims": CLAIMS}

    @get("/", guards=[requires_user], dependencies={"get_cart": use_case_after_claims("get_cart")},
         summary="The caller's cart", responses=problem_responses(401))
    async def show(
        self, claims: NamedDependency[AccessClaims], get_cart: NamedDependency[GetCart]
    ) -> CartBody:
        """Lines with current prices; ``available`` is false for archived products and
        lines above the stock."""
        return render_cart(await get_cart(GetCartQuery(claims.user_id)))

    @post("/add/", status_code=HTTP_200_OK,
          dependencies={"add_to_cart": use_case_after_claims("add_to_cart")},
          guards=[requires_user_and_limits_writes], summary="Add units of a product",
          responses=problem_responses(400, 401, 404, 409, 413, 415, 422, 429))
    async def add(
        self,
        data: JSONBody[AddToCartBody],
        claims: NamedDependency[AccessClaims],
        add_to_cart: NamedDependency[AddToCart],
    ) -> CartBody:
        """Adds to the product's line. Unknown or archived product: 404; the line above
        the stock: 409 ``out_of_stock``; above 99 units, or a 101st product in the cart
        (a cart holds at most 100): 422."""
        return render_cart(await add_to_cart(
            AddToCartCommand(claims.user_id, data.product_id, data.quantity)))

    @post("/update/", status_code=HTTP_200_OK,
          dependencies={"update_cart_line": use_case_after_claims("update_cart_line")},
          guards=[requires_user_and_limits_writes],
          summary="Set the quantity of a product in the cart",
          responses=problem_responses(400, 401, 404, 409, 413, 415, 422, 429))
    async def update(
        self,
        data: JSONBody[UpdateCartLineBody],
        claims: NamedDependency[AccessClaims],
        update_cart_line: NamedDependency[UpdateCartLine],
    ) -> CartBody:
        """0 removes the line; a product not in the cart: 404."""
        return render_cart(await update_cart_line(
            UpdateCartLineCommand(claims.user_id, data.product_id, data.quantity)))

    @post("/remove/", status_code=HTTP_200_OK,
          dependencies={"remove_from_cart": use_case_after_claims("remove_from_cart")},
          guards=[requires_user_and_limits_writes], summary="Remove a product from the cart",
          responses=problem_responses(400, 401, 404, 413, 415, 422, 429))
    async def remove(
        self,
        data: JSONBody[RemoveFromCartBody],
        claims: NamedDependency[AccessClaims],
        remove_from_cart: NamedDependency[RemoveFromCart],
    ) -> CartBody:
        """A product not in the cart: 404."""
        return render_cart(await remove_from_cart(
            RemoveFromCartCommand(claims.user_id, data.product_id)))
