"""A conversation's rules: life cycle, messages, email capture, CSAT, tickets, heading, tokens.

The reference server stores conversations and messages and pushes them over WebSockets; the
simulator models them. Both ask this module what is allowed and what follows:

- Life cycle (CV2, RT2, RT6): :func:`initial_status` from routing's outcome, then
  :func:`transition` for each event. The whole table is :data:`TRANSITIONS`; any other
  (status, event) pair raises :class:`InvalidTransition`::

      status / event  QUEUE    LEAVE_UNASSIGNED  ASSIGN    CLAIM     TRANSFER  CLOSE   REOPEN
      WAITING         -        UNASSIGNED        ASSIGNED  ASSIGNED  -         CLOSED  -
      UNASSIGNED      WAITING  -                 ASSIGNED  ASSIGNED  -         CLOSED  -
      ASSIGNED        WAITING  UNASSIGNED        -         -         ASSIGNED  CLOSED  -
      CLOSED          -        -                 -         -         -         -       WAITING

  A reopened conversation waits; the server then routes it again (ASSIGN, or
  LEAVE_UNASSIGNED when assignment is off).
- Messages (CV1): :func:`validate_message_text`, :func:`next_sequence` (sequence numbers start
  at 1), :func:`is_resend` (a client id seen before is a resend, not a new message) and
  :func:`messages_after` (what a reconnecting client missed). :func:`visitor_may_send` says
  whether the visitor may write now and, if not, why (:class:`SendRefusal`, with the
  localised reason from :func:`refusal_text`), so the widget shows it and never guesses.
- Email capture (BD2, OP6, OP8): :func:`should_ask_for_email`, :func:`email_capture_text`,
  :func:`normalise_email`, :func:`match_contact`. Addresses match contacts case-insensitively
  on the whole address (as the seed product does); :func:`email_key` is that comparison key.
- Customer satisfaction (OP7): :func:`survey_on_close`, :func:`validate_csat_answer`.
- Tickets (OP2, CV3): :func:`ticket_properties`.
- Chat heading and branding alias (BD3, BD4, CV5): :func:`chat_heading`, :func:`sender_shown`,
  :func:`transcript_lines`.
- Identification tokens (CV7): :func:`token_expires_at`, :func:`token_valid`.

Exceptions (all ``ValueError``, so an endpoint can map them to a 4xx in one place)::

    ValueError
    ├── InvalidTransition   the event is not allowed in the conversation's status
    ├── InvalidMessage      empty or too long message text
    ├── InvalidEmail        not a syntactically valid email address
    └── InvalidAnswer       CSAT rating outside 1..5, or comment too long
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol, TypeVar

from .chatflow import (
    CsatSettings,
    EmailCapture,
    EmailCaptureWhen,
    HeadingKind,
    HeadingSettings,
    Language,
)
from .consent import ConsentCheck, effective_text
from .texts import text

__all__ = [
    "BRAND_ID",
    "CSAT_MAX_COMMENT_LENGTH",
    "CSAT_MAX_RATING",
    "CSAT_MIN_RATING",
    "DEFAULT_TICKET_PROPERTIES",
    "IDENTIFICATION_TOKEN_LIFETIME",
    "MAX_EMAIL_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "TRANSITIONS",
    "ContactMatch",
    "ConversationEvent",
    "ConversationStatus",
    "InvalidAnswer",
    "InvalidEmail",
    "InvalidMessage",
    "InvalidTransition",
    "Person",
    "SendDecision",
    "SendRefusal",
    "SenderKind",
    "Sequenced",
    "TranscriptMessage",
    "chat_heading",
    "email_capture_text",
    "email_key",
    "initial_status",
    "is_resend",
    "match_contact",
    "messages_after",
    "next_sequence",
    "normalise_email",
    "refusal_text",
    "sender_shown",
    "should_ask_for_email",
    "survey_on_close",
    "ticket_properties",
    "token_expires_at",
    "token_valid",
    "transcript_lines",
    "transition",
    "validate_csat_answer",
    "validate_message_text",
    "visitor_may_send",
]


# ---------------------------------------------------------------- life cycle (CV2, RT2, RT6)


class ConversationStatus(StrEnum):
    WAITING = "waiting"  # queued: nobody assigned yet, routing will hand it out (RT5)
    UNASSIGNED = "unassigned"  # assignment off: sits in the inbox's unassigned view (RT2)
    ASSIGNED = "assigned"
    CLOSED = "closed"


class ConversationEvent(StrEnum):
    QUEUE = "queue"  # back to the waiting queue (e.g. its agent went offline)
    LEAVE_UNASSIGNED = "leave_unassigned"  # to the unassigned view (assignment off, unassign)
    ASSIGN = "assign"  # routing or an admin gives it to an agent
    CLAIM = "claim"  # an agent takes it themselves (RT6)
    TRANSFER = "transfer"  # reassign from one agent to another (RT6)
    CLOSE = "close"
    REOPEN = "reopen"


class InvalidTransition(ValueError):
    """The event is not allowed in the conversation's current status."""

    def __init__(self, status: ConversationStatus, event: ConversationEvent, reason: str) -> None:
        super().__init__(f"cannot {_VERBS[event]} this conversation: {reason}")
        self.status = status
        self.event = event


_S = ConversationStatus
_E = ConversationEvent
_VERBS = {
    _E.QUEUE: "queue",
    _E.LEAVE_UNASSIGNED: "unassign",
    _E.ASSIGN: "assign",
    _E.CLAIM: "claim",
    _E.TRANSFER: "transfer",
    _E.CLOSE: "close",
    _E.REOPEN: "reopen",
}

TRANSITIONS: Mapping[tuple[ConversationStatus, ConversationEvent], ConversationStatus] = (
    MappingProxyType(
        {
            (_S.WAITING, _E.LEAVE_UNASSIGNED): _S.UNASSIGNED,
            (_S.WAITING, _E.ASSIGN): _S.ASSIGNED,
            (_S.WAITING, _E.CLAIM): _S.ASSIGNED,
            (_S.WAITING, _E.CLOSE): _S.CLOSED,
            (_S.UNASSIGNED, _E.QUEUE): _S.WAITING,
            (_S.UNASSIGNED, _E.ASSIGN): _S.ASSIGNED,
            (_S.UNASSIGNED, _E.CLAIM): _S.ASSIGNED,
            (_S.UNASSIGNED, _E.CLOSE): _S.CLOSED,
            (_S.ASSIGNED, _E.QUEUE): _S.WAITING,
            (_S.ASSIGNED, _E.LEAVE_UNASSIGNED): _S.UNASSIGNED,
            (_S.ASSIGNED, _E.TRANSFER): _S.ASSIGNED,
            (_S.ASSIGNED, _E.CLOSE): _S.CLOSED,
            (_S.CLOSED, _E.REOPEN): _S.WAITING,
        }
    )
)
"""Every allowed (status, event) pair and the status it leads to."""


def _refusal(status: ConversationStatus, event: ConversationEvent) -> str:
    """Why ``event`` is refused in ``status``: the hint a user of the inbox needs."""
    if event is _E.REOPEN:  # only a closed conversation reopens
        return f"it is not closed (it is {status.value})"
    if status is _S.CLOSED and event is not _E.CLOSE:
        return "it is closed; reopen it first"
    if status is _S.ASSIGNED:  # ASSIGN or CLAIM
        return "it is already assigned; transfer it instead"
    if event is _E.TRANSFER:
        return f"it is {status.value} and nobody holds it; assign or claim it instead"
    # CLOSE on CLOSED, QUEUE on WAITING, LEAVE_UNASSIGNED on UNASSIGNED
    return f"it is already {status.value}"


def transition(status: ConversationStatus, event: ConversationEvent) -> ConversationStatus:
    """The status after ``event``; raises :class:`InvalidTransition` when it is not allowed."""
    after = TRANSITIONS.get((status, event))
    if after is None:
        raise InvalidTransition(status, event, _refusal(status, event))
    return after


_INITIAL = {
    "assigned": ConversationStatus.ASSIGNED,
    "queued": ConversationStatus.WAITING,
    "unassigned": ConversationStatus.UNASSIGNED,
}


def initial_status(routing_outcome: str) -> ConversationStatus:
    """A new conversation's status from routing's outcome ("assigned", "queued" or
    "unassigned"; routing's StrEnum members work too). Raises ``ValueError`` otherwise."""
    try:
        return _INITIAL[routing_outcome]
    except KeyError:
        raise ValueError(f"unknown routing outcome {routing_outcome!r}") from None


# ---------------------------------------------------------------- messages (CV1)


class SenderKind(StrEnum):
    VISITOR = "visitor"
    AGENT = "agent"
    SYSTEM = "system"  # the server's own notes, e.g. "conversation closed"


MAX_MESSAGE_LENGTH = 5000
"""The longest message text, in characters (after stripping surrounding whitespace)."""


class InvalidMessage(ValueError):
    """The message text is empty or too long."""


def validate_message_text(text: str) -> str:
    """The text to store: stripped of surrounding whitespace, 1..5000 characters."""
    stripped = text.strip()
    if not stripped:
        raise InvalidMessage("a message must not be empty")
    if len(stripped) > MAX_MESSAGE_LENGTH:
        raise InvalidMessage(
            f"a message must be at most {MAX_MESSAGE_LENGTH} characters (this one has "
            f"{len(stripped)})"
        )
    return stripped


def next_sequence(last_sequence: int) -> int:
    """The sequence number of the next message; ``last_sequence`` is 0 before the first."""
    if last_sequence < 0:
        raise ValueError(f"sequence numbers are never negative, got {last_sequence}")
    return last_sequence + 1


def is_resend(known_client_ids: Set[str], client_id: str) -> bool:
    """Whether a message with this client id was already stored (so it must not be stored
    again). An empty client id never counts: a client without ids cannot be deduplicated."""
    return bool(client_id) and client_id in known_client_ids


class Sequenced(Protocol):
    """Anything with a per-conversation sequence number."""

    @property
    def sequence(self) -> int: ...


_M = TypeVar("_M", bound=Sequenced)


def messages_after(messages: Sequence[_M], after: int) -> tuple[_M, ...]:
    """The messages with a sequence number above ``after``, in the given order: what a
    client that reconnects with its last sequence number has missed."""
    return tuple(message for message in messages if message.sequence > after)


class SendRefusal(StrEnum):
    """Why the visitor may not send a message now (the codes the server refuses with)."""

    CONSENT_REQUIRED = "consent_required"  # OP4: "I agree" first
    CONVERSATION_CLOSED = "conversation_closed"  # the conversation ended: start a new one


@dataclass(frozen=True, slots=True)
class SendDecision:
    """Whether the visitor may send now; if not, why and which consents are missing."""

    allowed: bool
    refusal: SendRefusal | None = None
    missing: tuple[str, ...] = ()


_REFUSAL_TEXT = {
    SendRefusal.CONSENT_REQUIRED: "widget.agree_first",
    SendRefusal.CONVERSATION_CLOSED: "widget.conversation_closed",
}


def visitor_may_send(status: ConversationStatus | None, consent: ConsentCheck) -> SendDecision:
    """Whether the visitor may write in a conversation in ``status`` (``None``: the new
    conversation their message would start), given consent's answer (``may_send_message``).
    A closed conversation takes no messages whatever the consent: the next one is new."""
    if status is ConversationStatus.CLOSED:
        return SendDecision(allowed=False, refusal=SendRefusal.CONVERSATION_CLOSED)
    if not consent.allowed:
        return SendDecision(
            allowed=False, refusal=SendRefusal.CONSENT_REQUIRED, missing=consent.missing
        )
    return SendDecision(allowed=True)


def refusal_text(refusal: SendRefusal, language: Language) -> str:
    """The localised reason the widget shows for a refusal."""
    return text(language, _REFUSAL_TEXT[refusal])


# ---------------------------------------------------------------- email capture (BD2, OP6, OP8)


MAX_EMAIL_LENGTH = 254


class InvalidEmail(ValueError):
    """Not a syntactically valid email address."""


def should_ask_for_email(
    capture: EmailCapture, state_available: bool, identified: bool, known_email: bool
) -> bool:
    """BD2: whether the widget asks the visitor for an email address. Never for identified
    visitors (OP8) nor when their address is already known; otherwise as the setting says
    (``when_unavailable``: only while the chat is not available)."""
    if identified or known_email:
        return False
    if capture.when is EmailCaptureWhen.ALWAYS:
        return True
    if capture.when is EmailCaptureWhen.WHEN_UNAVAILABLE:
        return not state_available
    return False


def email_capture_text(capture: EmailCapture, language: Language) -> str:
    """BD2: the chatflow's text, or the localised default when it is empty."""
    return effective_text(capture.message, "email_capture.default", language)


def normalise_email(text: str) -> str:
    """The address to store: stripped, the domain lower-cased, the local part kept as typed.

    Raises :class:`InvalidEmail` unless the address has exactly one ``@``, a non-empty local
    part, a domain of at least two non-empty dot-separated labels, no whitespace, and at most
    254 characters.
    """
    stripped = text.strip()
    if any(char.isspace() for char in stripped):
        raise InvalidEmail("an email address has no spaces")
    local, at, domain = stripped.partition("@")
    if not at or "@" in domain:
        raise InvalidEmail("an email address has exactly one @")
    if not local:
        raise InvalidEmail("an email address needs a name before the @")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        raise InvalidEmail("an email address needs a domain such as example.com after the @")
    # Lower-casing may lengthen some characters, so the limit applies to the result.
    address = f"{local}@{domain.lower()}"
    if len(address) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(f"an email address has at most {MAX_EMAIL_LENGTH} characters")
    return address


def email_key(email: str) -> str:
    """The key two addresses are compared by: the whole address, stripped and lower-cased.
    A store that keys its contacts by this makes :func:`match_contact` a single lookup."""
    return email.strip().lower()


@dataclass(frozen=True, slots=True)
class ContactMatch:
    """BD2: link to ``contact_id``, or (``create``) make a new contact, a marketing contact
    when ``marketing_contact`` (OP6). A linked contact's marketing status is left alone."""

    contact_id: str | None
    create: bool
    marketing_contact: bool


def match_contact(
    email: str, contacts_by_email: Mapping[str, str], marketing: bool
) -> ContactMatch:
    """BD2: the contact whose address equals ``email`` ignoring case (whole address), or a
    new one flagged as a marketing contact when the chatflow's OP6 switch is on.

    ``contacts_by_email`` maps address → contact id. Keys made with :func:`email_key` are
    found with one lookup; other keys are compared case-insensitively by a scan.
    """
    key = email_key(email)
    contact_id = contacts_by_email.get(key)
    if contact_id is None:
        contact_id = next(
            (cid for address, cid in contacts_by_email.items() if email_key(address) == key),
            None,
        )
    if contact_id is None:
        return ContactMatch(contact_id=None, create=True, marketing_contact=marketing)
    return ContactMatch(contact_id=contact_id, create=False, marketing_contact=False)


# ---------------------------------------------------------------- satisfaction survey (OP7)


CSAT_MIN_RATING = 1  # very dissatisfied
CSAT_MAX_RATING = 5  # very satisfied
CSAT_MAX_COMMENT_LENGTH = 2000


class InvalidAnswer(ValueError):
    """A CSAT answer outside the scale, or with too long a comment."""


def survey_on_close(csat: CsatSettings) -> str | None:
    """OP7: the id of the chat survey to show when the conversation closes, if any."""
    if csat.enabled and csat.survey_id:
        return csat.survey_id
    return None


def validate_csat_answer(rating: int, comment: str) -> tuple[int, str]:
    """OP7: the answer to store. ``rating`` is on a 1..5 scale (1 very dissatisfied,
    5 very satisfied); ``comment`` is optional, stripped, at most 2000 characters."""
    # bool is an int in Python, but True is not a rating.
    if isinstance(rating, bool) or not CSAT_MIN_RATING <= rating <= CSAT_MAX_RATING:
        raise InvalidAnswer(
            f"the rating must be a whole number from {CSAT_MIN_RATING} to {CSAT_MAX_RATING}"
        )
    stripped = comment.strip()
    if len(stripped) > CSAT_MAX_COMMENT_LENGTH:
        raise InvalidAnswer(f"the comment must be at most {CSAT_MAX_COMMENT_LENGTH} characters")
    return rating, stripped


# ---------------------------------------------------------------- tickets (OP2, CV3)


DEFAULT_TICKET_PROPERTIES: Mapping[str, str] = MappingProxyType(
    {"pipeline": "support", "stage": "new", "priority": "medium", "source": "chat"}
)


def ticket_properties(defaults: Mapping[str, str], subject: str) -> dict[str, str]:
    """CV3: a new ticket's properties — the product's defaults, overridden by the chatflow's
    ``ticket_defaults`` (OP2), and the ``subject`` (which no default overrides)."""
    return {**DEFAULT_TICKET_PROPERTIES, **defaults, "subject": subject}


# ---------------------------------------------------------------- heading, alias (BD3, BD4, CV5)


BRAND_ID = "brand"
"""The id of the person that stands for the branding (BD3, BD4)."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the widget shows: an agent, or the brand."""

    id: str
    name: str
    avatar_url: str = ""


def _brand(heading: HeadingSettings) -> Person:
    return Person(id=BRAND_ID, name=heading.brand_name, avatar_url=heading.brand_avatar_url)


def chat_heading(
    heading: HeadingSettings,
    users: Mapping[str, Person],
    teams: Mapping[str, tuple[Person, ...]],
    contact_owner: Person | None,
) -> tuple[Person, ...]:
    """BD3: who the chat heading shows.

    - users and teams: the named users, then the members of the named teams, each person
      once, in that order; ids the account no longer has are skipped;
    - contact owner: the visitor's owner, or the users-and-teams list when there is none;
    - branding: the brand alone.
    """
    if heading.kind is HeadingKind.BRANDING:
        return (_brand(heading),)
    if heading.kind is HeadingKind.CONTACT_OWNER and contact_owner is not None:
        return (contact_owner,)
    people: dict[str, Person] = {}  # keeps the first occurrence, in order
    for user_id in heading.user_ids:
        user = users.get(user_id)
        if user is not None:
            people.setdefault(user.id, user)
    for team_id in heading.team_ids:
        for member in teams.get(team_id, ()):
            people.setdefault(member.id, member)
    return tuple(people.values())


def sender_shown(heading: HeadingSettings, agent: Person) -> Person:
    """BD4: who the visitor sees as the sender of an agent's message — the brand when the
    branding alias is on, else the agent. Used live and in transcripts alike."""
    return _brand(heading) if heading.brand_alias else agent


@dataclass(frozen=True, slots=True)
class TranscriptMessage:
    sender_kind: SenderKind
    sender_id: str
    text: str
    sent_at: datetime  # already in the time zone the transcript is for


def transcript_lines(
    messages: Sequence[TranscriptMessage],
    heading: HeadingSettings,
    agents: Mapping[str, Person],
    visitor_name: str,
) -> tuple[str, ...]:
    """CV5: one line per message, ``"2026-01-05 09:14 Name: text"``, in the given order.

    Agents are named as the visitor saw them (BD4: the brand when the alias is on); an agent
    the account no longer has is named by their id. System messages have no name:
    ``"2026-01-05 09:15 text"``. ``visitor_name`` is the visitor's display name.
    """
    lines: list[str] = []
    for message in messages:
        stamp = message.sent_at.strftime("%Y-%m-%d %H:%M")
        if message.sender_kind is SenderKind.SYSTEM:
            lines.append(f"{stamp} {message.text}")
            continue
        if message.sender_kind is SenderKind.VISITOR:
            name = visitor_name
        else:
            agent = agents.get(message.sender_id)
            if agent is None:
                agent = Person(id=message.sender_id, name=message.sender_id)
            name = sender_shown(heading, agent).name
        lines.append(f"{stamp} {name}: {message.text}")
    return tuple(lines)


# ---------------------------------------------------------------- identification tokens (CV7)


IDENTIFICATION_TOKEN_LIFETIME = timedelta(hours=12)


def token_expires_at(issued_at: datetime) -> datetime:
    """CV7: when a visitor identification token issued at ``issued_at`` expires."""
    return issued_at + IDENTIFICATION_TOKEN_LIFETIME


def token_valid(issued_at: datetime, now: datetime) -> bool:
    """CV7: a token is valid strictly before its expiry (at exactly 12 hours it is not)."""
    return now < issued_at + IDENTIFICATION_TOKEN_LIFETIME
