"""Routes of orders: placing, listing, showing and cancelling; the admin status route."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from shopcore.application.pagination import MAX_PAGE, MAX_PAGE_SIZE, PageRequest
from shopcore.application.ports import AccessClaims
from shopcore.application.shopping.cancel_order import CancelOrder, CancelOrderCommand
from shopcore.application.shopping.change_order_status import (
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
)
from shopcore.application.shopping.get_order import GetOrder, GetOrderQuery
from shopcore.application.shopping.idempotency import MAX_IDEMPOTENCY_KEY_LENGTH
from shopcore.application.shopping.list_orders import ListOrders, ListOrdersQuery
from shopcore.application.shopping.place_order import PlaceOrder, PlaceOrderCommand
from shopcore.entrypoints.http.dependencies import use_case, use_case_after_claims
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import get, post
from shopcore.entrypoints.http.schemas.pagination import PageBody, render_page
from shopcore.entrypoints.http.schemas.shopping import (
    CancelOrderBody,
    OrderBody,
    OrderStatusBody,
    PlaceOrderBody,
    render_order,
)
from shopcore.entrypoints.http.security import BEARER_SECURITY, CLAIMS, requires_user
from shopcore.entrypoints.http.throttling import (
    requires_admin_and_limits_writes,
    requires_user_and_limits_writes,
)

IdempotencyKeyHeader = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, min_length=1,
    max_length=MAX_IDEMPOTENCY_KEY_LENGTH, schema_extra={"pattern": r"^[\x20-\x7E]+$"},
    description="Repeating a request with the same key (per user) and body returns the "
                "first order with 200 instead of placing another; the same key with "
                "another body is 422 idempotency_key_reused. A key that is empty, longer "
                "than 255 characters or not printable ASCII is 422 validation_error, its "
                "error's field being Idempotency-Key.")]
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE,
                                           description="From 1")]
PageSize = Annotated[int, QueryParameter(name="page_size", ge=1, le=MAX_PAGE_SIZE)]
OrderPathId = Annotated[str, PathParameter(
    description="The order's opaque id; an unknown one (or another user's) is 404",
    schema_extra={"minLength": 1, "maxLength": 64})]


class OrdersController(Controller):
    """The caller's orders; ids are opaque strings."""

    path = "/api"
    tags = ["orders"]
    security = BEARER_SECURITY
    dependencies = {"claims": CLAIMS}

    @post("/order/place/", status_code=HTTP_201_CREATED, guards=[requires_user_and_limits_writes],
          dependencies={"place_order": use_case_after_claims("place_order")},
          summary="Turn the whole cart into an order",
          responses={HTTP_200_OK: ResponseSpec(OrderBody, generate_examples=False,
                                               description="A replay of an earlier request "
                                                           "with the same Idempotency-Key"),
                     **problem_responses(400, 401, 409, 413, 415, 422, 429)})
    async def place(
        self,
        data: JSONBody[PlaceOrderBody],
        claims: NamedDependency[AccessClaims],
        place_order: NamedDependency[PlaceOrder],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[OrderBody]:
        """In one transaction: every line is checked (409 ``out_of_stock`` listing every
        short product, and nothing changes), stock is taken, the order is written with
        each product's current name and price, and the cart is emptied. Empty cart: 409
        ``cart_empty``."""
        placed = await place_order(PlaceOrderCommand(
            user_id=claims.user_id, shipping_address=data.shipping_address.to_input(),
            idempotency_key=idempotency_key))
        return Response(render_order(placed.order),
                        status_code=HTTP_200_OK if placed.replayed else HTTP_201_CREATED)

    @get("/orders/", guards=[requires_user],
         dependencies={"list_orders": use_case_after_claims("list_orders")},
         summary="The caller's orders, newest first",
         responses=problem_responses(400, 401, 422))
    async def list_orders(
        self,
        request: Request[Any, Any, Any],
        claims: NamedDependency[AccessClaims],
        list_orders: NamedDependency[ListOrders],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> PageBody[OrderBody]:
        """Paginated; only the caller's own orders. Orders placed at the same moment
        go by ascending id, the ids compared character by character (Unicode code
        points), whatever the database's locale."""
        found = await list_orders(ListOrdersQuery(claims.user_id, PageRequest(page, page_size)))
        return render_page(request, found, render_order)

    @get("/orders/{order_id:str}/", guards=[requires_user],
         dependencies={"get_order": use_case_after_claims("get_order")},
         summary="One of the caller's orders",
         responses=problem_responses(400, 401, 404))
    async def show(
        self, order_id: OrderPathId, claims: NamedDependency[AccessClaims],
        get_order: NamedDependency[GetOrder],
    ) -> OrderBody:
        """Another user's order is 404, like an unknown one."""
        return render_order(await get_order(GetOrderQuery(claims.user_id, order_id)))

    @post("/order/cancel/", status_code=HTTP_200_OK, guards=[requires_user_and_limits_writes],
          dependencies={"cancel_order": use_case_after_claims("cancel_order")},
          summary="Cancel one of the caller's orders",
          responses=problem_responses(400, 401, 404, 409, 413, 415, 422, 429, 502))
    async def cancel(
        self,
        data: JSONBody[CancelOrderBody],
        claims: NamedDependency[AccessClaims],
        cancel_order: NamedDependency[CancelOrder],
    ) -> OrderBody:
        """Only placed or paid orders (else 409 ``invalid_state``); the stock comes back
        in the same transaction. Not the caller's order: 404. A paid order is refunded
        first; when the payment provider does not take the refund: 502 ``refund_failed``,
        the order stays paid, and cancelling again retries the refund."""
        return render_order(await cancel_order(CancelOrderCommand(claims.user_id, data.order_id)))

    @post("/orders/{order_id:str}/status/", status_code=HTTP_200_OK,
          guards=[requires_admin_and_limits_writes],
          dependencies={"change_order_status": use_case("change_order_status")},
          summary="Move an order on (admin)", tags=["admin"],
          responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429))
    async def change_status(
        self,
        order_id: OrderPathId,
        data: JSONBody[OrderStatusBody],
        change_order_status: NamedDependency[ChangeOrderStatus],
    ) -> OrderBody:
        """placed → paid → shipped → delivered, only along the allowed transitions (else
        409 ``invalid_state``); ``cancelled`` is not an admin status (422). An order whose
        payment is being or has been refunded (its owner is cancelling it) is not
        shipped: 409 ``invalid_state``."""
        return render_order(await change_order_status(
            ChangeOrderStatusCommand(order_id, data.status)))
