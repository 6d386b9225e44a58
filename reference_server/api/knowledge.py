"""Knowledge bases and their articles (BD5), and searching them.

Any user (or an API key) reads and searches; creating, changing and deleting needs the
``chatflows`` permission (a knowledge base is part of the widget's set-up). A knowledge base
that a chatflow's help tab shows cannot be deleted (409 naming the chatflows). Search ranks
with the domain's rules (:mod:`reference_server.domain.knowledge`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.knowledge import SearchHit
from ..state import server_of
from ..store import knowledge as store
from ..store.chatflows import chatflows_using
from .auth import require_user_or_api_key
from .body import PAGE_QUERY, page_of, query_int, read_model
from .errors import Conflict, NotFound, ValidationFailed
from .openapi import integer, operation, text
from .partial import Patch
from .schemas import Input, Output

__all__ = ["MAX_QUERY_LENGTH", "SEARCH_QUERY", "hit_json", "routes", "search_query"]

PERMISSION = "chatflows"
MAX_QUERY_LENGTH = 200
SEARCH_QUERY = (
    text("q", f"the words to find (required, at most {MAX_QUERY_LENGTH} characters)", min_length=1),
    integer("limit", 1, 50, 20),
)
MAX_BODY_LENGTH = 100_000


class KnowledgeBaseIn(Input):
    name: str = Field(min_length=1, max_length=200)


class KnowledgeBasePatch(Patch):
    name: str | None = Field(None, min_length=1, max_length=200)


class KnowledgeBaseOut(Output):
    id: str
    name: str
    article_count: int
    created_at: str


class ArticleIn(Input):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=MAX_BODY_LENGTH)
    category: str = Field("", max_length=200)


class ArticlePatch(Patch):
    title: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, min_length=1, max_length=MAX_BODY_LENGTH)
    category: str | None = Field(None, max_length=200)


class ArticleOut(Output):
    id: str
    knowledge_base_id: str
    title: str
    body: str
    category: str
    created_at: str


class SearchHitOut(Output):
    id: str
    title: str
    category: str
    score: float = Field(description="BM25 relevance, higher is better")
    snippet: str


def _kb_out(kb: Mapping[str, Any]) -> dict[str, Any]:
    return KnowledgeBaseOut.model_validate(
        {**kb, "created_at": kb["created_at"].isoformat()}
    ).model_dump()


def _article_out(article: Mapping[str, Any]) -> dict[str, Any]:
    return ArticleOut.model_validate(
        {**article, "created_at": article["created_at"].isoformat()}
    ).model_dump()


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return SearchHitOut(
        id=hit.article_id,
        title=hit.title,
        category=hit.category,
        score=hit.score,
        snippet=hit.snippet,
    ).model_dump()


def search_query(request: Request) -> str:
    """The ``q`` query parameter: required, 1-200 characters (422 otherwise)."""
    query = request.query_params.get("q", "").strip()
    if not query:
        raise ValidationFailed("bad query parameter", fields={"q": "must not be empty"})
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            "bad query parameter", fields={"q": f"must be at most {MAX_QUERY_LENGTH} characters"}
        )
    return query


def _kb_id(request: Request) -> str:
    return str(request.path_params["kb_id"])


def _article_id(request: Request) -> str:
    return str(request.path_params["article_id"])


async def _kb(db: AsyncConnection, account_id: str, kb_id: str) -> dict[str, Any]:
    kb = await store.get_knowledge_base(db, account_id, kb_id)
    if kb is None:
        raise NotFound("no such knowledge base")
    return kb


async def _article(db: AsyncConnection, kb_id: str, article_id: str) -> dict[str, Any]:
    article = await store.get_article(db, kb_id, article_id)
    if article is None:
        raise NotFound("no such article")
    return article


# ---------------------------------------------------------------- knowledge bases


@operation(
    "List knowledge bases",
    method="GET",
    tags=("knowledge",),
    response=KnowledgeBaseOut,
    response_list=True,
    auth="user_or_api_key",
    query=PAGE_QUERY,
    errors=(401, 422),
)
@operation(
    "Create a knowledge base",
    method="POST",
    tags=("knowledge",),
    request=KnowledgeBaseIn,
    response=KnowledgeBaseOut,
    status=201,
    auth="user_or_api_key",
    errors=(400, 401, 403, 413, 422),
)
async def knowledge_bases(request: Request) -> Response:
    server = server_of(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        limit, offset = page_of(request)
        async with server.engine.connect() as db:
            found = await store.list_knowledge_bases(
                db, principal.account_id, limit=limit, offset=offset
            )
        return JSONResponse([_kb_out(kb) for kb in found])
    principal = await require_user_or_api_key(request, PERMISSION)
    body = await read_model(request, KnowledgeBaseIn)
    async with server.engine.begin() as db:
        kb = await store.create_knowledge_base(
            db, principal.account_id, server.clock.now(), name=body.name
        )
    return JSONResponse(_kb_out(kb), status_code=201)


@operation(
    "Read a knowledge base",
    method="GET",
    tags=("knowledge",),
    response=KnowledgeBaseOut,
    auth="user_or_api_key",
    errors=(401, 404),
)
@operation(
    "Rename a knowledge base",
    method="PATCH",
    tags=("knowledge",),
    request=KnowledgeBasePatch,
    response=KnowledgeBaseOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 413, 422),
)
@operation(
    "Delete a knowledge base and its articles (409 while a chatflow shows it)",
    method="DELETE",
    tags=("knowledge",),
    status=204,
    auth="user_or_api_key",
    errors=(401, 403, 404, 409),
)
async def knowledge_base(request: Request) -> Response:
    server = server_of(request)
    kb_id = _kb_id(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        async with server.engine.connect() as db:
            return JSONResponse(_kb_out(await _kb(db, principal.account_id, kb_id)))
    principal = await require_user_or_api_key(request, PERMISSION)
    account_id = principal.account_id
    if request.method == "PATCH":
        changes = (await read_model(request, KnowledgeBasePatch)).changes()
        async with server.engine.begin() as db:
            await _kb(db, account_id, kb_id)
            await store.update_knowledge_base(db, account_id, kb_id, changes)
            return JSONResponse(_kb_out(await _kb(db, account_id, kb_id)))
    async with server.engine.begin() as db:
        await _kb(db, account_id, kb_id)
        users = await chatflows_using(
            db,
            account_id,
            lambda c: (
                c.build.knowledge_base.enabled and c.build.knowledge_base.knowledge_base_id == kb_id
            ),
        )
        if users:
            names = ", ".join(repr(c.name) for c in users)
            raise Conflict(f"the help tab of chatflow(s) {names} shows this knowledge base")
        await store.delete_knowledge_base(db, account_id, kb_id)
    return Response(status_code=204)


@operation(
    "Search a knowledge base's articles (BD5)",
    tags=("knowledge",),
    response=SearchHitOut,
    response_list=True,
    auth="user_or_api_key",
    query=SEARCH_QUERY,
    errors=(401, 404, 422),
)
async def search(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    query = search_query(request)
    limit = query_int(request, "limit", 20, low=1, high=50)
    kb_id = _kb_id(request)
    async with server_of(request).engine.connect() as db:
        await _kb(db, principal.account_id, kb_id)
        hits = await store.search_articles(db, kb_id, query, limit=limit)
    return JSONResponse([hit_json(hit) for hit in hits])


# ---------------------------------------------------------------- articles


@operation(
    "List a knowledge base's articles",
    method="GET",
    tags=("knowledge",),
    response=ArticleOut,
    response_list=True,
    auth="user_or_api_key",
    query=PAGE_QUERY,
    errors=(401, 404, 422),
)
@operation(
    "Write an article",
    method="POST",
    tags=("knowledge",),
    request=ArticleIn,
    response=ArticleOut,
    status=201,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 413, 422),
)
async def articles(request: Request) -> Response:
    server = server_of(request)
    kb_id = _kb_id(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        limit, offset = page_of(request)
        async with server.engine.connect() as db:
            await _kb(db, principal.account_id, kb_id)
            found = await store.list_articles(db, kb_id, limit=limit, offset=offset)
        return JSONResponse([_article_out(article) for article in found])
    principal = await require_user_or_api_key(request, PERMISSION)
    body = await read_model(request, ArticleIn)
    async with server.engine.begin() as db:
        await _kb(db, principal.account_id, kb_id)
        article = await store.create_article(
            db,
            kb_id,
            server.clock.now(),
            title=body.title,
            body=body.body,
            category=body.category,
        )
    return JSONResponse(_article_out(article), status_code=201)


@operation(
    "Read an article",
    method="GET",
    tags=("knowledge",),
    response=ArticleOut,
    auth="user_or_api_key",
    errors=(401, 404),
)
@operation(
    "Change an article",
    method="PATCH",
    tags=("knowledge",),
    request=ArticlePatch,
    response=ArticleOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 413, 422),
)
@operation(
    "Delete an article",
    method="DELETE",
    tags=("knowledge",),
    status=204,
    auth="user_or_api_key",
    errors=(401, 403, 404),
)
async def article(request: Request) -> Response:
    server = server_of(request)
    kb_id, article_id = _kb_id(request), _article_id(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        async with server.engine.connect() as db:
            await _kb(db, principal.account_id, kb_id)
            return JSONResponse(_article_out(await _article(db, kb_id, article_id)))
    principal = await require_user_or_api_key(request, PERMISSION)
    if request.method == "PATCH":
        changes = (await read_model(request, ArticlePatch)).changes()
        async with server.engine.begin() as db:
            await _kb(db, principal.account_id, kb_id)
            await _article(db, kb_id, article_id)
            await store.update_article(db, kb_id, article_id, changes)
            return JSONResponse(_article_out(await _article(db, kb_id, article_id)))
    async with server.engine.begin() as db:
        await _kb(db, principal.account_id, kb_id)
        if not await store.delete_article(db, kb_id, article_id):
            raise NotFound("no such article")
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/knowledge-bases", knowledge_bases, methods=["GET", "POST"]),
        Route("/knowledge-bases/{kb_id}", knowledge_base, methods=["GET", "PATCH", "DELETE"]),
        Route("/knowledge-bases/{kb_id}/search", search, methods=["GET"]),
        Route("/knowledge-bases/{kb_id}/articles", articles, methods=["GET", "POST"]),
        Route(
            "/knowledge-bases/{kb_id}/articles/{article_id}",
            article,
            methods=["GET", "PATCH", "DELETE"],
        ),
    ]
