"""Messages, typing and read receipts (CV1, OP4).

A message is validated (the domain's ``validate_message_text``), checked against the
visitor's data-processing consent (``may_send_message``: explicit consent blocks visitor
messages until given → 409 ``consent_required``), STORED, and only then acknowledged and
broadcast. The client id makes a resend harmless: the same client id from the same side of
the conversation returns the stored message (``created`` False) and stores nothing.
Messages to a closed conversation are refused (409 ``conversation_closed``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import Chatflow
from ..domain.consent import (
    CompanyNames,
    ConsentGiven,
    ConsentPlan,
    consent_plan,
    may_send_message,
)
from ..domain.conversation import (
    InvalidMessage,
    Person,
    SenderKind,
    is_resend,
    validate_message_text,
)
from ..state import Server
from ..store import conversations as store
from ..store import messages as message_store
from ..store.chatflows import chatflow_at
from . import events, limits
from .announce import publish
from .errors import Conflict, NotFound, ServiceError, ValidationFailed
from .group_commit import group_commit
from .views import agent_shown, heading_of, message_view

log = logging.getLogger("livechat.messages")

__all__ = [
    "AlreadyStored",
    "NewMessage",
    "check_consent",
    "checked_text",
    "consent_of",
    "list_messages",
    "mark_read",
    "post_message",
    "send_typing",
    "store_message",
]


@dataclass(frozen=True)
class NewMessage:
    client_id: str
    text: str


class AlreadyStored(Exception):
    """A resend: the message with this client id is already stored (its sequence number was
    handed back, so none is used up). ``chatflow``: the conversation's, as it is now."""

    def __init__(self, message: dict[str, Any], chatflow: Chatflow | None = None) -> None:
        super().__init__("already stored")
        self.message = message
        self.chatflow = chatflow


def consent_of(conversation: Mapping[str, Any]) -> ConsentGiven:
    """What the visitor of this conversation has agreed to so far."""
    stored = conversation["consent"] or {}
    return ConsentGiven(
        cookies=stored.get("cookies"),
        data_processing=bool(stored.get("data_processing")),
        communication=bool(stored.get("communication")),
    )


def checked_text(text: str, *, field: str = "text") -> str:
    try:
        return validate_message_text(text)
    except InvalidMessage as error:
        raise ValidationFailed(str(error), fields={field: str(error)}) from None


def check_consent(chatflow: Chatflow | None, given: ConsentGiven, *, identified: bool) -> None:
    """OP4: refuse a visitor's message while the chatflow's explicit data-processing consent
    is missing. (The plan's texts are not needed here, so no company names are read.)"""
    if chatflow is None:
        return  # the chatflow is gone: nothing left to ask consent for
    check = may_send_message(_plan(chatflow, identified), given)
    if not check.allowed:
        raise Conflict(
            "the visitor must agree to data processing before sending messages",
            code="consent_required",
            fields={name: "must be given first" for name in check.missing},
        )


_PLANS_KEPT = 512
_plans: dict[tuple[int, bool], tuple[Chatflow, ConsentPlan]] = {}


def _plan(chatflow: Chatflow, identified: bool) -> ConsentPlan:
    """The chatflow's consent plan, made once per decoded chatflow (one is kept per saved
    version, so an edited chatflow brings a new plan) and kind of visitor."""
    key = (id(chatflow), identified)
    kept = _plans.get(key)
    if kept is not None and kept[0] is chatflow:  # kept alive here, so its id is its own
        return kept[1]
    plan = consent_plan(chatflow.options, chatflow.language, identified, CompanyNames())
    if len(_plans) >= _PLANS_KEPT:
        del _plans[next(iter(_plans))]
    _plans[key] = (chatflow, plan)
    return plan


async def store_message(
    db: AsyncConnection,
    conversation: Mapping[str, Any],
    now: datetime,
    *,
    sender_kind: SenderKind,
    sender_id: str | None,
    client_id: str,
    text: str,
    accept: Callable[[Mapping[str, Any], Chatflow | None], None] | None = None,
) -> tuple[dict[str, Any], Chatflow | None]:
    """Store a message in the caller's transaction: the stored row and the conversation's
    chatflow as it is now. Unless it is a resend (:class:`AlreadyStored`), the conversation
    is closed (409) or gone (404), or ``accept`` raises when shown the conversation as it is
    now (its status and consent, read by the same statement that takes the number) and its
    chatflow. One statement on PostgreSQL, two on SQLite (the number, then the row); a
    refused one is stored first and then removed, in the transaction. A message refused
    (a :class:`ServiceError` or a resend) leaves nothing changed, so the transaction may
    go on with other messages."""
    conversation_id = conversation["id"]
    try:
        taken, row = await message_store.add_message(
            db,
            conversation_id,
            now,
            client_id=client_id,
            sender_kind=sender_kind.value,
            sender_id=sender_id,
            text=text,
        )
    except LookupError:
        raise NotFound("no such conversation") from None
    chatflow = None
    if taken.chatflow_version is not None:
        chatflow = await chatflow_at(db, conversation["chatflow_id"], taken.chatflow_version)
    try:
        if accept is not None:
            current = {
                **conversation,
                "status": taken.status,
                "consent": taken.consent,
                "last_sequence": taken.sequence,
            }
            accept(current, chatflow)
        if row is None:  # closed, or this client id is taken: a resend is answered, not refused
            existing = await message_store.find_by_client_id(
                db, conversation_id, sender_kind.value, client_id, sender_id
            )
            if existing is not None and is_resend({existing["client_id"]}, client_id):
                raise AlreadyStored(existing, chatflow)
            raise Conflict("the conversation is closed", code="conversation_closed")
    except (ServiceError, AlreadyStored):
        if row is not None:
            await message_store.remove_message(db, row["id"])
        await message_store.give_back_sequence(db, conversation_id)
        raise
    return row, chatflow


async def _context(
    server: Server,
    conversation: Mapping[str, Any],
    *,
    people: Collection[str] = (),
    visitor: bool = False,
) -> tuple[Chatflow | None, dict[str, Person], dict[str, Any] | None]:
    """The conversation's chatflow, the ``people`` named (as shown) and, when asked for,
    the visitor row: only what the caller needs, on one connection."""
    async with server.engine.connect() as db:
        return await _context_in(db, conversation, people=people, visitor=visitor)


async def _context_in(
    db: AsyncConnection,
    conversation: Mapping[str, Any],
    *,
    people: Collection[str] = (),
    visitor: bool = False,
) -> tuple[Chatflow | None, dict[str, Person], dict[str, Any] | None]:
    account_id = conversation["account_id"]
    chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
    shown = await store.agent_people(db, account_id, [p for p in people if p])
    row = None
    if visitor:
        row = await store.get_visitor(db, account_id, conversation["visitor_id"])
    return chatflow, shown, row


async def post_message(
    server: Server,
    conversation: Mapping[str, Any],
    *,
    sender_kind: SenderKind,
    sender_id: str | None,
    client_id: str,
    text: str,
    on_stored: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    identified: bool | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store and broadcast a message; returns its view and whether it is new (False: a
    resend answered with the stored one). ``on_stored`` runs after the commit and before
    the broadcast (a WebSocket acknowledges there, so its ack comes first). Messages that
    arrive together are stored in one transaction (:mod:`.group_commit`).

    Only the conversation's id, account, chatflow and visitor are taken from
    ``conversation`` (a session may keep it): its status, its chatflow and the visitor's
    consent are checked as they are when the message is stored. ``identified``: whether
    the visitor is identified, when the caller knows (else it is read)."""
    if sender_kind is SenderKind.VISITOR:
        await limits.message_sent(server, str(conversation["visitor_id"]))
    clean = checked_text(text)
    by_visitor = sender_kind is SenderKind.VISITOR
    account_id = conversation["account_id"]

    async def store_it(db: AsyncConnection) -> _Stored:
        people = await store.agent_people(db, account_id, [sender_id]) if sender_id else {}
        known = identified
        if by_visitor and known is None:
            visitor = await store.get_visitor(db, account_id, conversation["visitor_id"])
            known = bool(visitor and visitor["identified"])
        accept = None
        if by_visitor:

            def accept(current: Mapping[str, Any], chatflow: Chatflow | None) -> None:
                check_consent(chatflow, consent_of(current), identified=bool(known))

        try:
            row, chatflow = await store_message(
                db,
                conversation,
                server.clock.now(),
                sender_kind=sender_kind,
                sender_id=sender_id,
                client_id=client_id,
                text=clean,
                accept=accept,
            )
        except AlreadyStored as resend:
            return _Stored(resend.message, resend.chatflow, people, created=False)
        return _Stored(row, chatflow, people, created=True)

    commits = group_commit(server.extras, server.engine)
    stored = await commits.run(conversation["id"], store_it, refusals=(ServiceError,))
    view = message_view(stored.row, heading_of(stored.chatflow), stored.people)
    if not stored.created:
        return view, False
    if on_stored is not None:
        try:
            await on_stored(view)
        except Exception:  # the sender is gone: the message is stored, others still hear it
            log.debug("could not acknowledge message %s", view["id"], exc_info=True)
    await publish(
        server, events.conversation_channel(conversation["id"]), events.message_event(view)
    )
    return view, True


@dataclass(frozen=True)
class _Stored:
    row: dict[str, Any]
    chatflow: Chatflow | None
    people: dict[str, Person]
    created: bool


async def list_messages(
    server: Server, conversation: Mapping[str, Any], *, after: int, limit: int | None
) -> list[dict[str, Any]]:
    """What came after sequence number ``after`` (CV1: a reconnecting client's catch-up)."""
    async with server.engine.connect() as db:
        rows = await message_store.list_messages(db, conversation["id"], after=after, limit=limit)
    senders = {row["sender_id"] for row in rows if row["sender_kind"] == SenderKind.AGENT.value}
    chatflow, people, _ = await _context(server, conversation, people=senders)
    heading = heading_of(chatflow)
    return [message_view(row, heading, people) for row in rows]


async def mark_read(
    server: Server, conversation: Mapping[str, Any], *, reader: SenderKind, up_to_sequence: int
) -> int:
    """Read receipts: the reader has read the other side's messages up to
    ``up_to_sequence``. Returns how many messages became read."""
    if up_to_sequence > conversation["last_sequence"]:
        raise ValidationFailed(
            "there is no such message yet",
            fields={
                "up_to_sequence": f"the last message is number {conversation['last_sequence']}"
            },
        )
    other = (
        (SenderKind.AGENT.value, SenderKind.SYSTEM.value)
        if reader is SenderKind.VISITOR
        else (SenderKind.VISITOR.value,)
    )
    async with server.engine.begin() as db:
        changed = await message_store.mark_read(
            db,
            conversation["id"],
            server.clock.now(),
            sender_kinds=other,
            up_to_sequence=up_to_sequence,
        )
    await publish(
        server,
        events.conversation_channel(conversation["id"]),
        events.read_event(conversation["id"], reader.value, up_to_sequence),
    )
    return changed


async def send_typing(
    server: Server,
    conversation: Mapping[str, Any],
    *,
    sender_kind: SenderKind,
    sender_id: str | None,
    typing: bool,
) -> None:
    """Typing indicators are broadcast only, never stored."""
    sender = None
    if sender_kind is SenderKind.AGENT and sender_id is not None:
        chatflow, people, _ = await _context(server, conversation, people=[sender_id])
        sender = agent_shown(heading_of(chatflow), people, sender_id)
    await publish(
        server,
        events.conversation_channel(conversation["id"]),
        events.typing_event(conversation["id"], sender_kind.value, sender_id, sender, typing),
    )
