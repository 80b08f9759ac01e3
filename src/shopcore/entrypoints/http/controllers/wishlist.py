"""Routes of the caller's wishlist."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from shopcore.application.ports import AccessClaims
from shopcore.application.shopping.add_to_wishlist import AddToWishlist, AddToWishlistCommand
from shopcore.application.shopping.list_wishlist import ListWishlist, ListWishlistQuery
from shopcore.application.shopping.remove_from_wishlist import (
    RemoveFromWishlist,
    RemoveFromWishlistCommand,
)
from shopcore.entrypoints.http.dependencies import use_case_after_claims
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import delete, get, post
from shopcore.entrypoints.http.schemas.shopping import (
    MAX_PRODUCT_ID,
    AddToWishlistBody,
    WishlistBody,
    render_wishlist,
)
from shopcore.entrypoints.http.security import BEARER_SECURITY, CLAIMS, requires_user
from shopcore.entrypoints.http.throttling import requires_user_and_limits_writes


class WishlistController(Controller):
    """Products the caller wishes for, each at most once."""

    path = "/api/wishlist"
    tags = ["wishlist"]
    security = BEARER_SECURITY
    dependencies = {"claims": CLAIMS}

    @get("/", guards=[requires_user],
         dependencies={"list_wishlist": use_case_after_claims("list_wishlist")},
         summary="The caller's wishlist", responses=problem_responses(401))
    async def show(
        self, claims: NamedDependency[AccessClaims], list_wishlist: NamedDependency[ListWishlist]
    ) -> WishlistBody:
        """Newest first; archived products are left out."""
        return render_wishlist(await list_wishlist(ListWishlistQuery(claims.user_id)))

    @post("/", status_code=HTTP_201_CREATED,
          dependencies={"add_to_wishlist": use_case_after_claims("add_to_wishlist")},
          guards=[requires_user_and_limits_writes], summary="Put a product on the wishlist",
          responses={HTTP_200_OK: ResponseSpec(WishlistBody, description="It was already there",
                                               generate_examples=False),
                     **problem_responses(400, 401, 404, 413, 415, 422, 429)})
    async def add(
        self,
        data: JSONBody[AddToWishlistBody],
        claims: NamedDependency[AccessClaims],
        add_to_wishlist: NamedDependency[AddToWishlist],
    ) -> Response[WishlistBody]:
        """201 with the wishlist when the product was added, 200 when it was already
        there (never a duplicate). Unknown or archived product: 404. A wishlist holds at
        most 200 products: adding another is 422 ``validation_error`` naming
        ``product_id``."""
        added = await add_to_wishlist(AddToWishlistCommand(claims.user_id, data.product_id))
        return Response(render_wishlist(added.items),
                        status_code=HTTP_201_CREATED if added.created else HTTP_200_OK)

    @delete("/{product_id:int}/", status_code=HTTP_204_NO_CONTENT,
            dependencies={"remove_from_wishlist": use_case_after_claims("remove_from_wishlist")},
            guards=[requires_user_and_limits_writes],
            summary="Take a product off the wishlist",
            responses=problem_responses(400, 401, 404, 422, 429))
    async def remove(
        self,
        product_id: Annotated[int, PathParameter(ge=1, le=MAX_PRODUCT_ID)],
        claims: NamedDependency[AccessClaims],
        remove_from_wishlist: NamedDependency[RemoveFromWishlist],
    ) -> None:
        """204 also when the product was not on the wishlist."""
        await remove_from_wishlist(RemoveFromWishlistCommand(claims.user_id, product_id))
