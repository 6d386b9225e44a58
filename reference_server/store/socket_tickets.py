"""Socket tickets: single-use passes, valid for a minute, that open a WebSocket.

Browsers cannot send headers on a WebSocket, and a long-lived secret in a URL ends up in
logs; so a page first asks for a ticket over REST (with its session or visitor token) and
opens the socket with ``?ticket=…``. Only the ticket's hash is stored; redeeming deletes it.
An agent's ticket dies with its session.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import hash_secret, new_secret
from . import schema as t

__all__ = ["TICKET_LIFETIME", "issue_ticket", "redeem_ticket"]

TICKET_LIFETIME = timedelta(seconds=60)
_t = t.socket_tickets


async def issue_ticket(
    db: AsyncConnection,
    now: datetime,
    *,
    session_hash: str | None = None,
    visitor_id: str | None = None,
) -> tuple[str, datetime]:
    """A new ticket for a session (agent) or a visitor, and when it expires."""
    await db.execute(_t.delete().where(_t.c.expires_at <= now))  # the expired ones
    ticket = new_secret("lct")
    expires_at = now + TICKET_LIFETIME
    await db.execute(
        _t.insert().values(
            ticket_hash=hash_secret(ticket),
            session_hash=session_hash,
            visitor_id=visitor_id,
            expires_at=expires_at,
        )
    )
    return ticket, expires_at


async def redeem_ticket(db: AsyncConnection, ticket: str, now: datetime) -> dict[str, Any] | None:
    """Use a ticket up: ``{"session_hash", "visitor_id"}``, or None when it is unknown,
    used already or expired."""
    row = (
        (
            await db.execute(
                _t.delete()
                .where(_t.c.ticket_hash == hash_secret(ticket))
                .returning(_t.c.session_hash, _t.c.visitor_id, _t.c.expires_at)
            )
        )
        .mappings()
        .first()
    )
    if row is None or row["expires_at"] <= now:
        return None
    return {"session_hash": row["session_hash"], "visitor_id": row["visitor_id"]}
