"""Internal notes on a conversation (CV2): agents write them beside the thread for each
other; the visitor never sees them. A new note is announced on the account's inbox channel
(agents only), never on the conversation's channel (which the visitor follows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.conversation import MAX_MESSAGE_LENGTH
from ..domain.inbox import AgentAction
from ..state import Server
from ..store import notes as store
from . import events
from .announce import publish
from .errors import ValidationFailed
from .inbox import Actor, require_allowed
from .views import iso

__all__ = ["add_note", "list_notes", "note_view"]


def note_view(note: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": note["id"],
        "conversation_id": note["conversation_id"],
        "author_id": note["author_id"],
        "text": note["text"],
        "created_at": iso(note["created_at"]),
    }


async def add_note(
    server: Server, conversation: Mapping[str, Any], actor: Actor, text: str
) -> dict[str, Any]:
    require_allowed(conversation, actor, AgentAction.NOTE)
    text = text.strip()
    if not text or len(text) > MAX_MESSAGE_LENGTH:
        problem = f"must be 1 to {MAX_MESSAGE_LENGTH} characters"
        raise ValidationFailed(f"the note {problem}", fields={"text": problem})
    async with server.engine.begin() as db:
        note = await store.add_note(db, conversation["id"], actor.user_id, text, server.clock.now())
    view = note_view(note)
    await publish(
        server,
        events.inbox_channel(conversation["account_id"]),
        {"type": "note", "conversation_id": conversation["id"], "note": view},
    )
    return view


async def list_notes(
    server: Server, conversation: Mapping[str, Any], *, limit: int, offset: int
) -> list[dict[str, Any]]:
    async with server.engine.connect() as db:
        notes = await store.list_notes(db, conversation["id"], limit=limit, offset=offset)
    return [note_view(note) for note in notes]
