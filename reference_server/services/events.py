"""What the services tell connected clients: the channel names and the JSON events they
publish on the broadcast (:class:`~reference_server.state.Broadcast`) once a change is stored.
The WebSockets (``realtime/``) forward these events as frames; the widget's REST API uses the
same message shape.

Channels: ``conversation:{id}`` carries what happens inside one
conversation (``message``, ``typing``, ``read``, ``assigned``, ``closed``, ``reopened``) to
the visitor and to agents following it; ``account:{id}:inbox`` carries conversation life-cycle
events (``{"type": "conversation", "event": "new" | "assigned" | "queued" | "unassigned" |
"transferred" | "closed" | "reopened" | "updated", "conversation": {...}}``) to every agent
of the account; ``agent:{user_id}`` carries what concerns one agent.

Frames the server sends to a client:

- ``ready`` after authentication; ``ack`` ``{conversation_id, client_id, sequence, message}``
  once a message the client sent is stored (a resend is acknowledged with the original);
- ``message``, ``typing``, ``read``, ``assigned`` (``agent`` as the visitor sees them, BD4),
  ``closed`` (``survey``: the OP7 survey to show, or null), ``reopened``;
- replies: ``started``, ``resumed``, ``following``, ``email_saved``, ``consent_saved``,
  ``csat_saved``, ``closed``; every reply echoes the request's ``ref`` when it had one;
- ``error`` ``{code, message, fields}`` for a frame that was refused (nothing was stored;
  made by ``realtime/socket.py`` from the service's error).

Messages on the conversation channel carry the real ``sender_id`` (agents need it);
:func:`for_visitor` rewrites them as the visitor may see them (the brand when the branding
alias is on, BD4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ack_frame",
    "agent_channel",
    "assigned_event",
    "closed_event",
    "conversation_channel",
    "conversation_event",
    "for_visitor",
    "inbox_channel",
    "message_event",
    "read_event",
    "reopened_event",
    "typing_event",
]

Frame = dict[str, Any]


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def agent_channel(user_id: str) -> str:
    return f"agent:{user_id}"


def inbox_channel(account_id: str) -> str:
    return f"account:{account_id}:inbox"


def message_event(message: Mapping[str, Any]) -> Frame:
    return {
        "type": "message",
        "conversation_id": message["conversation_id"],
        "message": dict(message),
    }


def ack_frame(message: Mapping[str, Any]) -> Frame:
    return {
        "type": "ack",
        "conversation_id": message["conversation_id"],
        "client_id": message["client_id"],
        "sequence": message["sequence"],
        "message": dict(message),
    }


def typing_event(
    conversation_id: str,
    sender_kind: str,
    sender_id: str | None,
    sender: Mapping[str, Any] | None,
    typing: bool,
) -> Frame:
    return {
        "type": "typing",
        "conversation_id": conversation_id,
        "sender_kind": sender_kind,
        "sender_id": sender_id,
        "sender": dict(sender) if sender else None,
        "typing": typing,
    }


def read_event(conversation_id: str, reader: str, up_to_sequence: int) -> Frame:
    return {
        "type": "read",
        "conversation_id": conversation_id,
        "reader": reader,
        "up_to_sequence": up_to_sequence,
    }


def assigned_event(conversation_id: str, agent: Mapping[str, Any]) -> Frame:
    """To the visitor: who now answers (as shown, BD4)."""
    return {"type": "assigned", "conversation_id": conversation_id, "agent": dict(agent)}


def closed_event(conversation_id: str, survey: Mapping[str, Any] | None) -> Frame:
    return {
        "type": "closed",
        "conversation_id": conversation_id,
        "survey": dict(survey) if survey else None,
    }


def reopened_event(conversation_id: str) -> Frame:
    return {"type": "reopened", "conversation_id": conversation_id}


def conversation_event(event: str, conversation: Mapping[str, Any]) -> Frame:
    """To the agents of the account (inbox channel)."""
    return {"type": "conversation", "event": event, "conversation": dict(conversation)}


def for_visitor(event: Mapping[str, Any]) -> Frame:
    """The event as a visitor may see it: an agent's id is replaced by the id of whom the
    visitor is shown (the brand under the branding alias, BD4)."""
    result = dict(event)
    if result.get("type") in ("message", "ack"):
        message = dict(result["message"])
        if message.get("sender_kind") == "agent" and message.get("sender"):
            message["sender_id"] = message["sender"]["id"]
        result["message"] = message
    elif result.get("type") == "typing" and result.get("sender_kind") == "agent":
        sender = result.get("sender") or {}
        result["sender_id"] = sender.get("id")
    return result
