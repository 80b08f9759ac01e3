"""How request bodies are read: they must be JSON (product creation also takes a form),
and their text UTF-8 (JSON by RFC 8259, form fields by shopcore's choice): the app's
request class, and the checks for the route that decodes its own body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.exceptions import ClientException
from litestar.types import Empty
from multipart import ParserLimitReached  # type: ignore[import-untyped]

from shopcore.entrypoints.http.middleware import raw_header

_JSON_SUBTYPE = re.compile(rb"application/[a-z0-9!#$&^_.+-]+\+json")

NOT_JSON = ("The request body must be JSON, sent with Content-Type application/json "
            "(or application/*+json).")


def is_json_media_type(content_type: bytes) -> bool:
    """``application/json`` or ``application/<subtype>+json``, with any parameters
    (``charset=utf-8``), in any case."""
    if content_type == b"application/json":  # what nearly every client sends
        return True
    essence = content_type.partition(b";")[0].strip().lower()
    return essence == b"application/json" or _JSON_SUBTYPE.fullmatch(essence) is not None


@contextmanager
def utf8_json_body() -> Iterator[None]:
    """Decoding a JSON body inside the block: a string that is not UTF-8, for which
    msgspec raises ``UnicodeDecodeError``, is malformed JSON (``msgspec.DecodeError``,
    a 400 problem), not a server error."""
    try:
        yield
    except UnicodeDecodeError as error:
        raise msgspec.DecodeError("the body is not UTF-8") from error


class ShopcoreRequest(Request[Any, Any, Any]):
    """Litestar's request, whose body is read only if it is JSON, and whose JSON body and
    form fields must be UTF-8 (Litestar lets the ``UnicodeDecodeError`` through: a 400
    problem here, not a server error).

    Every route that takes a JSON body (``data``, or the webhook's raw body) reads it
    through :meth:`body`, so that is where a body of another type, or a non-empty one
    without a type, is refused: 415 ``unsupported_media``, decided from the headers
    before any byte is read (so before the size limit's 413). Those are the bodies a web
    page can make a visitor's browser send without a CORS preflight (``text/plain``,
    ``application/x-www-form-urlencoded``, ``multipart/form-data``, or none). Routes
    that read no body never look; product creation reads a form through :meth:`form`,
    having checked its type itself."""

    async def body(self) -> bytes:
        if self._body is Empty:  # the first read: later ones are the kept bytes
            content_type = raw_header(self.scope, b"content-type")
            if content_type is None:
                return await self._untyped_body()
            if not is_json_media_type(content_type):
                raise ClientException(NOT_JSON, status_code=415)
        return await super().body()

    async def _untyped_body(self) -> bytes:
        """A body sent without a Content-Type: refused unless it is empty."""
        declared = self.content_length
        if declared:
            raise ClientException(NOT_JSON, status_code=415)
        body = await super().body()
        if body:  # a length not declared (chunked): known once read, within the limit
            raise ClientException(NOT_JSON, status_code=415)
        return body

    async def json(self) -> Any:
        with utf8_json_body():
            return await super().json()

    async def form(self) -> FormMultiDict:
        """The form, whose fields must be UTF-8 text; a form of more parts than the app's
        limit (1,000) is too large: 413, not Litestar 2's 400 "Request Entity Too Large"
        (which Litestar means to make a 413 too, ``litestar._multipart``)."""
        try:
            return await super().form()
        except UnicodeDecodeError:
            raise ClientException("A form field is not UTF-8 text.") from None
        except ClientException as error:
            # Litestar raises its 400 ``from None`` on the parser's ParserLimitReached,
            # which stays the exception's context
            if not isinstance(error.__context__, ParserLimitReached):
                raise
            limit = self.app.multipart_form_part_limit
            raise ClientException(f"A form may hold at most {limit} parts.",
                                  status_code=413) from None
