"""Request and response models of conversations and messages for the agents' REST API and
the widget's REST API. The inputs the WebSocket frames share with them (start, message,
consent, email, CSAT) live in :mod:`reference_server.services.inputs`."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, model_validator

from ..domain.inbox import AgentAction
from ..services.inputs import ConsentAnswersIn, CsatIn, EmailIn, MessageIn, StartIn
from .schemas import Input, Output

__all__ = [
    "AssignIn",
    "ConsentAnswersIn",
    "ConsentGivenOut",
    "ConsentStateOut",
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
    "PresentationOut",
    "ReadIn",
    "ReadOut",
    "SendOut",
    "SenderOut",
    "StartIn",
    "StartOut",
    "VisitorConsentIn",
    "VisitorConsentOut",
    "VisitorConversationOut",
]


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


class HeaderOut(Output):
    people: list[SenderOut]
    line: str = Field(description="availability text for this state; empty for none")


class WelcomeOut(Output):
    text: str
    sender: SenderOut | None


class PresentationConsentOut(Output):
    """OP4, OP5: the chatflow's data-processing notice and communication checkbox."""

    data_processing: str | None = Field(description="explicit, legitimate_interest or null")
    data_processing_text: str
    privacy_policy_url: str
    communication_checkbox: bool
    communication_text: str


class PresentationOut(Output):
    """How the widget presents a chatflow (a new conversation) or a conversation (its own
    chatflow's identity; a header that follows its state)."""

    chatflow_id: str
    language: str
    texts: dict[str, str] = Field(description="the widget's own texts in this language (OP1)")
    accent_color: str
    brand_alias: bool
    header: HeaderOut
    welcome: WelcomeOut
    consent: PresentationConsentOut


class SendOut(Output):
    """Whether the visitor may write now; if not, why (the domain decides)."""

    allowed: bool
    reason: str | None = Field(description="consent_required or conversation_closed")
    message: str = Field(description="the reason, localised, to show as it is")
    missing: list[str] = Field(description="the consents still to give, e.g. data_processing")


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
    unread: int = Field(description="the agents' messages the visitor has not read")
    last_message: LastMessageOut | None = Field(
        description="the newest message (null before the first), for the list of conversations"
    )
    presentation: PresentationOut | None
    send: SendOut


class StartOut(Output):
    conversation: VisitorConversationOut
    message: MessageOut | None


class ReadOut(Output):
    up_to_sequence: int
    marked: int


class EmailOut(Output):
    email_known: bool
    created: bool


class ConsentStateOut(Output):
    """What the visitor has agreed to (``cookies`` null: not answered)."""

    cookies: bool | None
    data_processing: bool
    communication: bool


class ConsentGivenOut(ConsentStateOut):
    send: SendOut = Field(description="may the visitor write now, and why not")


class VisitorConsentIn(ConsentAnswersIn):
    """The visitor's answers before any conversation, for a new one on ``chatflow_id``."""

    chatflow_id: str = Field(min_length=1, max_length=40)


class VisitorConsentOut(Output):
    given: ConsentStateOut
    send: SendOut


class CsatAnswerOut(Output):
    survey_id: str
    rating: int
    comment: str
    created_at: str
