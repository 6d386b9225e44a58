"""OpenAPI 3.1 generated from the routes and their pydantic models.

An endpoint states what it takes and gives with :func:`operation`; :func:`openapi_document`
walks the application's routes (into mounts) and builds the document, with every model in
``components/schemas``. Nothing is registered globally: the routes are the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Mount, Route

__all__ = ["Operation", "operation", "openapi_document"]

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
class Operation:
    summary: str
    tags: tuple[str, ...] = ()
    request: type[BaseModel] | str | None = None  # a model, or a schema's name
    response: type[BaseModel] | None = None
    response_list: bool = False
    status: int = 200
    auth: str = "user"  # user | api_key | user_or_api_key | visitor | none
    query: tuple[tuple[str, str], ...] = ()  # (name, description)
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404, 422))


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
    ordered = sorted(models, key=lambda m: m.__name__)
    _, defs = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas = {**(extra_schemas or {}), **defs.get("$defs", {})}
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in found:
        paths.setdefault(path, {})[method] = _operation_object(path, op)
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


def _ref(model: type[BaseModel] | str) -> dict[str, str]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def _operation_object(path: str, op: Operation) -> dict[str, Any]:
    result: dict[str, Any] = {"summary": op.summary, "tags": list(op.tags)}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in (m[0] for m in _PARAM.findall(path))
    ]
    params += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in op.query
    ]
    if params:
        result["parameters"] = params
    if op.request is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.request)}},
        }
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        schema: dict[str, Any] = _ref(op.response)
        if op.response_list:
            schema = {"type": "array", "items": schema}
        ok["content"] = {"application/json": {"schema": schema}}
    responses: dict[str, Any] = {str(op.status): ok}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for status in op.errors:
        responses[str(status)] = {"description": "error", **error}
    result["responses"] = responses
    result["security"] = _SECURITY[op.auth]
    return result
