"""Reading request input: JSON bodies into pydantic models, with the error contract."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from ..json_input import BadJson, parse_json
from .errors import (
    BadRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    pydantic_fields,
)
from .openapi import QueryParam, integer

__all__ = [
    "PAGE_QUERY",
    "KeptBodies",
    "json_of",
    "page_of",
    "page_query",
    "parse_model",
    "query_int",
    "read_body",
    "read_json",
    "read_model",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
MAX_BODY_BYTES = 256 * 1024


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or ``application/<something>+json`` (parameters allowed)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_json(request: Request, *, limit: int = MAX_BODY_BYTES) -> Any:
    """The request's JSON body; 415 unless sent as JSON (a form or ``text/plain`` post from
    another site never gets this far), 413 above ``limit`` bytes, 400 when it is not JSON
    (:mod:`reference_server.json_input` says what else is refused)."""
    return json_of(await read_body(request, limit=limit))


async def read_body(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request's body, sent as JSON (415 otherwise), at most ``limit`` bytes (413)."""
    content_type = declared = None
    for key, value in request.scope["headers"]:  # one pass: every JSON call comes here
        if key == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
        elif key == b"content-length" and declared is None:
            declared = value.decode("latin-1")
    if content_type != "application/json" and not is_json_media_type(content_type or ""):
        raise UnsupportedMediaType("send the body as JSON (Content-Type: application/json)")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    return body


def json_of(body: bytes) -> Any:
    """The JSON value of a body; 400 when there is none or it is not JSON, 422 for text that
    cannot be stored."""
    if not body.strip():
        raise BadRequest("a JSON body is required", code="malformed_json")
    try:
        return parse_json(body)
    except BadJson as error:
        if error.code == "validation_failed":
            fields = {error.field: error.message}
            raise ValidationFailed("the request is not valid", fields=fields) from None
        raise BadRequest(f"the body is not valid JSON: {error.message}", code=error.code) from None


def parse_model(model: type[M], data: Any) -> M:
    """Validate plain data as ``model``; 422 naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed("the request is not valid", fields=pydantic_fields(error)) from None


async def read_model(request: Request, model: type[M]) -> M:
    return parse_model(model, await read_json(request))


class KeptBodies(Generic[T]):
    """Bodies already understood, by their bytes: for a call whose clients send the same body
    again and again (the loader's config call on every page view of a visitor), the JSON and
    its validation are done once. ``understand`` turns the JSON value into what the handler
    takes (raising the usual 4xx); only what it accepted is kept, and only small bodies."""

    def __init__(
        self, understand: Callable[[Any], T], *, kept: int = 4096, max_bytes: int = 2048
    ) -> None:
        self._understand = understand
        self._limit, self._max_bytes = kept, max_bytes
        self._kept: OrderedDict[bytes, T] = OrderedDict()

    async def read(self, request: Request) -> T:
        body = await read_body(request)
        found = self._kept.get(body)
        if found is not None:
            self._kept.move_to_end(body)
            return found
        value = self._understand(json_of(body))
        if len(body) <= self._max_bytes:
            self._kept[body] = value
            if len(self._kept) > self._limit:
                self._kept.popitem(last=False)
        return value


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


MAX_OFFSET = 10_000_000


def page_query(default_limit: int = 100, max_limit: int = 500) -> tuple[QueryParam, ...]:
    """``limit`` and ``offset`` as :func:`page_of` reads them, for ``@operation(query=…)``."""
    return (
        integer("limit", 1, max_limit, default_limit),
        integer("offset", 0, MAX_OFFSET, 0),
    )


PAGE_QUERY = page_query()


def page_of(request: Request, *, default_limit: int = 100, max_limit: int = 500) -> tuple[int, int]:
    """``(limit, offset)`` of a paged list; 422 when either is out of range."""
    limit = query_int(request, "limit", default_limit, low=1, high=max_limit)
    offset = query_int(request, "offset", 0, low=0, high=MAX_OFFSET)
    return limit, offset
