"""CV5: a conversation's transcript, one line per message, in the account's time zone, with
agents named as the visitor saw them (the domain's ``transcript_lines``; BD4 alias)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from ..domain.conversation import SenderKind, TranscriptMessage, transcript_lines
from ..state import Server
from ..store import conversations as store
from ..store import messages as message_store
from ..store import schema as t
from ..store.contacts import get_contact
from .views import heading_of

__all__ = ["VISITOR_NAME", "transcript"]

VISITOR_NAME = "Visitor"  # when the visitor left neither a name nor an email address


async def transcript(server: Server, conversation: Mapping[str, Any]) -> list[str]:
    account_id = conversation["account_id"]
    async with server.engine.connect() as db:
        timezone = (
            await db.execute(sa.select(t.accounts.c.timezone).where(t.accounts.c.id == account_id))
        ).scalar_one()
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
        people = await store.agent_people(db, account_id)
        contact = None
        if conversation["contact_id"]:
            contact = await get_contact(db, account_id, conversation["contact_id"])
        rows = await message_store.list_messages(db, conversation["id"])
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    visitor_name = VISITOR_NAME
    if contact is not None:
        visitor_name = contact["name"] or contact["email"] or VISITOR_NAME
    messages = [
        TranscriptMessage(
            sender_kind=SenderKind(row["sender_kind"]),
            sender_id=row["sender_id"] or "",
            text=row["text"],
            sent_at=row["created_at"].astimezone(zone),
        )
        for row in rows
    ]
    return list(transcript_lines(messages, heading_of(chatflow), people, visitor_name))
