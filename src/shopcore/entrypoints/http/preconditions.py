"""Entity tags of products (RFC 9110 §8.8.3, §13.1.1, §13.1.2): the ``ETag`` that
answers with a product carry, the ``If-Match`` that a change or an archiving may send,
and the ``If-None-Match`` with which a read asks for the product only if it changed.

A product's entity tag is ``"<id>-<version>"``, strong, and opaque to clients: it changes
with every stored change of the product (``Product.version``: an admin's change, stock
taken by an order or put back by a cancellation, its review aggregates, archiving), so
an admin who sends back the tag they read changes the product only if nothing changed it
in between (a lost update is answered 412 ``precondition_failed`` instead).
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import OpenAPIType, Parameter, Schema
from litestar.params import HeaderParameter
from litestar.types import Scope

from shopcore.domain.catalog import Product

NO_VERSION = 0
"""The expected version of an ``If-Match`` that can never match this product (weak tags,
tags of another product or of another form, a malformed value): no product is at
version 0 (they start at 1), so the change is refused with 412 once the product is
found (an unknown one is 404 first)."""

ETAG_HEADER = ResponseHeader(
    name="ETag", value='"17-4"', documentation_only=True, required=True,
    description='The product\'s entity tag, strong and opaque (today "<id>-<version>"). '
                "It changes with every stored change of the product (an admin's change, "
                "stock taken by an order or put back by a cancellation, reviews, "
                "archiving). Send it back in If-Match to change or archive the product "
                "only as it was read.")
"""Documents the ``ETag`` of the answers that carry a product (the handler sends it;
``value`` is only there to give the documented header its type)."""

IfMatchHeader = Annotated[str | None, HeaderParameter(
    name="If-Match", required=False,
    description='Optional. The ETag of the product as last read, quotes included (e.g. '
                '"17-4"): the request takes effect only if the product is still at that '
                "version, else 412 precondition_failed and nothing changes. \"*\" matches "
                "any existing product. A comma-separated list of tags matches when it holds "
                "the current one (of several tags of this product the newest counts: an "
                "older one can no longer be current). Anything else never matches and is "
                "412 too: weak tags (W/...), another product's tag, a value that is not "
                "\"*\" or a list of quoted entity tags. An unknown or archived product is "
                "404 whatever the header says. Without it, the request applies to "
                "whatever the product is now.",
    # a string when present (the header is optional, never null)
    schema_extra={"type": OpenAPIType.STRING, "oneOf": None, "examples": ['"17-4"', "*"]})]

IF_NONE_MATCH_PARAMETER = Parameter(
    name="If-None-Match", param_in="header", required=False,
    schema=Schema(type=OpenAPIType.STRING, examples=['"17-4"']),
    description='Optional. ETags of the product the client holds (e.g. "17-4"), or "*": '
                "when one of them is the current one (weak tags compare too), the answer is "
                "304 Not Modified with the ETag and no body. A malformed value is ignored.")
"""Documents the ``If-None-Match`` of a product read (the handler reads it from the
scope: a declared header parameter would cost every read ~4 µs, a tenth of the route)."""


def if_none_match(scope: Scope) -> str | None:
    """The request's ``If-None-Match``, its lines joined by commas, or None."""
    lines = [value.decode("latin-1") for key, value in scope["headers"]
             if key.lower() == b"if-none-match"]
    return ", ".join(lines) if lines else None


_TAG = r'(?:W/)?"[\x21\x23-\x7E\x80-\xFF]*"'
"""An entity tag: optionally weak, an opaque quoted string (no DQUOTE, no space)."""
_TAG_LIST = re.compile(rf"[ \t,]*{_TAG}(?:[ \t]*,[ \t,]*{_TAG})*[ \t,]*")
"""``#entity-tag``: tags separated by commas, with optional spaces and empty elements."""
_TAGS = re.compile(_TAG)
_OURS = re.compile(r'"([1-9][0-9]{0,18})-([1-9][0-9]{0,18})"')
"""A strong tag as :func:`product_etag` writes it (no leading zeros, no sign; ids and
versions are 64-bit integers, so a longer number names nothing)."""


def product_etag(product: Product) -> str:
    """The entity tag of ``product`` as it is now: ``"<id>-<version>"``, quoted."""
    return f'"{product.id}-{product.version}"'


def is_current(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, RFC 9110
    §13.1.2: ``W/"17-4"`` names ``"17-4"``) or is ``*``; a malformed value names
    nothing, so the product is sent."""
    tags = _listed_tags(if_none_match)
    return tags is None or any(tag.removeprefix("W/") == etag for tag in tags)


def expected_version(if_match: str | None, product_id: int) -> int | None:
    """What a change of product ``product_id`` may expect given its ``If-Match`` header:
    None without the header or for ``*`` (any existing product), else the version its
    tag names, or :data:`NO_VERSION` when nothing in it can match (a malformed value
    included: RFC 9110 compares entity tags, and such a value holds none of the
    product's; the answer is 412, as for any tag that is not the current one).

    Of several tags of the product, the newest counts: a version is current only until
    the next one exists, so of the versions a client was given only the newest can still
    match (RFC 9110 lets any tag of the list match: the two differ only for a tag naming
    a version that never existed, which then makes the change fail)."""
    if if_match is None:
        return None
    tags = _listed_tags(if_match)
    if tags is None:
        return None
    versions = [int(ours[2]) for tag in tags
                if (ours := _OURS.fullmatch(tag)) is not None and int(ours[1]) == product_id]
    return max(versions, default=NO_VERSION)


def _listed_tags(value: str) -> list[str] | None:
    """The entity tags of an ``If-Match`` or ``If-None-Match`` value, as written (weak
    ones with their ``W/``); None for ``*``; none at all for a malformed value."""
    value = value.strip(" \t")
    if value == "*":
        return None
    return _TAGS.findall(value) if _TAG_LIST.fullmatch(value) else []
