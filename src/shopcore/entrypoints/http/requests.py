"""Bodies whose text must be UTF-8 (JSON by RFC 8259, form fields by shopcore's choice):
the app's request class, and the guard for the routes that decode their own body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.exceptions import ClientException


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
    """Litestar's request, whose JSON body and form fields must be UTF-8 (Litestar lets
    the ``UnicodeDecodeError`` through: a 400 problem here, not a server error)."""

    async def json(self) -> Any:
        with utf8_json_body():
            return await super().json()

    async def form(self) -> FormMultiDict:
        try:
            return await super().form()
        except UnicodeDecodeError:
            raise ClientException("A form field is not UTF-8 text.") from None
