"""Inboxes and helpdesks: the workspaces a chatflow's conversations arrive in (CF1).

Only a workspace with a connected chat channel can be a chatflow's workspace;
:func:`chat_workspaces` gives those as ``(kind, id)`` pairs, the form
:class:`~reference_server.domain.chatflow.ReferenceContext` takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import new_id
from . import schema as t

__all__ = [
    "chat_workspaces",
    "create_inbox",
    "delete_inbox",
    "get_inbox",
    "list_inboxes",
    "update_inbox",
]

_i = t.inboxes


async def list_inboxes(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = (
        (
            await db.execute(
                sa.select(_i)
                .where(_i.c.account_id == account_id)
                .order_by(_i.c.created_at, _i.c.id)
                .limit(limit)
                .offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


async def get_inbox(db: AsyncConnection, account_id: str, inbox_id: str) -> dict[str, Any] | None:
    row = (
        (await db.execute(sa.select(_i).where(_i.c.account_id == account_id, _i.c.id == inbox_id)))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def chat_workspaces(db: AsyncConnection, account_id: str) -> set[tuple[str, str]]:
    """CF1: ``(kind, id)`` of every inbox and helpdesk with a chat channel."""
    rows = (
        await db.execute(
            sa.select(_i.c.kind, _i.c.id).where(_i.c.account_id == account_id, _i.c.chat_channel)
        )
    ).all()
    return {(row.kind, row.id) for row in rows}


async def create_inbox(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    kind: str,
    name: str,
    chat_channel: bool = True,
) -> dict[str, Any]:
    row = {
        "id": new_id("inb"),
        "account_id": account_id,
        "kind": kind,
        "name": name,
        "chat_channel": chat_channel,
        "created_at": now,
    }
    await db.execute(_i.insert().values(**row))
    return row


async def update_inbox(
    db: AsyncConnection, account_id: str, inbox_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(
            _i.update()
            .where(_i.c.account_id == account_id, _i.c.id == inbox_id)
            .values(**dict(values))
        )


async def delete_inbox(db: AsyncConnection, account_id: str, inbox_id: str) -> None:
    """Remove a workspace (its conversations stay, no longer in any inbox)."""
    await db.execute(_i.delete().where(_i.c.account_id == account_id, _i.c.id == inbox_id))
