"""The agent's WebSocket: ``/ws/agent?ticket=…`` (a single-use ticket from
``POST /api/v1/auth/socket-ticket``), or the session cookie, or a bearer header (CV1, CV2).
``Origin``, when a browser sends it, must be the server's own.

After ``ready`` the agent receives every event of the account's inbox channel —
``{"type": "conversation", "event": "new" | "assigned" | "queued" | "transferred" |
"closed" | "reopened" | "updated", "conversation"}`` and the agents' status changes — and
what happens inside the conversations it follows: ``message``, ``typing``, ``read``,
``assigned``, ``closed``. It follows the conversations assigned to it — those it holds when it
connects (live from then on: the inbox loads their history over REST), and each one assigned
to it later (its messages so far, then ``following`` ``{conversation}``, then live) — and any
it asks for.

Frames from the agent (``ref`` echoed in the reply or error):

- ``follow`` ``{conversation_id, after_sequence?}`` → the stored messages after it, then
  ``following`` ``{conversation}``; ``unfollow`` ``{conversation_id}``;
- ``message`` ``{conversation_id, client_id, text}`` → ``ack`` once stored (``forbidden`` on
  a colleague's conversation unless the agent supervises, as over REST);
- ``typing`` ``{conversation_id, typing}``; ``read`` ``{conversation_id, up_to_sequence}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictInt
from starlette.websockets import WebSocket

from ..domain.conversation import ConversationStatus, SenderKind
from ..domain.inbox import AgentAction
from ..services import conversations as service
from ..services import messages as message_service
from ..services.auth import (
    SESSION_COOKIE,
    Principal,
    agent_by_ticket,
    authenticate,
    origin_problem,
    require_user,
)
from ..services.errors import Forbidden, ServiceError
from ..services.events import ack_frame, agent_channel, inbox_channel
from ..services.inbox import Actor, require_allowed
from ..services.inputs import MessageIn
from ..services.views import conversation_view
from ..state import Subscription, server_of
from ..store.conversations import list_conversations
from .feeds import ConversationFeeds
from .socket import AUTH_FAILED, ORIGIN_REFUSED, ClientGone, FrameIn, SocketSession, refuse

__all__ = ["agent_socket"]

log = logging.getLogger("livechat.realtime")

ConversationId = Annotated[str, Field(min_length=1, max_length=40)]
MAX_FOLLOWED_AT_START = 200


class FollowFrame(FrameIn):
    conversation_id: ConversationId
    after_sequence: StrictInt = Field(default=0, ge=0)


class UnfollowFrame(FrameIn):
    conversation_id: ConversationId


class MessageFrame(FrameIn, MessageIn):
    conversation_id: ConversationId


class TypingFrame(FrameIn):
    conversation_id: ConversationId
    typing: StrictBool = True


class ReadFrame(FrameIn):
    conversation_id: ConversationId
    up_to_sequence: StrictInt = Field(ge=0)


class AgentSession(SocketSession):
    kind = "agent"

    def __init__(self, websocket: WebSocket, principal: Principal) -> None:
        super().__init__(websocket)
        assert principal.user_id is not None
        self.account_id = principal.account_id
        self.user_id: str = principal.user_id
        self.actor = Actor.of(principal.user_id, principal.role, principal.permissions)
        self.feeds = ConversationFeeds(self.server.broadcast, self._deliver, self._replay)
        self.handlers = {
            "follow": (FollowFrame, self.on_follow),
            "unfollow": (UnfollowFrame, self.on_unfollow),
            "message": (MessageFrame, self.on_message),
            "typing": (TypingFrame, self.on_typing),
            "read": (ReadFrame, self.on_read),
        }

    async def _deliver(self, event: dict[str, Any]) -> None:
        if event.get("type") == "typing" and event.get("sender_id") == self.user_id:
            return  # the agent's own typing
        await self.send(event)

    async def _conversation(self, conversation_id: str) -> dict[str, Any]:
        return await service.agent_conversation(self.server, self.account_id, conversation_id)

    async def _replay(self, conversation_id: str, after: int) -> Sequence[dict[str, Any]]:
        conversation = await self._conversation(conversation_id)
        return await message_service.list_messages(
            self.server, conversation, after=after, limit=None
        )

    async def held_conversations(self) -> list[dict[str, Any]]:
        async with self.server.engine.connect() as db:
            return await list_conversations(
                db,
                self.account_id,
                statuses=(ConversationStatus.ASSIGNED.value,),
                assignee_id=self.user_id,
                limit=MAX_FOLLOWED_AT_START,
            )

    async def pump_inbox(self, events: Subscription) -> None:
        """Forward the account's inbox events; follow conversations assigned to this agent."""
        while True:
            event = await events.get()
            await self.send(event)
            conversation = event.get("conversation") or {}
            if (
                event.get("type") == "conversation"
                and conversation.get("assignee_id") == self.user_id
                and conversation.get("status") == ConversationStatus.ASSIGNED.value
                and not self.feeds.following(conversation["id"])
            ):

                async def following(view: dict[str, Any] = conversation) -> None:
                    await self.send({"type": "following", "conversation": view})

                try:  # a conversation new to this agent: its messages so far, then live
                    await self.feeds.follow(conversation["id"], 0, after_replay=following)
                except ServiceError:
                    continue  # gone meanwhile

    async def on_follow(self, frame: FollowFrame) -> None:
        conversation = await self._conversation(frame.conversation_id)

        async def following() -> None:
            current = await self._conversation(frame.conversation_id)
            await self.reply(
                {"type": "following", "conversation": conversation_view(current)}, frame.ref
            )

        await self.feeds.follow(conversation["id"], frame.after_sequence, after_replay=following)

    async def on_unfollow(self, frame: UnfollowFrame) -> None:
        await self.feeds.unfollow(frame.conversation_id)
        await self.reply(
            {"type": "unfollowed", "conversation_id": frame.conversation_id}, frame.ref
        )

    async def on_message(self, frame: MessageFrame) -> None:
        conversation = await self._conversation(frame.conversation_id)
        require_allowed(conversation, self.actor, AgentAction.REPLY)
        if not self.feeds.following(conversation["id"]):
            await self.feeds.follow(conversation["id"], conversation["last_sequence"])
        acked = False

        async def ack(view: dict[str, Any]) -> None:
            nonlocal acked
            acked = True
            self.feeds.mark_sent(view["conversation_id"], view["sequence"])
            await self.reply(ack_frame(view), frame.ref)

        view, _ = await message_service.post_message(
            self.server,
            conversation,
            sender_kind=SenderKind.AGENT,
            sender_id=self.user_id,
            client_id=frame.client_id,
            text=frame.text,
            on_stored=ack,
        )
        if not acked:  # a resend
            await ack(view)

    async def on_typing(self, frame: TypingFrame) -> None:
        conversation = await self._conversation(frame.conversation_id)
        await message_service.send_typing(
            self.server,
            conversation,
            sender_kind=SenderKind.AGENT,
            sender_id=self.user_id,
            typing=frame.typing,
        )

    async def on_read(self, frame: ReadFrame) -> None:
        conversation = await self._conversation(frame.conversation_id)
        await message_service.mark_read(
            self.server, conversation, reader=SenderKind.AGENT, up_to_sequence=frame.up_to_sequence
        )


async def _agent(websocket: WebSocket) -> Principal:
    """Who opens the socket: a single-use ``ticket`` (what the inbox does: browsers cannot
    set headers on a WebSocket, and a session token in a URL ends up in logs), a bearer
    header (other clients), or the session cookie. ``Origin``, when a browser sends one, must
    be the server's own (or a listed CORS origin); with the cookie it must be the server's."""
    server = server_of(websocket)
    origin = websocket.headers.get("origin")
    header = websocket.headers.get("authorization", "")
    ticket = websocket.query_params.get("ticket")
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if origin is not None or (cookie and ticket is None and not header):
        listed = ticket is not None or bool(header)
        problem = origin_problem(server.settings, origin, listed=listed)
        if problem:
            raise Forbidden(problem, code="cross_origin")
    if ticket is not None:
        principal = await agent_by_ticket(server, ticket)
    elif header.lower().startswith("bearer "):
        principal = await authenticate(server, header[7:].strip() or None)
    else:
        principal = await authenticate(server, cookie)
    return require_user(principal, "inbox")


async def agent_socket(websocket: WebSocket) -> None:
    try:
        principal = await _agent(websocket)
    except ServiceError as error:
        refused = ORIGIN_REFUSED if error.code == "cross_origin" else AUTH_FAILED
        await refuse(websocket, error.message, code=refused)
        return
    await websocket.accept()
    session = AgentSession(websocket, principal)
    pump: asyncio.Task[None] | None = None
    channels = (inbox_channel(session.account_id), agent_channel(session.user_id))
    try:
        async with session.server.broadcast.subscribe(*channels) as events:
            held = await session.held_conversations()
            await session.send(
                {"type": "ready", "user_id": session.user_id, "account_id": session.account_id}
            )
            for conversation in held:  # live from now: the inbox loads history over REST
                await session.feeds.follow(conversation["id"], conversation["last_sequence"])
            pump = asyncio.create_task(session.pump_inbox(events))
            await session.receive_loop()
    except ClientGone:  # the client went away while starting; nothing to tell it
        pass
    finally:  # no awaiting here: this clean-up may run while the handler is cancelled
        if pump is not None:
            pump.cancel()
        session.feeds.close()
