"""Routes of the catalog: the public list, detail, search and best sellers, and the
admin routes that create (JSON or multipart with an image), change and archive products.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, Router
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ClientException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    Encoding,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED
from litestar.types import ControllerRouterHandler

from shopcore.application.catalog.archive_product import ArchiveProduct
from shopcore.application.catalog.create_product import CreateProduct, CreateProductCommand
from shopcore.application.catalog.get_product import GetProduct
from shopcore.application.catalog.list_products import ListProducts, ListProductsQuery
from shopcore.application.catalog.most_bought import (
    MAX_DAYS,
    MAX_LIMIT,
    MostBoughtProducts,
    MostBoughtQuery,
)
from shopcore.application.catalog.search_products import SearchProducts, SearchProductsQuery
from shopcore.application.catalog.update_product import UpdateProduct, UpdateProductCommand
from shopcore.application.pagination import MAX_PAGE, MAX_PAGE_SIZE
from shopcore.application.ports import ProductOrdering
from shopcore.domain.catalog import (
    CATEGORY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
)
from shopcore.domain.errors import FieldError, InvalidInput
from shopcore.domain.search import QUERY_MAX_LENGTH
from shopcore.entrypoints.http.dependencies import use_case
from shopcore.entrypoints.http.preconditions import (
    ETAG_HEADER,
    IF_NONE_MATCH_PARAMETER,
    IfMatchHeader,
    expected_version,
    if_none_match,
    is_current,
    product_etag,
)
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.requests import is_json_media_type, utf8_json_body
from shopcore.entrypoints.http.routing import delete, get, patch, post
from shopcore.entrypoints.http.schemas.catalog import (
    CATEGORY_DESCRIPTION,
    BestSellerBody,
    ProductBody,
    ProductCreateBody,
    ProductUpdateBody,
    render_best_seller,
    render_product,
)
from shopcore.entrypoints.http.schemas.pagination import PageBody, render_page
from shopcore.entrypoints.http.schemas.shopping import MAX_PRODUCT_ID
from shopcore.entrypoints.http.security import BEARER_SECURITY, requires_admin

MULTIPART_SLACK = 64 * 1024
"""Room for the text fields and part headers of a multipart upload, beyond the image."""

# The use cases check the ranges, together with the other parameters, so that one
# answer names every bad one; the schema documents them.
PageNumber = Annotated[int, QueryParameter(
    description="From 1", schema_extra={"minimum": 1, "maximum": MAX_PAGE})]
PageSize = Annotated[int, QueryParameter(
    description="1..100", schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE})]
ProductPathId = Annotated[int, PathParameter(
    description="Unknown, archived or out-of-range ids are 404",
    schema_extra={"minimum": 1, "maximum": MAX_PRODUCT_ID})]
PriceFilter = Annotated[str | None, QueryParameter(
    description="Inclusive bound, a decimal such as 199.99", examples=None)]


@dataclass
class ProductReadOperation(Operation):
    """The OpenAPI operation of a product read, with the ``If-None-Match`` its handler
    reads from the scope."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), IF_NONE_MATCH_PARAMETER]


class ProductsController(Controller):
    """Browse the catalog (anyone) and manage products (admins)."""

    path = "/api/products"
    tags = ["products"]

    @get("/", dependencies={"list_products": use_case("list_products")},
         summary="List products", responses=problem_responses(400, 422))
    async def list_products(
        self,
        request: Request[Any, Any, Any],
        list_products: NamedDependency[ListProducts],
        category: Annotated[str | None, QueryParameter(
            description="Only this category (case-insensitive)")] = None,
        min_price: PriceFilter = None,
        max_price: PriceFilter = None,
        in_stock: Annotated[bool | None, QueryParameter(
            description="true: only products in stock; false: only sold-out ones")] = None,
        ordering: Annotated[ProductOrdering, QueryParameter(
            description="Sort order; ties go by ascending id. The name orderings ignore "
                        "case and accents (see the operation's description)",
        )] = ProductOrdering.CREATED_AT_DESC,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> PageBody[ProductBody]:
        """Visible products, paginated; ``next``/``previous`` keep the filters. A bad filter
        value is a 422 naming it. Price bounds are inclusive.

        Every ordering breaks ties by ascending id. ``name`` and ``-name`` compare the
        names' letters, ignoring case, the accents of Latin, Greek and Cyrillic letters
        and the Indic nukta, as search does ("Éclair" sorts with "eclair" before
        "Zebra", "Straße" with "strasse", "İstanbul" with "istanbul"), then character by
        character by Unicode code point: digits before letters, letters without an
        accent to remove ("ı", "ø", "æ") and other scripts after the Latin letters. Names
        equal in this comparison ("Apple", "apple") go by ascending id; so do names
        equal in their first 200 characters as compared (where "ß" is "ss"). The order
        is the same in every deployment: it follows neither a language's nor the
        database's collation."""
        found = await list_products(ListProductsQuery(
            category=category, min_price=min_price, max_price=max_price, in_stock=in_stock,
            ordering=ordering.value, page=page, page_size=page_size))
        return render_page(request, found, render_product)

    @get("/search/", dependencies={"search_products": use_case("search_products")},
         summary="Search products", responses=problem_responses(400, 422))
    async def search(
        self,
        request: Request[Any, Any, Any],
        search_products: NamedDependency[SearchProducts],
        q: Annotated[str, QueryParameter(
            description=f"1..{QUERY_MAX_LENGTH} characters after trimming; every word must "
                        "match the start of a word of the name, category or description",
            examples=None)],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> PageBody[ProductBody]:
        """Ranked by relevance: products whose name holds every word first, then those
        whose category does, then description matches. Case-insensitive, word-prefix
        aware (``smart`` finds "Smartphone"), accent-insensitive for Latin, Greek and
        Cyrillic letters (``cafe`` finds "Café"); the vowel signs of Indic scripts are
        part of a word and the nukta is ignored (``फोन`` finds "फ़ोन"). A word is a run
        of letters, digits and combining marks: punctuation and search operators typed
        by the user are only separators (``wi-fi`` is ``wi`` and ``fi``). Within one of
        the three tiers, the order is the database's relevance score (SQLite FTS5's bm25,
        PostgreSQL's ts_rank), then the product id: the same products and tiers on either
        engine, but products of one tier may come in another order on each."""
        found = await search_products(SearchProductsQuery(q=q, page=page, page_size=page_size))
        return render_page(request, found, render_product)

    @get("/most-bought/", dependencies={"most_bought": use_case("most_bought_products")},
         summary="Best-selling products", responses=problem_responses(400, 422))
    async def most_bought(
        self,
        most_bought: NamedDependency[MostBoughtProducts],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 10,
        days: Annotated[int | None, QueryParameter(
            ge=1, le=MAX_DAYS, description="Only orders of the last days")] = None,
    ) -> list[BestSellerBody]:
        """Units sold and orders per product over orders that are not cancelled; most
        units first, ties by product id. Archived products are left out."""
        sellers = await most_bought(MostBoughtQuery(limit=limit, days=days))
        return [render_best_seller(seller) for seller in sellers]

    @get("/{product_id:int}/", dependencies={"get_product": use_case("get_product")},
         summary="A product", response_headers=[ETAG_HEADER],
         operation_class=ProductReadOperation,
         responses={HTTP_304_NOT_MODIFIED: ResponseSpec(
             None, description="Not modified: If-None-Match names the current ETag "
                               "(sent again, with no body)"),
             **problem_responses(400, 404)})
    async def detail(self, request: Request[Any, Any, Any], product_id: ProductPathId,
                     get_product: NamedDependency[GetProduct]) -> Response[ProductBody | None]:
        """Unknown or archived: 404. The ``ETag`` names the version shown: send it back in
        ``If-Match`` to change or archive the product only as it was read, or in
        ``If-None-Match`` to be answered 304 while it is still current."""
        product = await get_product(product_id)
        etag = product_etag(product)
        held = if_none_match(request.scope)
        if held is not None and is_current(held, etag):
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(render_product(product), headers={"ETag": etag})

    @patch("/{product_id:int}/", guards=[requires_admin], security=BEARER_SECURITY,
           dependencies={"update_product": use_case("update_product")},
           summary="Change a product (admin)", response_headers=[ETAG_HEADER],
           responses=problem_responses(400, 401, 403, 404, 412, 413, 415, 422))
    async def update(
        self,
        product_id: ProductPathId,
        data: JSONBody[ProductUpdateBody],
        update_product: NamedDependency[UpdateProduct],
        if_match: IfMatchHeader = None,
    ) -> Response[ProductBody]:
        """Any of name, description, price, category, stock; other fields are refused.
        With ``If-Match`` (the ``ETag`` of a read), only while the product is still at that
        version, else 412 ``precondition_failed`` and nothing changes: an order placed or
        another change made since the read is never overwritten. The answer's ``ETag``
        names the new version."""
        expected = expected_version(if_match, product_id)
        given = {name: value for name in data.__struct_fields__
                 if (value := getattr(data, name)) is not msgspec.UNSET}
        product = await update_product(UpdateProductCommand(
            product_id=product_id, **given, expected_version=expected))
        return Response(render_product(product), headers={"ETag": product_etag(product)})

    @delete("/{product_id:int}/", guards=[requires_admin], security=BEARER_SECURITY,
            status_code=HTTP_204_NO_CONTENT,
            dependencies={"archive_product": use_case("archive_product")},
            summary="Archive a product (admin)",
            responses=problem_responses(400, 401, 403, 404, 412))
    async def archive(
        self, product_id: ProductPathId, archive_product: NamedDependency[ArchiveProduct],
        if_match: IfMatchHeader = None,
    ) -> None:
        """The product disappears from the catalog; past orders keep their lines. With
        ``If-Match``, only while the product is still at that version, else 412
        ``precondition_failed`` and the product stays."""
        await archive_product(product_id, expected_version(if_match, product_id))


@dataclass
class ProductCreationOperation(Operation):
    """The OpenAPI operation of product creation, documenting both accepted bodies."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="The product as JSON, or as multipart/form-data with an optional "
                        "image file (JPEG, PNG or WebP, decided by decoding it).",
            content={
                "application/json": OpenAPIMediaType(schema=_product_schema(with_image=False)),
                "multipart/form-data": OpenAPIMediaType(
                    schema=_product_schema(with_image=True),
                    encoding={"image": Encoding(content_type="image/jpeg, image/png, "
                                                             "image/webp")}),
            })


class ProductCreationController(Controller):
    """Product creation, whose body may carry an image (its own body-size limit)."""

    path = "/api/products"
    tags = ["products"]

    @post("/add/", guards=[requires_admin], security=BEARER_SECURITY,
          status_code=HTTP_201_CREATED, operation_class=ProductCreationOperation,
          dependencies={"create_product": use_case("create_product")},
          summary="Create a product (admin)", response_headers=[ETAG_HEADER],
          responses=problem_responses(400, 401, 403, 413, 415, 422))
    async def create(
        self,
        request: Request[Any, Any, Any],
        create_product: NamedDependency[CreateProduct],
        json_body_limit: NamedDependency[int],
    ) -> Response[ProductBody]:
        """JSON, or multipart/form-data with the same fields and an optional ``image``.
        Unknown fields are refused. An image that is not really a JPEG, PNG or WebP is a
        415; one above the size or pixel limit a 413. The ``ETag`` names the new
        product's first version."""
        content_type, _ = request.content_type
        if content_type == "multipart/form-data":
            command = await _multipart_command(request)
        elif is_json_media_type(content_type.encode("latin-1")):
            command = await _json_command(request, json_body_limit)
        else:
            raise ClientException("Send application/json or multipart/form-data.",
                                  status_code=415)
        product = await create_product(command)
        return Response(render_product(product), headers={"ETag": product_etag(product)})


def catalog_routes(*, max_image_bytes: int, json_body_limit: int) -> list[ControllerRouterHandler]:
    """The catalog's route handlers; product creation accepts bodies up to the image
    limit plus room for the form fields (JSON bodies keep ``json_body_limit``)."""
    uploads = Router(path="/", route_handlers=[ProductCreationController],
                     request_max_body_size=max_image_bytes + MULTIPART_SLACK,
                     dependencies={"json_body_limit": Provide(
                         lambda: json_body_limit, sync_to_thread=False)})
    return [ProductsController, uploads]


# reading the creation body


_FORM_FIELDS = frozenset({"name", "description", "price", "category", "stock", "image"})


async def _json_command(request: Request[Any, Any, Any], limit: int) -> CreateProductCommand:
    body = await _bounded_body(request, limit)
    try:
        with utf8_json_body():
            # as lax as Litestar's own body decoding on the other routes ("3" for 3)
            data = msgspec.json.decode(body, type=ProductCreateBody, strict=False)
    except msgspec.ValidationError as error:  # named like Litestar's own body errors
        raise ValidationException(str(error), extra=[
            {"message": str(error), "key": "data", "source": "body"}]) from None
    return CreateProductCommand(name=data.name, description=data.description, price=data.price,
                                category=data.category, stock=data.stock)


async def _bounded_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The body, refused with 413 as soon as it grows beyond ``limit`` bytes."""
    if (request.content_length or 0) > limit:
        raise ClientException("The body is too large.", status_code=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ClientException("The body is too large.", status_code=413)
        chunks.append(chunk)
    return b"".join(chunks)


async def _multipart_command(request: Request[Any, Any, Any]) -> CreateProductCommand:
    form = await request.form()
    try:
        errors = [FieldError(name, "is not a field of a product")
                  for name in form if name not in _FORM_FIELDS]
        values: dict[str, object] = {}
        for name in _FORM_FIELDS & set(form):
            given = form.getall(name)
            if len(given) > 1:
                errors.append(FieldError(name, "must be given once"))
            values[name] = given[0]
        if errors:
            raise InvalidInput.many(errors)
        return CreateProductCommand(
            name=values.get("name"), price=values.get("price"), category=values.get("category"),
            description=values.get("description", ""),
            stock=_form_integer(values.get("stock", 0)),
            image=await _image_bytes(values.get("image")))
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()


async def _image_bytes(value: object) -> bytes | None:
    if value is None or value == "":  # a form's file input left empty comes as ""
        return None
    if not isinstance(value, UploadFile):
        raise InvalidInput("image", "must be a file")
    return await value.read()  # bounded by the route's body limit


def _form_integer(value: object) -> object:
    """Form fields are text; a whole number in text becomes an int (else the domain says
    what is wrong with it)."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,12}\s*", value):
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class _FieldDoc:
    schema: Schema
    required: bool = False


def _product_schema(*, with_image: bool) -> Schema:
    text, integer = OpenAPIType.STRING, OpenAPIType.INTEGER
    fields = {
        "name": _FieldDoc(Schema(type=text, min_length=1, max_length=NAME_MAX_LENGTH,
                                 examples=["Smartphone"]), required=True),
        "description": _FieldDoc(Schema(type=text, max_length=DESCRIPTION_MAX_LENGTH,
                                        default="", examples=["Latest Android device"])),
        "price": _FieldDoc(Schema(
            one_of=[Schema(type=text, pattern=r"^\d{1,8}(\.\d{1,2})?$"),
                    Schema(type=OpenAPIType.NUMBER, minimum=0, maximum=99999999.99)],
            description="At most two decimals, 0..99999999.99", examples=["19999.00"]),
            required=True),
        "category": _FieldDoc(Schema(type=text, min_length=1, max_length=CATEGORY_MAX_LENGTH,
                                     description=CATEGORY_DESCRIPTION, examples=["mobile"]),
                              required=True),
        "stock": _FieldDoc(Schema(type=integer, minimum=0, default=0, examples=[12])),
    }
    if with_image:
        fields["image"] = _FieldDoc(Schema(
            type=text, content_media_type="application/octet-stream",
            description="Optional JPEG, PNG or WebP file; at most SHOPCORE_MAX_IMAGE_BYTES "
                        "and 40 megapixels"))
    return Schema(type=OpenAPIType.OBJECT, additional_properties=False,
                  properties={name: doc.schema for name, doc in fields.items()},
                  required=[name for name, doc in fields.items() if doc.required])
