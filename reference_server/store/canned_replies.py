"""Canned replies (CV2): an account's saved answers, each with a shortcut an agent types in
the reply box (``/shipping``) to insert its text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import new_id
from . import schema as t

__all__ = [
    "create_canned_reply",
    "delete_canned_reply",
    "get_canned_reply",
    "list_canned_replies",
    "shortcut_in_use",
    "update_canned_reply",
]

_r = t.canned_replies


async def list_canned_replies(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """By shortcut, as the reply box suggests them."""
    rows = (
        await db.execute(
            sa.select(_r)
            .where(_r.c.account_id == account_id)
            .order_by(_r.c.shortcut, _r.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return [dict(row) for row in rows]


async def get_canned_reply(
    db: AsyncConnection, account_id: str, reply_id: str
) -> dict[str, Any] | None:
    row = (
        (await db.execute(sa.select(_r).where(_r.c.account_id == account_id, _r.c.id == reply_id)))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def shortcut_in_use(
    db: AsyncConnection, account_id: str, shortcut: str, *, other_than: str | None = None
) -> bool:
    query = sa.select(_r.c.id).where(_r.c.account_id == account_id, _r.c.shortcut == shortcut)
    if other_than is not None:
        query = query.where(_r.c.id != other_than)
    return (await db.execute(query)).first() is not None


async def create_canned_reply(
    db: AsyncConnection, account_id: str, now: datetime, *, shortcut: str, title: str, text: str
) -> dict[str, Any]:
    row = {
        "id": new_id("cnr"),
        "account_id": account_id,
        "shortcut": shortcut,
        "title": title,
        "text": text,
        "created_at": now,
        "updated_at": now,
    }
    await db.execute(_r.insert().values(**row))
    return row


async def update_canned_reply(
    db: AsyncConnection,
    account_id: str,
    reply_id: str,
    now: datetime,
    changes: Mapping[str, Any],
) -> dict[str, Any] | None:
    await db.execute(
        _r.update()
        .where(_r.c.account_id == account_id, _r.c.id == reply_id)
        .values(**dict(changes), updated_at=now)
    )
    return await get_canned_reply(db, account_id, reply_id)


async def delete_canned_reply(db: AsyncConnection, account_id: str, reply_id: str) -> bool:
    result = await db.execute(_r.delete().where(_r.c.account_id == account_id, _r.c.id == reply_id))
    return bool(result.rowcount)
