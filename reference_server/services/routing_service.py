"""Routing on the server (RT1-RT5, AV8): the domain's ``route`` and ``serve_queue`` applied to
the store, one account at a time.

Every decision that may change who holds what runs inside :func:`routing_transaction`: an
``asyncio.Lock`` per account (one process) and, in the same transaction, the database's
routing lock (:func:`~reference_server.store.conversations.lock_routing`: a PostgreSQL
advisory lock, or SQLite's write lock) for several workers. The agents' counts are read
after the lock is taken and the assignments written before it is released, so conversations
that start at the same moment never push anyone over their limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import AssignmentSettings, Chatflow, RoutingStrategy
from ..domain.conversation import ConversationEvent, ConversationStatus, transition
from ..domain.intake import WaitEnd, end_of_wait, event_after_wait
from ..domain.routing import (
    Agent,
    ConversationRequest,
    QueuedConversation,
    RoutingDecision,
    route,
    serve_queue,
)
from ..state import Server
from ..store import conversations as store
from ..store.users import agents_snapshot
from .errors import Withdrawn

__all__ = [
    "agent_in_snapshot",
    "request_for",
    "route_one",
    "routing_transaction",
    "end_waits",
    "serve_waiting",
]


def _account_lock(server: Server, account_id: str) -> asyncio.Lock:
    key = f"routing-lock:{account_id}"
    lock = server.extras.get(key)
    if lock is None:
        lock = server.extras[key] = asyncio.Lock()
    assert isinstance(lock, asyncio.Lock)
    return lock


@asynccontextmanager
async def routing_transaction(
    server: Server, account_id: str, *, still_wanted: Callable[[], bool] | None = None
) -> AsyncIterator[AsyncConnection]:
    """A transaction holding the account's routing lock (process and database).
    ``still_wanted`` is asked once this process's turn has come, before the transaction
    begins: when it says no, :class:`~.errors.Withdrawn` is raised and nothing is done."""
    async with _account_lock(server, account_id):
        if still_wanted is not None and not still_wanted():
            raise Withdrawn("the client went away before its turn came")
        async with server.engine.begin() as db:
            await store.lock_routing(db, account_id)
            yield db


def request_for(conversation: Mapping[str, Any], owner_id: str | None) -> ConversationRequest:
    waiting = conversation.get("waiting_since") or conversation["created_at"]
    return ConversationRequest(
        id=conversation["id"],
        properties={str(k): str(v) for k, v in (conversation["properties"] or {}).items()},
        contact_owner_id=owner_id,
        waiting_since=waiting.timestamp(),
        started_at=conversation["created_at"].timestamp(),
    )


async def route_one(
    db: AsyncConnection,
    account_id: str,
    assignment: AssignmentSettings,
    request: ConversationRequest,
    agents: Sequence[Agent] | None = None,
) -> RoutingDecision:
    """Route one conversation now (inside :func:`routing_transaction`), moving the
    round-robin cursor as the domain says. ``agents``: the snapshot, when already read in
    this transaction."""
    if agents is None:
        agents = await agents_snapshot(db, account_id)
    cursor = await store.routing_cursor(db, account_id)
    decision = route(assignment, agents, request, cursor)
    if decision.agent_id is not None and decision.reason == RoutingStrategy.ROUND_ROBIN.value:
        await store.set_routing_cursor(db, account_id, decision.agent_id)
    return decision


async def agent_in_snapshot(db: AsyncConnection, account_id: str, user_id: str) -> Agent | None:
    """The user as routing sees them now (with the chats they hold), or None."""
    for agent in await agents_snapshot(db, account_id):
        if agent.id == user_id:
            return agent
    return None


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


async def end_waits(db: AsyncConnection, account_id: str, now: datetime) -> list[dict[str, Any]]:
    """RT5: waiting conversations whose visitor is gone or whose queue timeout passed leave
    the queue, as the domain's ``end_of_wait`` says (inside :func:`routing_transaction`,
    before the queue is served). Returns them as stored now."""
    ended = []
    chatflows: dict[str | None, Chatflow | None] = {}
    for conversation in await store.waiting_conversations(db, account_id):
        chatflow_id = conversation["chatflow_id"]
        if chatflow_id not in chatflows:
            chatflows[chatflow_id] = await store.load_chatflow(db, account_id, chatflow_id)
        chatflow = chatflows[chatflow_id]
        assignment = chatflow.build.assignment if chatflow is not None else AssignmentSettings()
        waiting_since = conversation["waiting_since"] or conversation["created_at"]
        end = end_of_wait(
            assignment,
            waiting_since.timestamp(),
            now.timestamp(),
            _seconds(conversation["visitor_gone_since"]),
        )
        if end is WaitEnd.WAITING:
            continue
        event = event_after_wait(end)
        status = transition(ConversationStatus(conversation["status"]), event)
        values: dict[str, Any] = {"status": status.value, "waiting_since": None}
        if event is ConversationEvent.CLOSE:
            values["closed_at"] = now
        await store.update_conversation(db, conversation["id"], values)
        ended.append({**conversation, **values})
    return ended


async def serve_waiting(
    db: AsyncConnection, account_id: str, now: datetime
) -> list[dict[str, Any]]:
    """RT5: hand out waiting conversations, longest-waiting first, as far as capacity allows
    (inside :func:`routing_transaction`). Returns the conversations assigned, as stored."""
    waiting = await store.waiting_conversations(db, account_id)
    if not waiting:
        return []
    chatflows: dict[str, Chatflow | None] = {}
    for conversation in waiting:
        chatflow_id = conversation["chatflow_id"]
        if chatflow_id and chatflow_id not in chatflows:
            chatflows[chatflow_id] = await store.load_chatflow(db, account_id, chatflow_id)
    owners = await store.contact_owners(db, account_id, (c["contact_id"] for c in waiting))
    queue = []
    by_id = {}
    for conversation in waiting:
        chatflow = chatflows.get(conversation["chatflow_id"] or "")
        assignment = chatflow.build.assignment if chatflow is not None else AssignmentSettings()
        owner = owners.get(conversation["contact_id"] or "")
        queue.append(QueuedConversation(request_for(conversation, owner), assignment))
        by_id[conversation["id"]] = conversation
    agents = await agents_snapshot(db, account_id)
    cursor = await store.routing_cursor(db, account_id)
    result = serve_queue(queue, agents, cursor)
    assigned = []
    for assignment_made in result.assignments:
        conversation = by_id[assignment_made.conversation_id]
        status = transition(ConversationStatus(conversation["status"]), ConversationEvent.ASSIGN)
        values = {
            "status": status.value,
            "assignee_id": assignment_made.agent_id,
            "assigned_at": now,
            "waiting_since": None,
        }
        await store.update_conversation(db, conversation["id"], values)
        assigned.append({**conversation, **values})
    if result.last_assigned_id != cursor:
        await store.set_routing_cursor(db, account_id, result.last_assigned_id)
    return assigned
