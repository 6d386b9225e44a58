"""Telling connected clients what changed, after it is stored.

Everything here runs after the transaction committed: a broadcast that fails (e.g. Redis
unreachable) is logged and never undoes or hides a stored change — clients catch up from the
store when they reconnect (``after_sequence``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.conversation import Person
from ..state import Server
from ..store import conversations as store
from . import events
from .views import agent_shown, conversation_view, heading_of

__all__ = [
    "announce_assigned",
    "announce_conversation",
    "publish",
]

log = logging.getLogger("livechat.realtime")


async def publish(server: Server, channel: str, event: Mapping[str, Any]) -> None:
    try:
        await server.broadcast.publish(channel, dict(event))
    except Exception:  # the change is stored; live clients re-read it on reconnect
        log.exception("could not publish %s on %s", event.get("type"), channel)


async def announce_conversation(
    server: Server, event: str, conversation: Mapping[str, Any]
) -> None:
    """A life-cycle event to the agents of the account (inbox channel)."""
    await publish(
        server,
        events.inbox_channel(conversation["account_id"]),
        events.conversation_event(event, conversation_view(conversation)),
    )


async def announce_assigned(
    server: Server, conversations: Iterable[Mapping[str, Any]], *, event: str = "assigned"
) -> None:
    """Conversations now held by an agent: the agents hear ``event`` on the inbox channel,
    the visitor hears ``assigned`` with the agent as the widget shows them (BD4)."""
    people: dict[str, Person] | None = None
    headings: dict[str | None, Any] = {}
    for conversation in conversations:
        await announce_conversation(server, event, conversation)
        assignee = conversation["assignee_id"]
        if assignee is None:
            continue
        account_id = conversation["account_id"]
        chatflow_id = conversation["chatflow_id"]
        async with server.engine.connect() as db:
            if people is None:
                people = await store.agent_people(db, account_id)
            if chatflow_id not in headings:
                headings[chatflow_id] = heading_of(
                    await store.load_chatflow(db, account_id, chatflow_id)
                )
        shown = agent_shown(headings[chatflow_id], people, assignee)
        await publish(
            server,
            events.conversation_channel(conversation["id"]),
            events.assigned_event(conversation["id"], shown),
        )
