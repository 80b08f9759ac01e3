"""The one mapping from errors to problem+json answers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.enums import ParamType
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.params import ParameterKwarg

from shopcore.application.ports import ImageTooLarge, UnsupportedImage
from shopcore.application.ports.payments import (
    InvalidCheckoutSignature,
    InvalidWebhookSignature,
    MalformedWebhook,
)
from shopcore.application.shopping.idempotency import IdempotencyKeyReused
from shopcore.domain.catalog import VersionMismatch
from shopcore.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TokenExpired,
    Unauthenticated,
)
from shopcore.domain.ordering import CartEmpty, InsufficientStock, InvalidState
from shopcore.domain.otp import OtpDeliveryFailed, OtpExpired, OtpInvalid, OtpLocked
from shopcore.domain.payments import PaymentProviderFailed, PaymentsUnavailable, RefundFailed
from shopcore.domain.reviews import AlreadyReviewed, PurchaseRequired
from shopcore.entrypoints.http.schemas.problem import FieldProblem, Problem, ShortProduct

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("shopcore.http")

# Error type -> (HTTP status, problem code). Looked up along the exception's MRO,
# so the most specific entry wins.
DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str]] = {
    InvalidInput: (422, "validation_error"),
    NotFound: (404, "not_found"),
    Forbidden: (403, "forbidden"),
    Unauthenticated: (401, "unauthorized"),
    TokenExpired: (401, "token_expired"),
    RateLimited: (429, "rate_limited"),
    Conflict: (409, "conflict"),
    OtpInvalid: (400, "otp_invalid"),
    OtpExpired: (400, "otp_expired"),
    OtpLocked: (429, "otp_locked"),
    OtpDeliveryFailed: (502, "otp_delivery_failed"),
    UnsupportedImage: (415, "unsupported_media"),
    ImageTooLarge: (413, "payload_too_large"),
    # catalog
    VersionMismatch: (412, "precondition_failed"),
    # shopping
    InsufficientStock: (409, "out_of_stock"),
    CartEmpty: (409, "cart_empty"),
    InvalidState: (409, "invalid_state"),
    AlreadyReviewed: (409, "already_reviewed"),
    PurchaseRequired: (403, "purchase_required"),
    IdempotencyKeyReused: (422, "idempotency_key_reused"),
    # payments
    PaymentProviderFailed: (502, "payment_provider_failed"),
    PaymentsUnavailable: (503, "payments_unavailable"),
    RefundFailed: (502, "refund_failed"),
    InvalidWebhookSignature: (400, "invalid_signature"),
    InvalidCheckoutSignature: (400, "invalid_signature"),
    MalformedWebhook: (400, "bad_request"),
}

HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media",
    422: "validation_error",
    429: "rate_limited",
}


# Error type -> extra problem members drawn from the error's data.
PROBLEM_EXTRAS: dict[type[DomainError], Callable[[Any], dict[str, Any]]] = {
    # shopping
    InsufficientStock: lambda error: {"products": [
        ShortProduct(s.product_id, s.requested, s.available) for s in error.shortages]},
}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[Problem]:
    """A problem+json response."""
    title = HTTPStatus(status).phrase
    body = Problem(type=f"https://shopcore.dev/problems/{code}", title=title, status=status,
                   detail=detail, code=code, **extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Answer a domain error with its mapped status and code."""
    assert isinstance(exc, DomainError)
    status, code = _lookup(type(exc))
    extra: dict[str, Any] = {}
    headers: dict[str, str] | None = None
    if isinstance(exc, InvalidInput):
        extra["errors"] = [FieldProblem(e.field, e.message) for e in exc.errors]
    if isinstance(exc, OtpInvalid):
        extra["attempts_left"] = exc.attempts_left
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    for klass, render in PROBLEM_EXTRAS.items():
        if isinstance(exc, klass):
            extra.update(render(exc))
    if isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": 'Bearer realm="shopcore"'}
    return problem_response(status, code, exc.detail, headers=headers, **extra)


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Answer Litestar's own errors (404, 405, 413, validation...) as problems.

    A validation error names each field as the client wrote it: a body field by its
    dotted path (``shipping_address.city``), a header by its name (``Idempotency-Key``),
    and a body that is missing or is no JSON object as ``body`` ("The request body must
    be a JSON object."), on every route alike."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    if isinstance(exc, ValidationException) or status == 400 and _is_body_error(exc):
        errors = _field_problems(exc, request)
        return problem_response(422, "validation_error",
                                "The request is not valid: " + "; ".join(
                                    f"{e.field}: {e.message}" for e in errors),
                                errors=errors)
    if (not_json := _decode_error_behind(exc)) is not None:
        return msgspec_decode_error_handler(request, not_json)
    code = HTTP_CODES.get(status, "bad_request")
    detail = exc.detail if status != 404 else "Nothing lives at this address."
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    return problem_response(status, code, detail, headers=headers or None)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Log an unexpected error with the request id; answer without any detail."""
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.error("unhandled error on %s %s (request %s)", request.method, request.url.path,
              request_id, exc_info=exc)
    return problem_response(500, "internal_error",
                            f"Something went wrong on our side (request {request_id}).")


def _lookup(error: type[DomainError]) -> tuple[int, str]:
    for klass in error.__mro__:
        if klass in DOMAIN_ERRORS:
            return DOMAIN_ERRORS[klass]
    return 400, "bad_request"


def _is_body_error(exc: HTTPException) -> bool:
    return isinstance(exc.extra, list | dict)


_JSON_PATH = re.compile(r"at `\$\.?([^`]*)`")
_EXPECTED = re.compile(r"^(.*?)(?: - at `\$[^`]*`)?$")
# msgspec names unknown and missing fields in the message, not in the path.
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")
_NOT_AN_OBJECT = re.compile(r"'data'$|Expected `object`, got `\w+`$")
NOT_AN_OBJECT = "The request body must be a JSON object."
_MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '([^']+)'")


def _field_problems(exc: HTTPException, request: Request[Any, Any, Any]) -> list[FieldProblem]:
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    problems: list[FieldProblem] = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "is not valid"))
        key = item.get("key")
        if key == "data" and item.get("source") == "body" and _NOT_AN_OBJECT.match(message):
            # No body at all (Litestar's message is the KeyError's text, "'data'"), or a
            # JSON value that is no object (null, a list, a number, a string).
            problems.append(FieldProblem("body", NOT_AN_OBJECT))
            continue
        if key and item.get("source") == ParamType.HEADER:
            # Litestar names the handler's argument (idempotency_key): the client sent
            # the header (Idempotency-Key), which the rules of the use case name too.
            problems.append(FieldProblem(_header_name(request, str(key)), message))
            continue
        path = _JSON_PATH.search(message)
        field = _dotted(path.group(1)) if path else str(key) if key else "body"
        if field == "" and item.get("source") == "body":
            field = "body"
        if named := _NAMED_FIELD.search(message):
            # Litestar moves the path into "key" ("data" is the body itself).
            parent = _dotted(path.group(1)) if path else "" if key in (None, "data") else str(key)
            field = ".".join(p for p in (parent, named[1]) if p)
        text = _EXPECTED.match(message)
        problems.append(FieldProblem(field or "body", text.group(1) if text else message))
    missing = _MISSING_PARAMETER.search(exc.detail)
    return problems or [FieldProblem(missing[1] if missing else "body", exc.detail)]


def _header_name(request: Request[Any, Any, Any], argument: str) -> str:
    """The name of the header the route handler reads into ``argument``."""
    handler = request.scope.get("route_handler")
    field = handler.parsed_fn_signature.parameters.get(argument) if handler else None
    kwarg = field.kwarg_definition if field else None
    if isinstance(kwarg, ParameterKwarg):
        return kwarg.header or kwarg.name or argument
    return argument


def _dotted(json_path: str) -> str:
    # "$.items[0].quantity" -> "items.0.quantity"
    return re.sub(r"\[(\d+)\]", r".\1", json_path).lstrip(".")


def nesting_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """A body nested too deeply to decode (msgspec gives up with ``RecursionError``)."""
    log.warning("refused a too deeply nested body on %s %s", request.method, request.url.path)
    return problem_response(400, "bad_request", "The body is nested too deeply.")


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries documenting the problem answers a route can give."""
    return {
        status: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON,
                             description=HTTPStatus(status).phrase, generate_examples=False)
        for status in statuses
    }


def msgspec_decode_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Malformed JSON is a 400 problem saying what is wrong and where, in the API's words
    (msgspec's own text is not passed on)."""
    assert isinstance(exc, msgspec.DecodeError)
    reason = _not_json_reason(exc)
    return problem_response(400, "bad_request", "The request body is not valid JSON"
                            + (f": {reason}." if reason else "."))


def _decode_error_behind(exc: HTTPException) -> msgspec.DecodeError | None:
    """The JSON decoding error behind a 400: Litestar answers a body it cannot decode with
    ``ClientException(str(error))``, raised from its ``SerializationException``, raised
    from msgspec's error."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, msgspec.DecodeError):
            return cause
        cause = cause.__cause__
    return None


_MALFORMED = re.compile(r"^JSON is malformed: (.+) \(byte (\d+)\)$")
_OUT_OF_RANGE = re.compile(r"^Number out of range(?: - at `\$\.?([^`]*)`)?$")


def _not_json_reason(error: msgspec.DecodeError) -> str | None:
    """What is wrong with the body, from msgspec's message (it gives nothing else to read:
    no kind, no position attribute); None for a message this does not know."""
    if isinstance(error.__cause__, UnicodeDecodeError):  # raised by requests.utf8_json_body
        return "a string is not UTF-8 text"
    message = str(error)
    if message == "Input data was truncated":  # also a body of only whitespace
        return "it ends before a complete JSON value"
    if malformed := _MALFORMED.match(message):
        return f"{malformed[1]} at byte {malformed[2]}"
    if out_of_range := _OUT_OF_RANGE.match(message):
        path = _dotted(out_of_range[1] or "")
        # msgspec names a value of an untyped object "$[...]": no useful place
        return "a number is out of range" + (f" at {path}" if path and "..." not in path
                                               else "")
    return None


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    msgspec.DecodeError: msgspec_decode_error_handler,
    RecursionError: nesting_error_handler,
    Exception: internal_error_handler,
}
