"""Visitors: a browser known by its visitor token (the ``messagesUtk`` value, or a token kept
for the page's session when cookies are not allowed), linked to a contact once known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import hash_secret, new_id, new_secret
from . import schema as t

__all__ = ["create_visitor", "find_visitor", "link_contact", "touch_visitor"]


async def find_visitor(db: AsyncConnection, account_id: str, token: str) -> dict[str, Any] | None:
    row = (
        (
            await db.execute(
                sa.select(t.visitors).where(
                    t.visitors.c.token_hash == hash_secret(token),
                    t.visitors.c.account_id == account_id,
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def create_visitor(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    contact_id: str | None = None,
    identified: bool = False,
) -> tuple[dict[str, Any], str]:
    """A new visitor and its token (shown once: only the hash is stored)."""
    token = new_secret("lcv")
    row = {
        "id": new_id("vis"),
        "account_id": account_id,
        "token_hash": hash_secret(token),
        "contact_id": contact_id,
        "identified": identified,
        "created_at": now,
        "last_seen_at": now,
    }
    await db.execute(t.visitors.insert().values(**row))
    return row, token


async def link_contact(
    db: AsyncConnection, visitor_id: str, contact_id: str, *, identified: bool | None = None
) -> None:
    values: dict[str, Any] = {"contact_id": contact_id}
    if identified is not None:
        values["identified"] = identified
    await db.execute(t.visitors.update().where(t.visitors.c.id == visitor_id).values(**values))


async def touch_visitor(db: AsyncConnection, visitor_id: str, now: datetime) -> None:
    """The visitor was seen (a widget load) at ``now``."""
    await db.execute(
        t.visitors.update().where(t.visitors.c.id == visitor_id).values(last_seen_at=now)
    )
