"""The JSON error contract and the exceptions that produce it.

Exception hierarchy::

    ApiError (status, code, message, fields)
    ├── BadRequest          400  malformed_json, bad_request
    ├── Unauthorized        401  unauthorized
    ├── Forbidden           403  forbidden
    ├── NotFound            404  not_found
    ├── Conflict            409  conflict
    ├── PayloadTooLarge     413  payload_too_large
    ├── UnsupportedMediaType 415 unsupported_media_type
    ├── ValidationFailed    422  validation_failed (fields: {path: message})
    └── TooManyRequests     429  rate_limited (with Retry-After)

Handlers also turn Starlette's HTTP exceptions (unknown route, wrong method) and any
unexpected exception into the same shape, so a client never sees an HTML page or a stack.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "api_error_response",
    "error_response",
    "exception_handlers",
    "pydantic_fields",
]

log = logging.getLogger("livechat.api")


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, fields: Mapping[str, str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if code is not None:
            self.code = code


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(ApiError):
    status, code = 422, "validation_failed"


class TooManyRequests(ApiError):
    """A rate limit: try again after ``retry_after`` seconds (the ``Retry-After`` header)."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


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


def api_error_response(error: ApiError) -> JSONResponse:
    headers = None
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    return error_response(error.status, error.code, error.message, error.fields, headers)


def pydantic_fields(error: ValidationError) -> dict[str, str]:
    """pydantic's errors as ``{dotted.path: message}`` (list indexes as ``[i]``)."""
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            path = (
                f"{path}[{part}]"
                if isinstance(part, int)
                else (f"{path}.{part}" if path else str(part))
            )
        fields.setdefault(path or "(body)", item["msg"])
    return fields


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return api_error_response(exc)


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
        ApiError: _api_error,
        ValidationError: _validation_error,
        HTTPException: _http_error,
        Exception: _unexpected,
    }
