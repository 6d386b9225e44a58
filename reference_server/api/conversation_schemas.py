"""Request and response models of conversations and messages, shared by the agents' REST
API, the widget's REST API and the WebSocket frames (which add ``type``, ``ref`` and
``conversation_id`` to the same bodies)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from ..domain.inbox import AgentAction
from .schemas import Input, Output

__all__ = [
    "AssignIn",
    "ConsentAnswersIn",
    "ConsentGivenOut",
    "ConversationDetailOut",
    "ConversationOut",
    "ConversationRowOut",
    "EarlierConversationOut",
    "LastMessageOut",
    "NoteIn",
    "NoteOut",
    "TransferIn",
    "ViewCountsOut",
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

MAX_PROPERTIES = 30
MAX_PROPERTY_NAME = 64
MAX_PROPERTY_VALUE = 500


class MessageIn(Input):
    client_id: str = Field(
        min_length=1,
        max_length=64,
        description="the sender's own id for this message; a resend with "
        "the same id returns the stored message",
    )
    text: str = Field(description="1 to 5000 characters after trimming")


class ConsentAnswersIn(Input):
    """What the visitor agreed to; a field left out keeps its stored value."""

    data_processing: StrictBool | None = None  # OP4 "I agree"
    cookies: StrictBool | None = None  # OP3 banner answer
    communication: StrictBool | None = None  # OP5 checkbox


def _check_properties(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_PROPERTIES:
        raise ValueError(f"at most {MAX_PROPERTIES} properties")
    for name, item in value.items():
        if not name.strip() or len(name) > MAX_PROPERTY_NAME:
            raise ValueError(f"property names are 1 to {MAX_PROPERTY_NAME} characters")
        if len(item) > MAX_PROPERTY_VALUE:
            raise ValueError(f"property {name!r} is longer than {MAX_PROPERTY_VALUE} characters")
    return value


class StartIn(Input):
    chatflow_id: str = Field(min_length=1, max_length=40)
    page_url: str = Field(default="", max_length=2000)
    properties: dict[str, str] = Field(
        default_factory=dict, description="RT3 routing properties: language, page, topic, …"
    )
    consent: ConsentAnswersIn | None = None
    message: MessageIn | None = None

    @field_validator("properties")
    @classmethod
    def _properties(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_properties(value)


class AssignIn(Input):
    user_id: str = Field(min_length=1, max_length=40)


class TransferIn(Input):
    """To a person (``user_id``) or to a team (``team_id``: its least busy member who can
    take it now); exactly one of the two."""

    user_id: str | None = Field(None, min_length=1, max_length=40)
    team_id: str | None = Field(None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.user_id is None) == (self.team_id is None):
            raise ValueError("give either user_id or team_id")
        return self


class NoteIn(Input):
    text: str = Field(min_length=1, max_length=5000)


class ReadIn(Input):
    up_to_sequence: StrictInt = Field(ge=0)


class EmailIn(Input):
    email: str = Field(min_length=1, max_length=320)


class CsatIn(Input):
    rating: StrictInt
    comment: str = Field(default="", max_length=10_000)


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
    actions: list[AgentAction] = Field(
        description="what the caller may do with it now (decided by the domain; none for "
        "an API key)"
    )


class LastMessageOut(Output):
    sender_kind: str
    text: str = Field(description="the first 140 characters")
    created_at: str


class ConversationRowOut(ConversationOut):
    """A conversation in an inbox view."""

    unread_count: int = Field(description="the visitor's messages no agent has read")
    last_message: LastMessageOut | None


class EarlierConversationOut(Output):
    id: str
    status: str
    page_url: str
    created_at: str
    closed_at: str | None


class ConversationDetailOut(ConversationOut):
    contact: dict[str, Any] | None
    chatflow: dict[str, Any] | None
    visitor: dict[str, Any] | None
    ticket_id: str | None
    survey_answer: dict[str, Any] | None
    earlier_conversations: list[EarlierConversationOut] = Field(
        description="the contact's (or, unknown, the visitor's) other conversations, newest first"
    )


class ViewCountsOut(Output):
    unassigned: int
    mine: int
    all: int
    closed: int


class NoteOut(Output):
    id: str
    conversation_id: str
    author_id: str | None
    text: str
    created_at: str


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
