"""An agent's status changes, and a chat that stops holding them (CV4, RT5).

The domain decides both, as it does in the simulator: :func:`~..domain.routing.with_status`
(an agent who becomes available with no chat is idle from then: longest idle does not
count time on a break) and :func:`~..domain.routing.with_chat_ended` (idle from the end of
their last chat). An agent who goes away or offline keeps their open chats, or hands them
back to the waiting queue where their chatflow says so
(:func:`~..domain.routing.requeues_open_chats`); the queue is then served.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import AssignmentSettings, Chatflow
from ..domain.conversation import ConversationEvent, ConversationStatus, transition
from ..domain.routing import AgentStatus, requeues_open_chats, with_chat_ended, with_status
from ..state import Server
from ..store import conversations as store
from ..store.users import set_idle_since, set_status
from .announce import announce_conversation, publish
from .capacity import on_capacity_changed
from .errors import NotFound
from .routing_service import agent_in_snapshot, routing_transaction

__all__ = ["change_status", "chat_ended"]


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def chat_ended(
    db: AsyncConnection, account_id: str, user_id: str | None, now: datetime
) -> None:
    """One of ``user_id``'s chats stops holding them (closed, transferred away): their idle
    time as the domain's ``with_chat_ended`` says. Call it in the transaction that makes the
    change, before the change (the snapshot still counts the chat)."""
    if user_id is None:
        return
    agent = await agent_in_snapshot(db, account_id, user_id)
    if agent is None:
        return
    after = with_chat_ended(agent, now.timestamp())
    if after.idle_since != agent.idle_since:
        await set_idle_since(db, account_id, user_id, _instant(after.idle_since))


async def change_status(server: Server, account_id: str, user_id: str, status: AgentStatus) -> bool:
    """CV4: set the user's status; returns whether it changed. Open chats the chatflow hands
    back go to the queue, and the queue is served."""
    now = server.clock.now()
    requeued: list[dict[str, Any]] = []
    async with routing_transaction(server, account_id) as db:
        agent = await agent_in_snapshot(db, account_id, user_id)
        if agent is None:
            raise NotFound("no such user")
        after = with_status(agent, status, now.timestamp())
        if after is not agent:
            requeued = await _hand_back(db, account_id, user_id, status, now)
            for _ in requeued:
                after = with_chat_ended(after, now.timestamp())
            await set_status(db, account_id, user_id, status, _instant(after.idle_since))
    if after is agent:
        return False
    await publish(
        server,
        f"account:{account_id}:inbox",
        {"type": "agent_status", "user_id": user_id, "status": status.value},
    )
    for conversation in requeued:
        await announce_conversation(server, "queued", conversation)
    await on_capacity_changed(server, account_id)
    return True


async def _hand_back(
    db: AsyncConnection, account_id: str, user_id: str, status: AgentStatus, now: datetime
) -> list[dict[str, Any]]:
    """The user's open chats whose chatflow returns them to the queue, requeued from now."""
    held = await store.list_conversations(
        db,
        account_id,
        statuses=(ConversationStatus.ASSIGNED.value,),
        assignee_id=user_id,
        limit=100_000,
    )
    chatflows: dict[str | None, Chatflow | None] = {}
    requeued = []
    for conversation in held:
        chatflow_id = conversation["chatflow_id"]
        if chatflow_id not in chatflows:
            chatflows[chatflow_id] = await store.load_chatflow(db, account_id, chatflow_id)
        chatflow = chatflows[chatflow_id]
        assignment = chatflow.build.assignment if chatflow is not None else AssignmentSettings()
        if not requeues_open_chats(assignment, status):
            continue
        after = transition(ConversationStatus(conversation["status"]), ConversationEvent.QUEUE)
        values = {
            "status": after.value,
            "assignee_id": None,
            "assigned_at": None,
            "waiting_since": now,
        }
        await store.update_conversation(db, conversation["id"], values)
        requeued.append({**conversation, **values})
    return requeued
