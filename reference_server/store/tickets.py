"""Tickets (CV3): a helpdesk chatflow's conversations each become a ticket, created with the
properties the domain's ``ticket_properties`` gives (the chatflow's defaults, OP2)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import new_id
from . import schema as t

__all__ = [
    "create_ticket",
    "get_ticket",
    "list_tickets",
    "ticket_for_conversation",
    "update_ticket",
]

_t = t.tickets


async def create_ticket(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    conversation_id: str | None,
    subject: str,
    properties: Mapping[str, str],
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": new_id("tkt"),
        "account_id": account_id,
        "conversation_id": conversation_id,
        "subject": subject,
        "properties": dict(properties),
        "created_at": now,
    }
    await db.execute(_t.insert().values(**row))
    return row


async def get_ticket(db: AsyncConnection, account_id: str, ticket_id: str) -> dict[str, Any] | None:
    row = (
        (await db.execute(sa.select(_t).where(_t.c.account_id == account_id, _t.c.id == ticket_id)))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def ticket_for_conversation(
    db: AsyncConnection, account_id: str, conversation_id: str
) -> dict[str, Any] | None:
    row = (
        (
            await db.execute(
                sa.select(_t)
                .where(_t.c.account_id == account_id, _t.c.conversation_id == conversation_id)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def list_tickets(
    db: AsyncConnection,
    account_id: str,
    *,
    conversation_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The account's tickets, newest first."""
    query = sa.select(_t).where(_t.c.account_id == account_id)
    if conversation_id is not None:
        query = query.where(_t.c.conversation_id == conversation_id)
    rows = (
        (
            await db.execute(
                query.order_by(_t.c.created_at.desc(), _t.c.id.desc()).limit(limit).offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


async def update_ticket(
    db: AsyncConnection, account_id: str, ticket_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(
            _t.update()
            .where(_t.c.account_id == account_id, _t.c.id == ticket_id)
            .values(**dict(values))
        )
