"""The inbox's reading queries (CV2): per-conversation unread counts and last messages for a
page of the list, how many conversations each view holds, and a contact's (or visitor's)
other conversations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from . import schema as t

__all__ = ["count_by_status", "last_messages", "other_conversations", "unread_counts"]

_c = t.conversations
_m = t.messages


async def unread_counts(db: AsyncConnection, conversation_ids: Sequence[str]) -> dict[str, int]:
    """The visitor's messages no agent has read yet, per conversation (absent: none)."""
    if not conversation_ids:
        return {}
    rows = await db.execute(
        sa.select(_m.c.conversation_id, sa.func.count())
        .where(
            _m.c.conversation_id.in_(conversation_ids),
            _m.c.sender_kind == "visitor",
            _m.c.read_at.is_(None),
        )
        .group_by(_m.c.conversation_id)
    )
    return {conversation_id: int(count) for conversation_id, count in rows.all()}


async def last_messages(
    db: AsyncConnection, last_sequences: Mapping[str, int]
) -> dict[str, dict[str, Any]]:
    """The last message of each conversation (by its ``last_sequence``)."""
    wanted = [(cid, seq) for cid, seq in last_sequences.items() if seq > 0]
    if not wanted:
        return {}
    condition = sa.or_(
        *(sa.and_(_m.c.conversation_id == cid, _m.c.sequence == seq) for cid, seq in wanted)
    )
    rows = await db.execute(
        sa.select(_m.c.conversation_id, _m.c.sender_kind, _m.c.text, _m.c.created_at).where(
            condition
        )
    )
    return {row.conversation_id: dict(row._mapping) for row in rows}


async def count_by_status(
    db: AsyncConnection, account_id: str, assignee_id: str | None
) -> tuple[dict[str, int], int]:
    """Conversations per status in the account, and how many ``assignee_id`` holds open."""
    rows = await db.execute(
        sa.select(_c.c.status, sa.func.count())
        .where(_c.c.account_id == account_id)
        .group_by(_c.c.status)
    )
    by_status = {status: int(count) for status, count in rows.all()}
    mine = 0
    if assignee_id is not None:
        mine = int(
            (
                await db.execute(
                    sa.select(sa.func.count()).where(
                        _c.c.account_id == account_id,
                        _c.c.assignee_id == assignee_id,
                        _c.c.status == "assigned",
                    )
                )
            ).scalar_one()
        )
    return by_status, mine


async def other_conversations(
    db: AsyncConnection,
    account_id: str,
    *,
    contact_id: str | None,
    visitor_id: str,
    excluding: str,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The same contact's other conversations (or, for an unknown visitor, the same
    visitor's), newest first."""
    who = _c.c.contact_id == contact_id if contact_id else _c.c.visitor_id == visitor_id
    rows = await db.execute(
        sa.select(_c)
        .where(_c.c.account_id == account_id, who, _c.c.id != excluding)
        .order_by(_c.c.created_at.desc(), _c.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in rows.mappings()]
