"""Reading request input: JSON bodies into pydantic models, with the error contract."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from .errors import BadRequest, PayloadTooLarge, ValidationFailed, pydantic_fields

__all__ = ["PAGE_QUERY", "page_of", "parse_model", "query_int", "read_json", "read_model"]

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 256 * 1024


async def read_json(request: Request, *, limit: int = MAX_BODY_BYTES) -> Any:
    """The request's JSON body; 413 above ``limit`` bytes, 400 when it is not JSON."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    if not body.strip():
        raise BadRequest("a JSON body is required", code="malformed_json")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}", code="malformed_json") from None


def parse_model(model: type[M], data: Any) -> M:
    """Validate plain data as ``model``; 422 naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed("the request is not valid", fields=pydantic_fields(error)) from None


async def read_model(request: Request, model: type[M]) -> M:
    return parse_model(model, await read_json(request))


def query_int(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; 422 otherwise."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(
            "bad query parameter", fields={name: "must be a whole number"}
        ) from None
    if not low <= value <= high:
        raise ValidationFailed("bad query parameter", fields={name: f"must be {low} to {high}"})
    return value


PAGE_QUERY = (("limit", "1-500, default 100"), ("offset", "default 0"))  # for @operation


def page_of(request: Request, *, default_limit: int = 100, max_limit: int = 500) -> tuple[int, int]:
    """``(limit, offset)`` of a paged list; 422 when either is out of range."""
    limit = query_int(request, "limit", default_limit, low=1, high=max_limit)
    offset = query_int(request, "offset", 0, low=0, high=10_000_000)
    return limit, offset
