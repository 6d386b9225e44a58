"""How conversations and messages are shown: to agents (everything) and to visitors (their
own conversation, agents as the widget shows them, BD4). Plain JSON-ready dicts, used alike
by the REST endpoints and the WebSocket frames."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..domain.chatflow import Chatflow, HeadingSettings
from ..domain.conversation import ConversationStatus, Person, SenderKind, sender_shown

__all__ = [
    "agent_shown",
    "conversation_view",
    "heading_of",
    "iso",
    "message_view",
    "person_view",
    "visitor_conversation_view",
]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person_view(person: Person) -> dict[str, str]:
    return {"id": person.id, "name": person.name, "avatar_url": person.avatar_url}


def heading_of(chatflow: Chatflow | None) -> HeadingSettings:
    return chatflow.build.heading if chatflow is not None else HeadingSettings()


def agent_shown(
    heading: HeadingSettings, people: Mapping[str, Person], user_id: str
) -> dict[str, str]:
    """BD4: the agent as the visitor sees them (the brand under the branding alias)."""
    agent = people.get(user_id) or Person(id=user_id, name=user_id)
    return person_view(sender_shown(heading, agent))


def message_view(
    message: Mapping[str, Any], heading: HeadingSettings, people: Mapping[str, Person]
) -> dict[str, Any]:
    """A stored message. ``sender`` is whom the visitor is shown for an agent's message
    (BD4), None for the visitor's own and for system notes; ``sender_id`` is the real one."""
    sender = None
    if message["sender_kind"] == SenderKind.AGENT.value and message["sender_id"]:
        sender = agent_shown(heading, people, message["sender_id"])
    return {
        "id": message["id"],
        "conversation_id": message["conversation_id"],
        "sequence": message["sequence"],
        "client_id": message["client_id"],
        "sender_kind": message["sender_kind"],
        "sender_id": message["sender_id"],
        "sender": sender,
        "text": message["text"],
        "created_at": iso(message["created_at"]),
        "read_at": iso(message["read_at"]),
    }


def conversation_view(conversation: Mapping[str, Any]) -> dict[str, Any]:
    """A conversation as agents (and API keys) see it in lists."""
    c = conversation
    return {
        "id": c["id"],
        "chatflow_id": c["chatflow_id"],
        "inbox_id": c["inbox_id"],
        "visitor_id": c["visitor_id"],
        "contact_id": c["contact_id"],
        "status": c["status"],
        "assignee_id": c["assignee_id"],
        "language": c["language"],
        "page_url": c["page_url"],
        "properties": dict(c["properties"] or {}),
        "consent": dict(c["consent"] or {}),
        "last_sequence": c["last_sequence"],
        "waiting_since": iso(c["waiting_since"]),
        "assigned_at": iso(c["assigned_at"]),
        "closed_at": iso(c["closed_at"]),
        "created_at": iso(c["created_at"]),
    }


def visitor_conversation_view(
    conversation: Mapping[str, Any],
    *,
    agent: Mapping[str, str] | None,
    survey: Mapping[str, Any] | None,
    answered: bool,
) -> dict[str, Any]:
    """A conversation as its visitor sees it: who answers (BD4), the survey to show after
    close (OP7) and whether an email is known (BD2)."""
    c = conversation
    return {
        "id": c["id"],
        "chatflow_id": c["chatflow_id"],
        "status": c["status"],
        "agent": dict(agent) if agent and c["status"] == ConversationStatus.ASSIGNED else None,
        "language": c["language"],
        "page_url": c["page_url"],
        "consent": dict(c["consent"] or {}),
        "email_known": c["contact_id"] is not None,
        "last_sequence": c["last_sequence"],
        "survey": dict(survey) if survey else None,
        "survey_answered": answered,
        "created_at": iso(c["created_at"]),
        "closed_at": iso(c["closed_at"]),
    }
