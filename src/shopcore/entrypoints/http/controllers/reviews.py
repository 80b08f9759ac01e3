"""Routes of a product's reviews."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from shopcore.application.pagination import MAX_PAGE, MAX_PAGE_SIZE, PageRequest
from shopcore.application.ports import AccessClaims
from shopcore.application.shopping.add_review import AddReview, AddReviewCommand
from shopcore.application.shopping.delete_review import DeleteReview, DeleteReviewCommand
from shopcore.application.shopping.list_reviews import ListReviews, ListReviewsQuery
from shopcore.entrypoints.http.dependencies import use_case, use_case_after_claims
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import delete, get, post
from shopcore.entrypoints.http.schemas.pagination import PageBody, render_page
from shopcore.entrypoints.http.schemas.shopping import (
    MAX_PRODUCT_ID,
    ReviewBody,
    ReviewCreateBody,
    render_review,
)
from shopcore.entrypoints.http.security import BEARER_SECURITY, CLAIMS
from shopcore.entrypoints.http.throttling import requires_user_and_limits_writes

ProductPathId = Annotated[int, PathParameter(ge=1, le=MAX_PRODUCT_ID)]
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE,
                                           description="From 1")]
PageSize = Annotated[int, QueryParameter(name="page_size", ge=1, le=MAX_PAGE_SIZE)]


class ReviewsController(Controller):
    """Ratings and comments by buyers; authors are shown by masked phone number."""

    path = "/api/products/{product_id:int}/reviews"
    tags = ["reviews"]

    @get("/", dependencies={"list_reviews": use_case("list_reviews")},
         summary="A product's reviews, newest first",
         responses=problem_responses(400, 404, 422))
    async def list_reviews(
        self,
        request: Request[Any, Any, Any],
        product_id: ProductPathId,
        list_reviews: NamedDependency[ListReviews],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> PageBody[ReviewBody]:
        """Paginated, newest first; reviews written at the same moment go by ascending id
        (so pages never repeat or skip one). Unknown or archived product: 404."""
        found = await list_reviews(ListReviewsQuery(product_id, PageRequest(page, page_size)))
        return render_page(request, found, render_review)

    @post("/", status_code=HTTP_201_CREATED, guards=[requires_user_and_limits_writes],
          security=BEARER_SECURITY,
          dependencies={"claims": CLAIMS, "add_review": use_case_after_claims("add_review")},
          summary="Review a product you bought",
          responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429))
    async def add(
        self,
        product_id: ProductPathId,
        data: JSONBody[ReviewCreateBody],
        claims: NamedDependency[AccessClaims],
        add_review: NamedDependency[AddReview],
    ) -> ReviewBody:
        """Only after a non-cancelled order containing the product (403
        ``purchase_required``); one review per user and product (409
        ``already_reviewed``)."""
        return render_review(await add_review(
            AddReviewCommand(claims.user_id, product_id, data.rating, data.comment)))

    @delete("/", status_code=HTTP_204_NO_CONTENT, guards=[requires_user_and_limits_writes],
            security=BEARER_SECURITY,
            dependencies={"claims": CLAIMS,
                          "delete_review": use_case_after_claims("delete_review")},
            summary="Delete your review of a product",
            responses=problem_responses(400, 401, 404, 422, 429))
    async def remove(
        self,
        product_id: ProductPathId,
        claims: NamedDependency[AccessClaims],
        delete_review: NamedDependency[DeleteReview],
    ) -> None:
        """Afterwards you may review the product again. No review of yours: 404."""
        await delete_review(DeleteReviewCommand(claims.user_id, product_id))
