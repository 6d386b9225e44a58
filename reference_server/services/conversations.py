"""A conversation's life on the server (CV1-CV3, RT1-RT6, OP2): start, assign or claim,
transfer, close, reopen — each a domain ``transition`` stored in a routing transaction.

- :func:`start_conversation`: a visitor starts a chat on a published chatflow; it is routed
  with the domain's ``route`` over the account's agents (the chatflow's assignment settings,
  the contact's owner for RT4), gets its status from ``initial_status``, becomes a ticket in
  a helpdesk workspace (``ticket_properties``, CV3/OP2) and may carry the first message.
- :func:`assign` (claim when the user assigns themselves, RT6), :func:`transfer`,
  :func:`close`, :func:`reopen`. An event the status does not allow is a 409
  (``invalid_transition``); assigning to someone at their limit is a 409 (``at_capacity``).
- Whenever a chat stops holding an agent's capacity (close, transfer) the waiting queue is
  served (:func:`~reference_server.services.capacity.on_capacity_changed`).

Errors are the API's (:mod:`reference_server.api.errors`): the same for REST and WebSockets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import AssignmentSettings, Chatflow, WorkspaceKind
from ..domain.consent import ConsentGiven
from ..domain.conversation import (
    ConversationEvent,
    ConversationStatus,
    InvalidTransition,
    SenderKind,
    initial_status,
    survey_on_close,
    ticket_properties,
    transition,
)
from ..domain.routing import RoutingDecision, RoutingOutcome, has_free_capacity
from ..secrets import new_id
from ..state import Server
from ..store import conversations as store
from ..store.contacts import get_contact
from ..store.surveys import get_survey
from ..store.tickets import create_ticket, ticket_for_conversation
from ..store.users import set_idle_since
from . import events, limits
from .announce import announce_assigned, announce_conversation, publish
from .capacity import on_capacity_changed
from .errors import Conflict, NotFound, ValidationFailed
from .messages import NewMessage, check_consent, checked_text, store_message
from .routing_service import agent_in_snapshot, request_for, route_one, routing_transaction
from .views import (
    agent_shown,
    conversation_view,
    heading_of,
    message_view,
    visitor_conversation_view,
)

__all__ = [
    "Started",
    "agent_conversation",
    "assign",
    "close",
    "conversation_detail",
    "list_for_agent",
    "reopen",
    "start_conversation",
    "survey_for",
    "transfer",
    "visitor_conversation",
    "visitor_views",
]

VIEWS = {
    "unassigned": (ConversationStatus.UNASSIGNED.value, ConversationStatus.WAITING.value),
    "mine": (ConversationStatus.ASSIGNED.value,),
    "all": (
        ConversationStatus.UNASSIGNED.value,
        ConversationStatus.WAITING.value,
        ConversationStatus.ASSIGNED.value,
    ),
    "closed": (ConversationStatus.CLOSED.value,),
}
"""CV2: the inbox views and the statuses each shows (``mine``: assigned to the caller)."""

TICKET_SUBJECT_LENGTH = 120


@dataclass(frozen=True)
class Started:
    conversation: dict[str, Any]
    message: dict[str, Any] | None  # the first message, as stored (view)
    decision: RoutingDecision


def _refused(error: InvalidTransition) -> Conflict:
    return Conflict(str(error), code="invalid_transition")


# ---------------------------------------------------------------- reading


async def agent_conversation(
    server: Server, account_id: str, conversation_id: str
) -> dict[str, Any]:
    async with server.engine.connect() as db:
        conversation = await store.get_conversation(db, account_id, conversation_id)
    if conversation is None:
        raise NotFound("no such conversation")
    return conversation


async def visitor_conversation(
    server: Server, account_id: str, visitor_id: str, conversation_id: str
) -> dict[str, Any]:
    """The visitor's own conversation; anyone else's is a 404, as is an unknown id."""
    async with server.engine.connect() as db:
        conversation = await store.get_visitor_conversation(
            db, account_id, visitor_id, conversation_id
        )
    if conversation is None:
        raise NotFound("no such conversation")
    return conversation


async def list_for_agent(
    server: Server, account_id: str, user_id: str | None, view: str, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    if view not in VIEWS:
        raise ValidationFailed(
            "bad query parameter", fields={"view": f"must be one of {', '.join(VIEWS)}"}
        )
    if view == "mine" and user_id is None:
        raise ValidationFailed(
            "bad query parameter", fields={"view": "'mine' needs a logged-in user, not an API key"}
        )
    async with server.engine.connect() as db:
        rows = await store.list_conversations(
            db,
            account_id,
            statuses=VIEWS[view],
            assignee_id=user_id if view == "mine" else None,
            oldest_first=view == "unassigned",
            limit=limit,
            offset=offset,
        )
    return [conversation_view(row) for row in rows]


async def survey_for(
    db: AsyncConnection, account_id: str, chatflow: Chatflow | None
) -> dict[str, Any] | None:
    """OP7: the chat survey shown when a conversation of this chatflow closes."""
    survey_id = survey_on_close(chatflow.options.csat) if chatflow is not None else None
    if survey_id is None:
        return None
    survey = await get_survey(db, account_id, survey_id)
    if survey is None:
        return None
    return {"survey_id": survey["id"], "question": survey["question"]}


async def conversation_detail(
    server: Server, account_id: str, conversation_id: str
) -> dict[str, Any]:
    """CV2: the conversation with the visitor's context — page, contact, consent given,
    chatflow — its ticket (CV3) and the CSAT answer (OP7)."""
    async with server.engine.connect() as db:
        conversation = await store.get_conversation(db, account_id, conversation_id)
        if conversation is None:
            raise NotFound("no such conversation")
        contact = None
        if conversation["contact_id"]:
            contact = await get_contact(db, account_id, conversation["contact_id"])
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
        ticket = await ticket_for_conversation(db, account_id, conversation_id)
        answer = await store.csat_answer(db, conversation_id)
        visitor = await store.get_visitor(db, account_id, conversation["visitor_id"])
    view = conversation_view(conversation)
    view["contact"] = (
        None
        if contact is None
        else {
            "id": contact["id"],
            "email": contact["email"],
            "name": contact["name"],
            "owner_id": contact["owner_id"],
            "marketing": contact["marketing"],
        }
    )
    view["chatflow"] = (
        None
        if chatflow is None
        else {
            "id": chatflow.id,
            "name": chatflow.name,
            "workspace_kind": chatflow.workspace.kind.value,
        }
    )
    view["visitor"] = (
        None
        if visitor is None
        else {
            "id": visitor["id"],
            "identified": visitor["identified"],
        }
    )
    view["ticket_id"] = ticket["id"] if ticket is not None else None
    view["survey_answer"] = (
        None
        if answer is None
        else {
            "survey_id": answer["survey_id"],
            "question": answer["question"],
            "rating": answer["rating"],
            "comment": answer["comment"],
            "created_at": answer["created_at"].isoformat(),
        }
    )
    return view


async def visitor_views(
    server: Server, account_id: str, conversations: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The conversations as their visitor sees them: who answers (BD4), the survey to show
    once closed (OP7)."""
    result = []
    async with server.engine.connect() as db:
        people = await store.agent_people(db, account_id)
        chatflows: dict[str | None, Chatflow | None] = {}
        for conversation in conversations:
            chatflow_id = conversation["chatflow_id"]
            if chatflow_id not in chatflows:
                chatflows[chatflow_id] = await store.load_chatflow(db, account_id, chatflow_id)
            chatflow = chatflows[chatflow_id]
            agent = None
            if conversation["assignee_id"]:
                agent = agent_shown(heading_of(chatflow), people, conversation["assignee_id"])
            survey = None
            answered = False
            if conversation["status"] == ConversationStatus.CLOSED:
                answered = await store.csat_answer(db, conversation["id"]) is not None
                survey = await survey_for(db, account_id, chatflow)
            result.append(
                visitor_conversation_view(
                    conversation, agent=agent, survey=survey, answered=answered
                )
            )
    return result


# ---------------------------------------------------------------- starting (CV1, RT, CV3)


async def start_conversation(
    server: Server,
    account_id: str,
    visitor_id: str,
    *,
    chatflow_id: str,
    page_url: str,
    properties: Mapping[str, str],
    consent: ConsentGiven,
    first_message: NewMessage | None,
    conversation_id: str | None = None,
    still_wanted: Callable[[], bool] | None = None,
) -> Started:
    """Start, route and store a conversation (and its first message); ``conversation_id``
    lets a WebSocket subscribe to the conversation before it exists. Starts are routed one at
    a time per account: ``still_wanted`` is asked when this one's turn comes, and a start
    whose visitor has gone meanwhile is dropped (:class:`Withdrawn`) before it costs a
    routing transaction. The abuse limits (:mod:`.limits`) are checked first."""
    await limits.conversation_started(server, account_id, visitor_id)
    now = server.clock.now()
    async with server.engine.connect() as db:
        stored = await store.load_chatflow(db, account_id, chatflow_id)
        visitor = await store.get_visitor(db, account_id, visitor_id)
        inbox_exists = stored is not None and await store.inbox_exists(
            db, account_id, stored.workspace.id
        )
        owner_id = None
        if visitor is not None and visitor["contact_id"]:
            contact = await get_contact(db, account_id, visitor["contact_id"])
            owner_id = contact["owner_id"] if contact is not None else None
    if stored is None:
        raise ValidationFailed("no such chatflow", fields={"chatflow_id": "no such chatflow"})
    if visitor is None:
        raise NotFound("no such visitor")
    chatflow: Chatflow = stored
    if not chatflow.published:
        raise Conflict("this chatflow is switched off", code="chatflow_unpublished")
    text = None
    if first_message is not None:
        text = checked_text(first_message.text, field="message.text")
        check_consent(chatflow, consent, identified=bool(visitor["identified"]))

    conversation_id = conversation_id or new_id("cnv")
    row: dict[str, Any] = {
        "id": conversation_id,
        "account_id": account_id,
        "chatflow_id": chatflow.id,
        "inbox_id": chatflow.workspace.id if inbox_exists else None,
        "visitor_id": visitor_id,
        "contact_id": visitor["contact_id"],
        "language": chatflow.language.value,
        "page_url": page_url,
        "properties": dict(properties),
        "consent": {
            "cookies": consent.cookies,
            "data_processing": consent.data_processing,
            "communication": consent.communication,
        },
        "last_sequence": 0,
        "waiting_since": now,
        "assigned_at": None,
        "closed_at": None,
        "created_at": now,
    }
    message = None
    async with routing_transaction(server, account_id, still_wanted=still_wanted) as db:
        request = request_for(row, owner_id)
        decision = await route_one(db, account_id, chatflow.build.assignment, request)
        status = initial_status(decision.outcome)
        row["status"] = status.value
        if decision.outcome is RoutingOutcome.ASSIGNED:
            row.update(assignee_id=decision.agent_id, assigned_at=now, waiting_since=None)
        else:
            row["assignee_id"] = None
        await store.insert_conversation(db, row)
        if chatflow.workspace.kind is WorkspaceKind.HELPDESK:
            subject = (text or f"Chat from {page_url or 'the website'}")[:TICKET_SUBJECT_LENGTH]
            await create_ticket(
                db,
                account_id,
                now,
                conversation_id=conversation_id,
                subject=subject,
                properties=ticket_properties(chatflow.options.ticket_defaults, subject),
            )
        if first_message is not None and text is not None:
            message, _ = await store_message(
                db,
                row,
                now,
                sender_kind=SenderKind.VISITOR,
                sender_id=None,
                client_id=first_message.client_id,
                text=text,
            )
            row["last_sequence"] = message["sequence"]
    await announce_conversation(server, "new", row)
    if status is ConversationStatus.ASSIGNED:
        await announce_assigned(server, [row])
    elif status is ConversationStatus.WAITING:
        await announce_conversation(server, "queued", row)
    view = None
    if message is not None:
        async with server.engine.connect() as db:
            people = await store.agent_people(db, account_id)
        view = message_view(message, heading_of(chatflow), people)
        await publish(
            server, events.conversation_channel(conversation_id), events.message_event(view)
        )
    return Started(conversation=row, message=view, decision=decision)


# ---------------------------------------------------------------- agents' actions (RT6)


async def _held_conversation(
    db: AsyncConnection, account_id: str, conversation_id: str
) -> dict[str, Any]:
    conversation = await store.get_conversation(db, account_id, conversation_id)
    if conversation is None:
        raise NotFound("no such conversation")
    return conversation


async def _check_can_take(db: AsyncConnection, account_id: str, user_id: str) -> None:
    agent = await agent_in_snapshot(db, account_id, user_id)
    if agent is None:
        raise ValidationFailed("no such user", fields={"user_id": "no such user in this account"})
    if not agent.has_seat:
        raise ValidationFailed(
            "the user has no seat", fields={"user_id": "has no seat, so cannot hold conversations"}
        )
    if not has_free_capacity(agent):
        raise Conflict(
            f"the user already holds {agent.active_chats} chats, their limit", code="at_capacity"
        )


async def _idle_if_free(
    db: AsyncConnection, account_id: str, user_id: str | None, now: datetime
) -> None:
    if user_id is None:
        return
    agent = await agent_in_snapshot(db, account_id, user_id)
    if agent is not None and agent.active_chats == 0:
        await set_idle_since(db, account_id, user_id, now)


async def assign(
    server: Server, account_id: str, actor_id: str, conversation_id: str, user_id: str
) -> dict[str, Any]:
    """Give a waiting or unassigned conversation to ``user_id`` — a claim when that is the
    caller (RT6). Never over the user's limit (AV8)."""
    now = server.clock.now()
    event = ConversationEvent.CLAIM if user_id == actor_id else ConversationEvent.ASSIGN
    async with routing_transaction(server, account_id) as db:
        conversation = await _held_conversation(db, account_id, conversation_id)
        try:
            status = transition(ConversationStatus(conversation["status"]), event)
        except InvalidTransition as error:
            raise _refused(error) from None
        await _check_can_take(db, account_id, user_id)
        values = {
            "status": status.value,
            "assignee_id": user_id,
            "assigned_at": now,
            "waiting_since": None,
        }
        await store.update_conversation(db, conversation_id, values)
    conversation.update(values)
    await announce_assigned(server, [conversation])
    return conversation


async def transfer(
    server: Server, account_id: str, conversation_id: str, user_id: str
) -> dict[str, Any]:
    """RT6: move an assigned conversation to another user (within their limit); the
    previous holder's capacity frees and the waiting queue is served."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        conversation = await _held_conversation(db, account_id, conversation_id)
        try:
            status = transition(
                ConversationStatus(conversation["status"]), ConversationEvent.TRANSFER
            )
        except InvalidTransition as error:
            raise _refused(error) from None
        previous = conversation["assignee_id"]
        if previous == user_id:
            raise Conflict(
                "the conversation is already assigned to that user", code="already_assigned"
            )
        await _check_can_take(db, account_id, user_id)
        values = {"status": status.value, "assignee_id": user_id, "assigned_at": now}
        await store.update_conversation(db, conversation_id, values)
        await _idle_if_free(db, account_id, previous, now)
    conversation.update(values)
    await announce_assigned(server, [conversation], event="transferred")
    await on_capacity_changed(server, account_id)
    return conversation


async def close(
    server: Server, account_id: str, conversation_id: str, *, visitor_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Close a conversation (an agent, or its own visitor when ``visitor_id`` is given).
    Returns it and the OP7 survey the visitor is shown, if any."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        if visitor_id is None:
            conversation = await _held_conversation(db, account_id, conversation_id)
        else:
            found = await store.get_visitor_conversation(
                db, account_id, visitor_id, conversation_id
            )
            if found is None:
                raise NotFound("no such conversation")
            conversation = found
        was = ConversationStatus(conversation["status"])
        try:
            status = transition(was, ConversationEvent.CLOSE)
        except InvalidTransition as error:
            raise _refused(error) from None
        values = {"status": status.value, "closed_at": now, "waiting_since": None}
        await store.update_conversation(db, conversation_id, values)
        if was is ConversationStatus.ASSIGNED:
            await _idle_if_free(db, account_id, conversation["assignee_id"], now)
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
        survey = await survey_for(db, account_id, chatflow)
    conversation.update(values)
    await announce_conversation(server, "closed", conversation)
    await publish(
        server,
        events.conversation_channel(conversation_id),
        events.closed_event(conversation_id, survey),
    )
    if was is ConversationStatus.ASSIGNED:
        await on_capacity_changed(server, account_id)
    return conversation, survey


async def reopen(server: Server, account_id: str, conversation_id: str) -> dict[str, Any]:
    """A closed conversation waits again and is routed at once (assigned, queued, or left
    unassigned when the chatflow's assignment is off)."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        conversation = await _held_conversation(db, account_id, conversation_id)
        try:
            status = transition(
                ConversationStatus(conversation["status"]), ConversationEvent.REOPEN
            )
        except InvalidTransition as error:
            raise _refused(error) from None
        values: dict[str, Any] = {
            "status": status.value,
            "closed_at": None,
            "assignee_id": None,
            "assigned_at": None,
            "waiting_since": now,
        }
        conversation.update(values)
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
        owners = await store.contact_owners(db, account_id, [conversation["contact_id"]])
        request = request_for(conversation, owners.get(conversation["contact_id"] or ""))
        assignment = chatflow.build.assignment if chatflow is not None else None
        decision = await route_one(db, account_id, assignment or AssignmentSettings(), request)
        if decision.outcome is RoutingOutcome.ASSIGNED:
            status = transition(status, ConversationEvent.ASSIGN)
            values.update(
                status=status.value,
                assignee_id=decision.agent_id,
                assigned_at=now,
                waiting_since=None,
            )
        elif decision.outcome is RoutingOutcome.UNASSIGNED:
            status = transition(status, ConversationEvent.LEAVE_UNASSIGNED)
            values["status"] = status.value
        await store.update_conversation(db, conversation_id, values)
    conversation.update(values)
    await announce_conversation(server, "reopened", conversation)
    await publish(
        server, events.conversation_channel(conversation_id), events.reopened_event(conversation_id)
    )
    if status is ConversationStatus.ASSIGNED:
        await announce_assigned(server, [conversation])
    elif status is ConversationStatus.WAITING:
        await announce_conversation(server, "queued", conversation)
    return conversation
