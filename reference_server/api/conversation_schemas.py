"""Request and response models of conversations and messages for the agents' REST API and
the widget's REST API. The inputs the WebSocket frames share with them (start, message,
consent, email, CSAT) live in :mod:`reference_server.services.inputs`."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt

from ..services.inputs import ConsentAnswersIn, CsatIn, EmailIn, MessageIn, StartIn
from .schemas import Input, Output

__all__ = [
    "AssignIn",
    "ConsentAnswersIn",
    "ConsentGivenOut",
    "ConversationDetailOut",
    "ConversationOut",
    "CsatAnswerOut",
    "CsatIn",
    "EmailIn",
    "EmailOut",
    "MessageIn",
    "MessageOut",
    "ReadIn",
    "ReadOut",
    "SenderOut",
    "StartIn",
    "StartOut",
    "VisitorConversationOut",
]


class AssignIn(Input):
    user_id: str = Field(min_length=1, max_length=40)


class ReadIn(Input):
    up_to_sequence: StrictInt = Field(ge=0)


class SenderOut(Output):
    id: str
    name: str
    avatar_url: str


class MessageOut(Output):
    id: str
    conversation_id: str
    sequence: int
    client_id: str
    sender_kind: str
    sender_id: str | None
    sender: SenderOut | None
    text: str
    created_at: str
    read_at: str | None


class ConversationOut(Output):
    id: str
    chatflow_id: str | None
    inbox_id: str | None
    visitor_id: str
    contact_id: str | None
    status: str
    assignee_id: str | None
    language: str
    page_url: str
    properties: dict[str, Any]
    consent: dict[str, Any]
    last_sequence: int
    waiting_since: str | None
    assigned_at: str | None
    closed_at: str | None
    created_at: str


class ConversationDetailOut(ConversationOut):
    contact: dict[str, Any] | None
    chatflow: dict[str, Any] | None
    visitor: dict[str, Any] | None
    ticket_id: str | None
    survey_answer: dict[str, Any] | None


class VisitorConversationOut(Output):
    id: str
    chatflow_id: str | None
    status: str
    agent: SenderOut | None
    language: str
    page_url: str
    consent: dict[str, Any]
    email_known: bool
    last_sequence: int
    survey: dict[str, Any] | None
    survey_answered: bool
    created_at: str
    closed_at: str | None


class StartOut(Output):
    conversation: VisitorConversationOut
    message: MessageOut | None


class ReadOut(Output):
    up_to_sequence: int
    marked: int


class EmailOut(Output):
    email_known: bool
    created: bool


class ConsentGivenOut(Output):
    cookies: bool | None
    data_processing: bool
    communication: bool


class CsatAnswerOut(Output):
    survey_id: str
    rating: int
    comment: str
    created_at: str
