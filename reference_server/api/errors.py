"""The JSON error contract, and the one table that maps errors to HTTP.

Services raise their own errors (:mod:`reference_server.services.errors`); endpoints raise
the same ones, plus the three only HTTP has (a body that is not JSON, too big, or not sent
as JSON).
:data:`HTTP_ERRORS` gives each class its status and general code; an error's own ``code``
(``invalid_transition``, ``at_capacity``, …) says more where it has one::

    ServiceError                         status  code
    ├── BadRequest (HTTP only)           400     bad_request, malformed_json
    ├── Unauthorized                     401     unauthorized
    ├── Forbidden                        403     forbidden
    ├── NotFound                         404     not_found
    ├── Conflict                         409     conflict (or the error's code)
    ├── PayloadTooLarge (HTTP only)      413     payload_too_large
    ├── UnsupportedMediaType (HTTP only) 415     unsupported_media_type
    ├── ValidationFailed                 422     validation_failed (fields: {path: message})
    └── TooManyRequests                  429     rate_limited (and a Retry-After header)

Handlers also turn pydantic's validation errors, Starlette's HTTP exceptions (unknown route,
wrong method) and any unexpected exception into the same shape, so a client never sees an
HTML page or a stack.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from ..services.inputs import pydantic_fields

__all__ = [
    "HTTP_ERRORS",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "ServiceError",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "error_response",
    "exception_handlers",
    "http_status",
    "service_error_response",
    "pydantic_fields",
]

log = logging.getLogger("livechat.api")


class BadRequest(ServiceError):
    """The request itself is unreadable (e.g. its body is not JSON)."""


class PayloadTooLarge(ServiceError):
    """The request body is bigger than the endpoint takes."""


class UnsupportedMediaType(ServiceError):
    """The body is not sent as JSON (as an HTML form or a "simple" cross-site request is)."""


HTTP_ERRORS: Mapping[type[ServiceError], tuple[int, str]] = {
    ServiceError: (400, "bad_request"),
    BadRequest: (400, "bad_request"),
    Unauthorized: (401, "unauthorized"),
    Forbidden: (403, "forbidden"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    PayloadTooLarge: (413, "payload_too_large"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    ValidationFailed: (422, "validation_failed"),
    TooManyRequests: (429, "rate_limited"),
}
"""Each error class's HTTP status and general code (a subclass takes its parent's)."""


def http_status(error: ServiceError) -> tuple[int, str]:
    """The status and code of ``error``: its own code when it has one."""
    cls = next(c for c in type(error).__mro__ if c in HTTP_ERRORS)
    status, code = HTTP_ERRORS[cls]
    return status, error.code or code


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "fields": dict(fields or {})}}
    sent = dict(headers or {})
    if status == 401:
        sent["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=sent or None)


def service_error_response(error: ServiceError) -> JSONResponse:
    status, code = http_status(error)
    headers = None
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    return error_response(status, code, error.message, error.fields, headers)


async def _service_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return service_error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    return error_response(
        422, "validation_failed", "the request is not valid", pydantic_fields(exc)
    )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    # the headers Starlette attaches (``Allow`` on a 405) belong to the answer
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "something went wrong on the server")


def exception_handlers() -> dict[Any, Any]:
    return {
        ServiceError: _service_error,
        ValidationError: _validation_error,
        HTTPException: _http_error,
        Exception: _unexpected,
    }
