"""What the chat report reads: each conversation that arrived in a window, with the moments
the KPIs need (arrived, taken by an agent, ended)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chat_kpis import ChatTimes
from . import schema as t

__all__ = ["chats_arrived_between"]


async def chats_arrived_between(
    db: AsyncConnection, account_id: str, since: datetime, until: datetime
) -> list[ChatTimes]:
    """The account's conversations created in ``[since, until]``, as seconds after ``since``;
    a moment after ``until`` has not happened yet as the window sees it."""
    c = t.conversations.c
    query = sa.select(c.created_at, c.assigned_at, c.closed_at).where(
        c.account_id == account_id, c.created_at >= since, c.created_at <= until
    )

    def seconds(moment: datetime | None) -> float | None:
        if moment is None or moment > until:
            return None
        return (moment - since).total_seconds()

    return [
        ChatTimes(
            arrived=(row.created_at - since).total_seconds(),
            taken=seconds(row.assigned_at),
            ended=seconds(row.closed_at),
        )
        for row in await db.execute(query)
    ]
