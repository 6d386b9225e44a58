"""OpenAPI 3.1 generated from the routes and their pydantic models.

An endpoint states what it takes and gives with :func:`operation`; :func:`openapi_document`
walks the application's routes (into mounts) and builds the document, with every model in
``components/schemas``. Nothing is registered globally: the routes are the source.

Every answer an operation can give is documented, so that a client (and schemathesis, in
``tests/server/test_schemathesis.py``) can rely on the document: the errors every request
can meet are added to each operation's own — 400 (an unreadable address or body), 413, 415
and 422 with a body, 401 and 403 with credentials, 404 with an id in the path, 422 with
query parameters, 429 where the abuse limits apply; query parameters carry their types
(:func:`integer`, :func:`choice`, :func:`text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Mount, Route

__all__ = ["Operation", "QueryParam", "choice", "integer", "operation", "openapi_document", "text"]

F = TypeVar("F", bound=Callable[..., Any])
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    schema: Mapping[str, Any]


def integer(name: str, low: int, high: int, default: int, about: str = "") -> QueryParam:
    """A whole-number query parameter within [low, high]."""
    text = f"{about}; " if about else ""
    schema = {"type": "integer", "minimum": low, "maximum": high, "default": default}
    return QueryParam(name, f"{text}{low} to {high}, default {default}", schema)


def choice(name: str, values: Sequence[str], default: str | None, about: str = "") -> QueryParam:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return QueryParam(name, about or " | ".join(values), schema)


def text(name: str, about: str, *, min_length: int = 0) -> QueryParam:
    schema: dict[str, Any] = {"type": "string"}
    if min_length:
        schema["minLength"] = min_length
    return QueryParam(name, about, schema)


@dataclass(frozen=True)
class Operation:
    summary: str
    tags: tuple[str, ...] = ()
    request: type[BaseModel] | str | None = None  # a model, or a schema's name
    response: type[BaseModel] | None = None
    response_list: bool = False
    status: int = 200
    also: tuple[int, ...] = ()  # other successes with the same body (e.g. 200: a resend)
    empty: tuple[int, ...] = ()  # successes without a body (e.g. 204: nothing applies)
    text_response: bool = False  # the success may be text/plain (e.g. ?format=text)
    auth: str = "user"  # user | api_key | user_or_api_key | visitor | none
    query: tuple[QueryParam | tuple[str, str], ...] = ()  # (name, description): a string
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404, 422))
    limited: bool = False  # the abuse limits apply (429); every /widget/v1 path is


def operation(summary: str, **kwargs: Any) -> Callable[[F], F]:
    """Describe an endpoint (per HTTP method when one function serves several, use
    ``method=``) for the OpenAPI document."""
    method = kwargs.pop("method", None)

    def attach(endpoint: F) -> F:
        described: dict[str | None, Operation] = getattr(endpoint, "__openapi__", {})
        described[method] = Operation(summary, **kwargs)
        endpoint.__openapi__ = described  # type: ignore[attr-defined]
        return endpoint

    return attach


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterable[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


_PARAM = re.compile(r"{([^}:]+)(:[^}]+)?}")
_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "user": [{"bearer": []}, {"session": []}],
    "api_key": [{"bearer": []}],
    "user_or_api_key": [{"bearer": []}, {"session": []}],
    "visitor": [{"visitor": []}],
    "none": [],
}


def openapi_document(
    routes: Sequence[BaseRoute],
    *,
    title: str,
    version: str,
    extra_schemas: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The document; ``extra_schemas`` are named schemas made elsewhere (the settings model's,
    see ``api/settings_schemas.py``) that models and operations refer to by name."""
    models: set[type[BaseModel]] = set()
    found: list[tuple[str, str, Operation]] = []
    for path, route in _walk(routes):
        described: dict[str | None, Operation] = getattr(route.endpoint, "__openapi__", {})
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            op = described.get(method) or described.get(None)
            if op is None:
                continue
            found.append((_PARAM.sub(r"{\1}", path), method.lower(), op))
            models.update(
                m for m in (op.request, op.response) if m is not None and not isinstance(m, str)
            )
    ordered = sorted(models, key=lambda m: (m.__name__, m.__module__))
    # pydantic names each model's schema (two models of one name get distinct names): the
    # refs come from its own map, so none points at a name the document does not have
    refs, defs = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    names = {model: refs[(model, "validation")]["$ref"] for model in ordered}
    schemas = {**(extra_schemas or {}), **defs.get("$defs", {})}
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in found:
        paths.setdefault(path, {})[method] = _operation_object(path, op, names)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a session token (log-in) or an API key",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "livechat_session"},
                "visitor": {"type": "apiKey", "in": "header", "name": "X-Visitor-Token"},
            },
        },
    }


def _ref(model: type[BaseModel] | str, names: Mapping[type[BaseModel], str]) -> dict[str, str]:
    if isinstance(model, str):
        return {"$ref": f"#/components/schemas/{model}"}
    return {"$ref": names[model]}


def _query(param: QueryParam | tuple[str, str]) -> dict[str, Any]:
    if not isinstance(param, QueryParam):
        param = QueryParam(param[0], param[1], {"type": "string"})
    return {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.description,
        "schema": dict(param.schema),
    }


def _errors(path: str, op: Operation) -> list[int]:
    """Every error status the operation can answer: its own and the ones every request of
    its kind can meet (see the module's docstring)."""
    statuses = {400, *op.errors}
    if op.request is not None:
        statuses |= {413, 415, 422}
    if op.auth != "none":
        statuses |= {401, 403}
    if _PARAM.search(path):
        statuses.add(404)
    if op.query:
        statuses.add(422)
    if op.limited or path.startswith("/widget/v1/"):
        statuses.add(429)
    return sorted(statuses - {op.status, *op.also, *op.empty})


_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def _operation_object(
    path: str, op: Operation, names: Mapping[type[BaseModel], str]
) -> dict[str, Any]:
    result: dict[str, Any] = {"summary": op.summary, "tags": list(op.tags)}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in (m[0] for m in _PARAM.findall(path))
    ]
    params += [_query(param) for param in op.query]
    if params:
        result["parameters"] = params
    if op.request is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.request, names)}},
        }
    ok: dict[str, Any] = {"description": "OK"}
    content: dict[str, Any] = {}
    if op.response is not None:
        schema: dict[str, Any] = _ref(op.response, names)
        if op.response_list:
            schema = {"type": "array", "items": schema}
        content["application/json"] = {"schema": schema}
    if op.text_response:
        content["text/plain"] = {"schema": {"type": "string"}}
    if content:
        ok["content"] = content
    responses: dict[str, Any] = {str(op.status): ok}
    for status in op.also:
        responses[str(status)] = {**ok, "description": "OK (already done: the same answer)"}
    for status in op.empty:
        responses[str(status)] = {"description": "OK, nothing to answer"}
    for status in _errors(path, op):
        answer: dict[str, Any] = {"description": "error", "content": _ERROR_BODY}
        if status == 429:
            answer["headers"] = _RETRY_AFTER
        responses[str(status)] = answer
    result["responses"] = responses
    result["security"] = _SECURITY[op.auth]
    return result
