"""The visitor's WebSocket: ``/ws/visitor?account_id=…&ticket=…`` (CV1); the ticket, good
for one connection within a minute, comes from ``POST /widget/v1/{account_id}/socket-ticket``
with the visitor token (which itself never goes into a URL).

Frames from the visitor (every one may carry ``ref``, echoed in the reply or error):

- ``start`` ``{chatflow_id, page_url?, properties?, consent?, message?: {client_id, text}}``
  → ``started`` ``{conversation}`` (then ``ack`` for the first message);
- ``message`` ``{conversation_id, client_id, text}`` → ``ack`` ``{client_id, sequence,
  message}`` once stored (a resend is acknowledged with the original);
- ``resume`` ``{conversation_id, after_sequence}`` → every stored message after it as
  ``message`` frames, then ``resumed`` ``{conversation}``, then live events — nothing lost
  or doubled;
- ``typing`` ``{conversation_id, typing}``, ``read`` ``{conversation_id, up_to_sequence}``;
- ``email`` ``{conversation_id, email}`` → ``email_saved``; ``consent`` ``{conversation_id,
  data_processing?, cookies?, communication?}`` → ``consent_saved`` ``{consent, send}``
  (``send``: may the visitor write now, and why not); ``csat``
  ``{conversation_id, rating, comment?}`` → ``csat_saved``; ``close`` ``{conversation_id}``.

From the server, besides the replies: ``message``, ``typing`` (the agent's), ``read``,
``assigned`` ``{agent}`` (as shown, BD4), ``closed`` ``{survey}``, ``reopened``, ``error``.
A visitor only ever reaches its own conversations: another id is a ``not_found`` error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import anyio
from pydantic import Field, StrictBool, StrictInt
from starlette.websockets import WebSocket

from ..domain.consent import ConsentGiven
from ..domain.conversation import SenderKind
from ..secrets import new_id
from ..services import conversations as service
from ..services import limits, visitor_answers
from ..services import messages as message_service
from ..services.auth import VisitorIdentity, visitor_by_ticket
from ..services.errors import ServiceError, TooManyRequests, ValidationFailed
from ..services.events import ack_frame, for_visitor
from ..services.inputs import ConsentAnswersIn, CsatIn, EmailIn, MessageIn, StartIn
from ..services.messages import NewMessage
from ..services.visitor_presence import visitor_connected, visitor_disconnected
from ..state import server_of
from .feeds import ConversationFeeds
from .socket import RATE_LIMITED, ClientGone, FrameIn, SocketSession, refuse

__all__ = ["visitor_socket"]

ConversationId = Annotated[str, Field(min_length=1, max_length=40)]


class StartFrame(FrameIn, StartIn):
    pass


class MessageFrame(FrameIn, MessageIn):
    conversation_id: ConversationId


class ResumeFrame(FrameIn):
    conversation_id: ConversationId
    after_sequence: StrictInt = Field(default=0, ge=0)


class TypingFrame(FrameIn):
    conversation_id: ConversationId
    typing: StrictBool = True


class ReadFrame(FrameIn):
    conversation_id: ConversationId
    up_to_sequence: StrictInt = Field(ge=0)


class EmailFrame(FrameIn, EmailIn):
    conversation_id: ConversationId


class ConsentFrame(FrameIn, ConsentAnswersIn):
    conversation_id: ConversationId


class CsatFrame(FrameIn, CsatIn):
    conversation_id: ConversationId


class CloseFrame(FrameIn):
    conversation_id: ConversationId


class VisitorSession(SocketSession):
    kind = "visitor"

    def __init__(self, websocket: WebSocket, visitor: VisitorIdentity) -> None:
        super().__init__(websocket)
        self.visitor = visitor
        self.feeds = ConversationFeeds(self.server.broadcast, self._deliver, self._replay)
        self.known: dict[str, dict[str, Any]] = {}  # conversations written to, by id
        self.handlers = {
            "start": (StartFrame, self.on_start),
            "message": (MessageFrame, self.on_message),
            "resume": (ResumeFrame, self.on_resume),
            "typing": (TypingFrame, self.on_typing),
            "read": (ReadFrame, self.on_read),
            "email": (EmailFrame, self.on_email),
            "consent": (ConsentFrame, self.on_consent),
            "csat": (CsatFrame, self.on_csat),
            "close": (CloseFrame, self.on_close),
        }

    async def _deliver(self, event: dict[str, Any]) -> None:
        if event.get("type") == "typing" and event.get("sender_kind") == "visitor":
            return  # the visitor's own typing
        await self.send(for_visitor(event))

    async def _replay(self, conversation_id: str, after: int) -> Sequence[dict[str, Any]]:
        conversation = await self._own(conversation_id)
        return await message_service.list_messages(
            self.server, conversation, after=after, limit=None
        )

    async def _own(self, conversation_id: str) -> dict[str, Any]:
        return await service.visitor_conversation(
            self.server, self.visitor.account_id, self.visitor.visitor_id, conversation_id
        )

    async def _view(self, conversation: dict[str, Any]) -> dict[str, Any]:
        [view] = await service.visitor_views(self.server, self.visitor.account_id, [conversation])
        return view

    async def _ack(self, view: dict[str, Any], ref: str | None) -> None:
        self.feeds.mark_sent(view["conversation_id"], view["sequence"])
        await self.reply(for_visitor(ack_frame(view)), ref)

    async def on_start(self, frame: StartFrame) -> None:
        conversation_id = new_id("cnv")
        consent = frame.consent
        given = ConsentGiven(
            cookies=consent.cookies if consent else None,
            data_processing=bool(consent and consent.data_processing),
            communication=bool(consent and consent.communication),
        )
        first = NewMessage(frame.message.client_id, frame.message.text) if frame.message else None
        made: list[str] = []

        async def begin() -> None:
            started = await service.start_conversation(
                self.server,
                self.visitor.account_id,
                self.visitor.visitor_id,
                chatflow_id=frame.chatflow_id,
                page_url=frame.page_url,
                properties=frame.properties,
                consent=given,
                first_message=first,
                conversation_id=conversation_id,
                still_wanted=lambda: not self.gone,
            )
            made.append(started.conversation["id"])
            self.known[started.conversation["id"]] = started.conversation
            view = await self._view(started.conversation)
            await self.reply({"type": "started", "conversation": view}, frame.ref)
            if started.message is not None:
                await self._ack(started.message, frame.ref)

        async with self.watching_departure():  # a start waits its turn: see the client leave
            await self.feeds.follow(conversation_id, 0, before=begin)
        if made and made[0] != conversation_id:
            # A resent start: follow the conversation it made, from its beginning.
            await self.feeds.unfollow(conversation_id)
            await self.feeds.follow(made[0], 0)

    async def _ensure_following(self, conversation: dict[str, Any]) -> None:
        if not self.feeds.following(conversation["id"]):
            await self.feeds.follow(conversation["id"], conversation["last_sequence"])

    async def _messaging(self, conversation_id: str) -> dict[str, Any]:
        """The conversation a message goes to, read once while this socket follows it: its
        owner, account and chatflow never change, and what does (status, consent) is
        checked as the message is stored."""
        known = self.known.get(conversation_id)
        if known is None or not self.feeds.following(conversation_id):
            known = await self._own(conversation_id)
            await self._ensure_following(known)
            self.known[conversation_id] = known
        return known

    async def on_message(self, frame: MessageFrame) -> None:
        conversation = await self._messaging(frame.conversation_id)
        acked = False

        async def ack(view: dict[str, Any]) -> None:
            nonlocal acked
            acked = True
            await self._ack(view, frame.ref)

        view, _ = await message_service.post_message(
            self.server,
            conversation,
            sender_kind=SenderKind.VISITOR,
            sender_id=None,
            client_id=frame.client_id,
            text=frame.text,
            on_stored=ack,
            identified=self.visitor.identified,
        )
        if not acked:  # a resend: acknowledged with the stored message
            await self._ack(view, frame.ref)

    async def on_resume(self, frame: ResumeFrame) -> None:
        conversation = await self._own(frame.conversation_id)
        if frame.after_sequence > conversation["last_sequence"]:
            raise ValidationFailed(
                "after_sequence is beyond the last message",
                fields={
                    "after_sequence": f"the last message is number {conversation['last_sequence']}"
                },
            )

        async def resumed() -> None:
            current = await self._own(frame.conversation_id)
            await self.reply(
                {"type": "resumed", "conversation": await self._view(current)}, frame.ref
            )

        await self.feeds.follow(frame.conversation_id, frame.after_sequence, after_replay=resumed)
        self.known[frame.conversation_id] = conversation

    async def on_typing(self, frame: TypingFrame) -> None:
        conversation = await self._own(frame.conversation_id)
        await message_service.send_typing(
            self.server,
            conversation,
            sender_kind=SenderKind.VISITOR,
            sender_id=None,
            typing=frame.typing,
        )

    async def on_read(self, frame: ReadFrame) -> None:
        conversation = await self._own(frame.conversation_id)
        await message_service.mark_read(
            self.server,
            conversation,
            reader=SenderKind.VISITOR,
            up_to_sequence=frame.up_to_sequence,
        )

    async def on_email(self, frame: EmailFrame) -> None:
        conversation = await self._own(frame.conversation_id)
        result = await visitor_answers.capture_email(self.server, conversation, frame.email)
        await self.reply(
            {
                "type": "email_saved",
                "conversation_id": conversation["id"],
                "created": result["created"],
            },
            frame.ref,
        )

    async def on_consent(self, frame: ConsentFrame) -> None:
        conversation = await self._own(frame.conversation_id)
        given = await visitor_answers.give_consent(
            self.server,
            conversation,
            data_processing=frame.data_processing,
            cookies=frame.cookies,
            communication=frame.communication,
        )
        send = given.pop("send")
        await self.reply(
            {
                "type": "consent_saved",
                "conversation_id": conversation["id"],
                "consent": given,
                "send": send,
            },
            frame.ref,
        )

    async def on_csat(self, frame: CsatFrame) -> None:
        conversation = await self._own(frame.conversation_id)
        answer = await visitor_answers.answer_csat(
            self.server, conversation, frame.rating, frame.comment
        )
        await self.reply(
            {"type": "csat_saved", "conversation_id": conversation["id"], "answer": answer},
            frame.ref,
        )

    async def on_close(self, frame: CloseFrame) -> None:
        await self._ensure_following(await self._own(frame.conversation_id))
        await service.close(
            self.server,
            self.visitor.account_id,
            frame.conversation_id,
            visitor_id=self.visitor.visitor_id,
        )
        # the ``closed`` event reaches this socket through the conversation's channel


async def visitor_socket(websocket: WebSocket) -> None:
    account_id = websocket.query_params.get("account_id", "")
    ticket = websocket.query_params.get("ticket")
    server = server_of(websocket)
    client = websocket.client
    try:
        await limits.address_request(server, client.host if client else None)
        visitor = await visitor_by_ticket(server, account_id, ticket)
    except TooManyRequests as error:
        await refuse(websocket, error.message, code=RATE_LIMITED)
        return
    except ServiceError as error:
        await refuse(websocket, error.message)
        return
    await websocket.accept()
    session = VisitorSession(websocket, visitor)
    await visitor_connected(server, visitor.account_id, visitor.visitor_id)
    try:
        await session.send({"type": "ready", "visitor_id": visitor.visitor_id})
        await session.receive_loop()
    except ClientGone:
        pass
    finally:
        session.feeds.close()
        # RT5: a waiting chat whose visitor does not come back is abandoned (domain.intake).
        # Shielded: a server (or a test client) may cancel the handler as the client goes.
        with anyio.CancelScope(shield=True):
            await visitor_disconnected(server, visitor.account_id, visitor.visitor_id)
