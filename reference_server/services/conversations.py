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

from ..domain.availability import availability_view, chat_state
from ..domain.chatflow import AssignmentSettings, Chatflow, Language, WorkspaceKind
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
from ..domain.inbox import AgentAction, team_transfer
from ..domain.intake import Intake, intake, routing_properties
from ..domain.routing import (
    Agent,
    ConversationRequest,
    RoutingDecision,
    RoutingOutcome,
    eligible_agents,
    has_free_capacity,
)
from ..secrets import new_id
from ..state import Server
from ..store import conversations as store
from ..store import messages as message_store
from ..store.contacts import get_contact
from ..store.inbox import last_messages, other_conversations
from ..store.surveys import get_survey
from ..store.teams import team_ids
from ..store.tickets import create_ticket, ticket_for_conversation
from ..store.users import agents_snapshot
from ..store.visitors import consent_record, save_consent_record
from . import events, limits
from .agent_status import chat_ended
from .announce import announce_assigned, announce_conversation, publish
from .capacity import on_capacity_changed
from .errors import Conflict, NotFound, ValidationFailed
from .inbox import PREVIEW_LENGTH, Actor, require_allowed, with_actions
from .messages import NewMessage, check_consent, checked_text, consent_of, store_message
from .presentation import conversation_presentation, surroundings
from .routing_service import agent_in_snapshot, request_for, route_one, routing_transaction
from .views import (
    agent_shown,
    heading_of,
    iso,
    message_view,
    visitor_conversation_view,
)
from .visitor_consent import answers_at_start, plan_for, send_json

__all__ = [
    "Started",
    "agent_conversation",
    "assign",
    "close",
    "conversation_detail",
    "open_visitor_conversation",
    "reopen",
    "start_conversation",
    "survey_for",
    "transfer",
    "visitor_conversation",
    "visitor_views",
    "visitor_views_in",
]

TICKET_SUBJECT_LENGTH = 120


@dataclass(frozen=True)
class Started:
    conversation: dict[str, Any]
    message: dict[str, Any] | None  # the first message, as stored (view)
    decision: RoutingDecision | None  # None: a resent start, answered with what it made


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
    server: Server, account_id: str, conversation_id: str, actor: Actor | None = None
) -> dict[str, Any]:
    """CV2: the conversation with the visitor's context — page, contact, consent given,
    chatflow — its ticket (CV3), the CSAT answer (OP7), the contact's earlier conversations
    and the actions ``actor`` may take."""
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
        earlier = await other_conversations(
            db,
            account_id,
            contact_id=conversation["contact_id"],
            visitor_id=conversation["visitor_id"],
            excluding=conversation_id,
        )
    view = with_actions(conversation, actor)
    view["earlier_conversations"] = [
        {
            "id": other["id"],
            "status": other["status"],
            "page_url": other["page_url"],
            "created_at": iso(other["created_at"]),
            "closed_at": iso(other["closed_at"]),
        }
        for other in earlier
    ]
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
    """The conversations as their visitor sees them (see :func:`visitor_views_in`)."""
    async with server.engine.connect() as db:
        return await visitor_views_in(db, account_id, conversations, server.clock.now())


async def open_visitor_conversation(
    db: AsyncConnection, account_id: str, visitor_id: str
) -> dict[str, Any] | None:
    """The visitor's newest conversation that is not closed, if any."""
    return await store.newest_open_visitor_conversation(db, account_id, visitor_id)


async def visitor_views_in(
    db: AsyncConnection,
    account_id: str,
    conversations: Sequence[Mapping[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    """The conversations as their visitor sees them: who answers (BD4), the survey to show
    once closed (OP7), how many of the agents' messages the visitor has not read, the newest
    message (the widget's list of conversations), whether the visitor may write in it and
    why not (OP4), and its own presentation — its chatflow's identity and a header that
    follows its state."""
    result = []
    people = await store.agent_people(db, account_id)
    around = await surroundings(db, account_id)
    owners = await store.contact_owners(db, account_id, [c["contact_id"] for c in conversations])
    ids = [c["id"] for c in conversations]
    unread = await message_store.unread_counts(
        db, ids, sender_kinds=(SenderKind.AGENT.value, SenderKind.SYSTEM.value)
    )
    newest = await last_messages(db, {c["id"]: c["last_sequence"] for c in conversations})
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
        status = ConversationStatus(conversation["status"])
        if status is ConversationStatus.CLOSED:
            answered = await store.csat_answer(db, conversation["id"]) is not None
            survey = await survey_for(db, account_id, chatflow)
        view = visitor_conversation_view(
            conversation, agent=agent, survey=survey, answered=answered
        )
        view["unread"] = unread.get(conversation["id"], 0)
        view["last_message"] = _last_message(newest.get(conversation["id"]))
        view["presentation"] = None
        plan = None
        if chatflow is not None:
            owner = owners.get(conversation["contact_id"] or "")
            view["presentation"] = conversation_presentation(
                chatflow, conversation, around, owner, now
            )
            plan = plan_for(chatflow, identified=False)
        language = Language(conversation["language"])
        view["send"] = send_json(plan, consent_of(conversation), status, language)
        result.append(view)
    return result


def _last_message(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the visitor's list of conversations shows of the newest message, as the inbox
    shows it: who wrote it by kind (no agent's name: under the branding alias the brand
    answers), the start of its text, when."""
    if row is None:
        return None
    return {
        "sender_kind": row["sender_kind"],
        "text": row["text"][:PREVIEW_LENGTH],
        "created_at": iso(row["created_at"]),
    }


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
    lets a WebSocket subscribe to the conversation before it exists. A start whose first
    message is stored already (same client id) answers with the conversation it made.
    Starts are routed one at a time per account: ``still_wanted`` is asked when this one's
    turn comes, and a start whose visitor has gone meanwhile is dropped
    (:class:`~.errors.Withdrawn`) before it costs a routing transaction. The abuse limits
    (:mod:`.limits`) are checked first."""
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
    # OP4: the consent the visitor gave before (kept by the server) and in this start.
    identified = bool(visitor["identified"])
    record, consent = answers_at_start(visitor, plan_for(chatflow, identified=identified), consent)
    text = None
    if first_message is not None:
        text = checked_text(first_message.text, field="message.text")
        resent = await _resent_start(server, account_id, visitor_id, chatflow, first_message)
        if resent is not None:
            return resent
        check_consent(chatflow, consent, identified=identified)

    # RT3: routed with what the server knows (language, page), then what the client adds.
    properties = routing_properties(chatflow, page_url, client_properties=properties)
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
        agents = await agents_snapshot(db, account_id)
        decision = await _intake_decision(db, account_id, chatflow, agents, request, now)
        status = initial_status(decision.outcome)
        row["status"] = status.value
        if decision.outcome is RoutingOutcome.ASSIGNED:
            row.update(assignee_id=decision.agent_id, assigned_at=now, waiting_since=None)
        else:
            row["assignee_id"] = None
        await store.insert_conversation(db, row)
        await save_consent_record(db, visitor_id, consent_record(visitor), record)
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


_LEFT_FOR_LATER = RoutingDecision(RoutingOutcome.UNASSIGNED, None, "offline")


async def _intake_decision(
    db: AsyncConnection,
    account_id: str,
    chatflow: Chatflow,
    agents: Sequence[Agent],
    request: ConversationRequest,
    now: datetime,
) -> RoutingDecision:
    """AV5-AV7: what the chat becomes, as the domain's ``intake`` decides from what the
    widget shows now: routed, a message left unassigned (offline), or refused (no launcher)."""
    availability = chatflow.build.availability
    assignment = chatflow.build.assignment
    state = chat_state(availability, eligible_agents(assignment, agents, request), now)
    outcome = intake(availability_view(availability, state, now, chatflow.language))
    if outcome is Intake.REFUSED:
        raise Conflict("chat is not available on this page now", code="chat_unavailable")
    if outcome is Intake.MESSAGE:
        return _LEFT_FOR_LATER
    return await route_one(db, account_id, assignment, request, agents)


async def _resent_start(
    server: Server, account_id: str, visitor_id: str, chatflow: Chatflow, first: NewMessage
) -> Started | None:
    """CV1: a start whose first message (its client id) is stored already is a resend —
    the widget lost the answer to a start it sent — and gets the conversation it made."""
    async with server.engine.connect() as db:
        found = await store.visitor_first_message(db, account_id, visitor_id, first.client_id)
        if found is None:
            return None
        people = await store.agent_people(db, account_id)
    conversation, message = found
    return Started(conversation, message_view(message, heading_of(chatflow), people), None)


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


async def assign(
    server: Server, account_id: str, actor: Actor, conversation_id: str, user_id: str
) -> dict[str, Any]:
    """Give a waiting or unassigned conversation to ``user_id`` — a claim when that is the
    caller (RT6). Never over the user's limit (AV8)."""
    now = server.clock.now()
    claim = user_id == actor.user_id
    event = ConversationEvent.CLAIM if claim else ConversationEvent.ASSIGN
    async with routing_transaction(server, account_id) as db:
        conversation = await _held_conversation(db, account_id, conversation_id)
        try:
            status = transition(ConversationStatus(conversation["status"]), event)
        except InvalidTransition as error:
            raise _refused(error) from None
        require_allowed(conversation, actor, AgentAction.CLAIM if claim else AgentAction.ASSIGN)
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
    server: Server,
    account_id: str,
    actor: Actor,
    conversation_id: str,
    *,
    user_id: str | None = None,
    team_id: str | None = None,
) -> dict[str, Any]:
    """RT6: move an assigned conversation to another user (within their limit), or to a
    team: routing picks one of its members who can take it now (the team's least busy, as
    the domain's ``route`` decides; 409 when none can). The previous holder's capacity frees
    and the waiting queue is served."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        conversation = await _held_conversation(db, account_id, conversation_id)
        try:
            status = transition(
                ConversationStatus(conversation["status"]), ConversationEvent.TRANSFER
            )
        except InvalidTransition as error:
            raise _refused(error) from None
        require_allowed(conversation, actor, AgentAction.TRANSFER)
        previous = conversation["assignee_id"]
        if team_id is not None:
            user_id = await _team_member_for(db, account_id, conversation, team_id, previous)
        assert user_id is not None
        if previous == user_id:
            raise Conflict(
                "the conversation is already assigned to that user", code="already_assigned"
            )
        await _check_can_take(db, account_id, user_id)
        values = {"status": status.value, "assignee_id": user_id, "assigned_at": now}
        await chat_ended(db, account_id, previous, now)
        await store.update_conversation(db, conversation_id, values)
    conversation.update(values)
    await announce_assigned(server, [conversation], event="transferred")
    await on_capacity_changed(server, account_id)
    return conversation


async def close(
    server: Server,
    account_id: str,
    conversation_id: str,
    *,
    visitor_id: str | None = None,
    actor: Actor | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Close a conversation (an agent — ``actor`` — or its own visitor when ``visitor_id``
    is given). Returns it and the OP7 survey the visitor is shown, if any."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        if visitor_id is None:
            conversation = await _held_conversation(db, account_id, conversation_id)
            if actor is not None:
                require_allowed(conversation, actor, AgentAction.CLOSE)
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
        if was is ConversationStatus.ASSIGNED:
            await chat_ended(db, account_id, conversation["assignee_id"], now)
        await store.update_conversation(db, conversation_id, values)
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


async def _team_member_for(
    db: AsyncConnection,
    account_id: str,
    conversation: Mapping[str, Any],
    team_id: str,
    holder_id: str | None,
) -> str:
    """RT6: whom a transfer to ``team_id`` goes to (the domain's ``team_transfer``)."""
    if team_id not in await team_ids(db, account_id):
        raise ValidationFailed("no such team", fields={"team_id": "no such team in this account"})
    agents = await agents_snapshot(db, account_id)
    decision = team_transfer(team_id, agents, request_for(conversation, None), holder_id)
    if decision.agent_id is None:
        raise Conflict(
            "nobody else in that team can take the conversation now (all away or at their "
            "limit); transfer it to a person, or try again later",
            code="at_capacity",
        )
    return decision.agent_id
