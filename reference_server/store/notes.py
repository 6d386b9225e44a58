"""Internal notes on conversations (CV2): written by agents, read by agents, never sent to
the visitor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import new_id
from . import schema as t

__all__ = ["add_note", "list_notes"]

_n = t.notes


async def add_note(
    db: AsyncConnection, conversation_id: str, author_id: str | None, text: str, now: datetime
) -> dict[str, Any]:
    row = {
        "id": new_id("note"),
        "conversation_id": conversation_id,
        "author_id": author_id,
        "text": text,
        "created_at": now,
    }
    await db.execute(_n.insert().values(**row))
    return row


async def list_notes(
    db: AsyncConnection, conversation_id: str, *, limit: int = 200, offset: int = 0
) -> list[dict[str, Any]]:
    """Oldest first, as they are read beside the thread."""
    rows = (
        await db.execute(
            sa.select(_n)
            .where(_n.c.conversation_id == conversation_id)
            .order_by(_n.c.created_at, _n.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return [dict(row) for row in rows]
