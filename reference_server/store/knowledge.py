"""Knowledge bases and their articles (BD5), and searching them with the domain's ranking
(:func:`reference_server.domain.knowledge.search`).

Articles belong to a knowledge base, which belongs to an account: every function that takes
an article id also takes the knowledge base id, and the caller has checked that the knowledge
base is the account's (:func:`get_knowledge_base`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.knowledge import Article, SearchHit, search
from ..secrets import new_id
from . import schema as t

__all__ = [
    "create_article",
    "create_knowledge_base",
    "delete_article",
    "delete_knowledge_base",
    "get_article",
    "get_knowledge_base",
    "knowledge_base_ids",
    "list_articles",
    "list_knowledge_bases",
    "search_articles",
    "update_article",
    "update_knowledge_base",
]

_kb = t.knowledge_bases
_a = t.articles


def _article_count(kb_id: Any) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(_a)
        .where(_a.c.knowledge_base_id == kb_id)
        .scalar_subquery()
    )


def _kb_select() -> sa.Select[Any]:
    return sa.select(_kb, _article_count(_kb.c.id).label("article_count"))


async def list_knowledge_bases(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = (
        await db.execute(
            _kb_select()
            .where(_kb.c.account_id == account_id)
            .order_by(_kb.c.created_at, _kb.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return [dict(row) for row in rows]


async def get_knowledge_base(
    db: AsyncConnection, account_id: str, kb_id: str
) -> dict[str, Any] | None:
    row = (
        (await db.execute(_kb_select().where(_kb.c.account_id == account_id, _kb.c.id == kb_id)))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def knowledge_base_ids(db: AsyncConnection, account_id: str) -> set[str]:
    rows = (await db.execute(sa.select(_kb.c.id).where(_kb.c.account_id == account_id))).all()
    return {row.id for row in rows}


async def create_knowledge_base(
    db: AsyncConnection, account_id: str, now: datetime, *, name: str
) -> dict[str, Any]:
    row = {"id": new_id("kb"), "account_id": account_id, "name": name, "created_at": now}
    await db.execute(_kb.insert().values(**row))
    return {**row, "article_count": 0}


async def update_knowledge_base(
    db: AsyncConnection, account_id: str, kb_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(
            _kb.update()
            .where(_kb.c.account_id == account_id, _kb.c.id == kb_id)
            .values(**dict(values))
        )


async def delete_knowledge_base(db: AsyncConnection, account_id: str, kb_id: str) -> bool:
    """Remove a knowledge base with its articles."""
    await db.execute(_a.delete().where(_a.c.knowledge_base_id == kb_id))
    result = await db.execute(_kb.delete().where(_kb.c.account_id == account_id, _kb.c.id == kb_id))
    return result.rowcount > 0


async def list_articles(
    db: AsyncConnection, kb_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = (
        await db.execute(
            sa.select(_a)
            .where(_a.c.knowledge_base_id == kb_id)
            .order_by(_a.c.category, _a.c.title, _a.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return [dict(row) for row in rows]


async def get_article(db: AsyncConnection, kb_id: str, article_id: str) -> dict[str, Any] | None:
    row = (
        (
            await db.execute(
                sa.select(_a).where(_a.c.knowledge_base_id == kb_id, _a.c.id == article_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def create_article(
    db: AsyncConnection, kb_id: str, now: datetime, *, title: str, body: str, category: str = ""
) -> dict[str, Any]:
    row = {
        "id": new_id("art"),
        "knowledge_base_id": kb_id,
        "title": title,
        "body": body,
        "category": category,
        "created_at": now,
    }
    await db.execute(_a.insert().values(**row))
    return row


async def update_article(
    db: AsyncConnection, kb_id: str, article_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(
            _a.update()
            .where(_a.c.knowledge_base_id == kb_id, _a.c.id == article_id)
            .values(**dict(values))
        )


async def delete_article(db: AsyncConnection, kb_id: str, article_id: str) -> bool:
    result = await db.execute(
        _a.delete().where(_a.c.knowledge_base_id == kb_id, _a.c.id == article_id)
    )
    return result.rowcount > 0


async def search_articles(
    db: AsyncConnection, kb_id: str, query: str, *, limit: int = 20
) -> list[SearchHit]:
    """BD5: the knowledge base's articles matching ``query``, best first (domain ranking)."""
    rows = (
        await db.execute(
            sa.select(_a.c.id, _a.c.title, _a.c.body, _a.c.category).where(
                _a.c.knowledge_base_id == kb_id
            )
        )
    ).all()
    articles = (Article(row.id, row.title, row.body, row.category) for row in rows)
    return search(articles, query, limit=limit)
