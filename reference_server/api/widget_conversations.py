"""The visitor's conversations under ``/widget/v1/{account_id}`` (CV1, BD2, OP4, OP7).

Every call carries the visitor token (``X-Visitor-Token``, from the widget config). A visitor
reads and writes only its own conversations: any other id — another visitor's, another
account's, or none at all — is the same 404.

The same actions exist on the visitor WebSocket (``/ws/visitor``); these endpoints serve
clients without one and the history shown after a reload.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.consent import ConsentGiven
from ..domain.conversation import SenderKind
from ..services import conversations as service
from ..services import messages as message_service
from ..services import visitor_answers
from ..services.events import for_visitor, message_event
from ..services.messages import NewMessage
from ..state import server_of
from ..store.conversations import list_visitor_conversations
from ..store.socket_tickets import issue_ticket
from .body import query_int, read_model
from .conversation_schemas import (
    ConsentAnswersIn,
    ConsentGivenOut,
    CsatAnswerOut,
    CsatIn,
    EmailIn,
    EmailOut,
    MessageIn,
    MessageOut,
    ReadIn,
    ReadOut,
    StartIn,
    StartOut,
    VisitorConsentIn,
    VisitorConsentOut,
    VisitorConversationOut,
)
from .openapi import integer, operation
from .schemas import Output
from .visitor_auth import VisitorIdentity, require_visitor

__all__ = ["routes", "visitor_message"]

_TAGS = ("widget conversations",)


def visitor_message(view: dict[str, object]) -> dict[str, object]:
    """A message as its visitor may see it (BD4: the brand instead of the agent)."""
    frame = for_visitor(message_event(view))
    message: dict[str, object] = frame["message"]
    return message


async def _visitor(request: Request) -> VisitorIdentity:
    return await require_visitor(request, str(request.path_params["account_id"]))


async def _own(request: Request, visitor: VisitorIdentity) -> dict[str, object]:
    return await service.visitor_conversation(
        server_of(request),
        visitor.account_id,
        visitor.visitor_id,
        str(request.path_params["conversation_id"]),
    )


@operation(
    "Start a conversation (optionally with the first message)",
    tags=_TAGS,
    request=StartIn,
    response=StartOut,
    status=201,
    also=(200,),
    auth="visitor",
    errors=(400, 401, 409, 413, 422),
)
async def start(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, StartIn)
    consent = body.consent
    given = ConsentGiven(
        cookies=consent.cookies if consent else None,
        data_processing=bool(consent and consent.data_processing),
        communication=bool(consent and consent.communication),
    )
    first = NewMessage(body.message.client_id, body.message.text) if body.message else None
    server = server_of(request)
    started = await service.start_conversation(
        server,
        visitor.account_id,
        visitor.visitor_id,
        chatflow_id=body.chatflow_id,
        page_url=body.page_url,
        properties=body.properties,
        consent=given,
        first_message=first,
    )
    [view] = await service.visitor_views(server, visitor.account_id, [started.conversation])
    message = visitor_message(started.message) if started.message else None
    status = 201 if started.decision is not None else 200  # 200: a resent start
    return JSONResponse({"conversation": view, "message": message}, status_code=status)


@operation(
    "The visitor's own conversations, newest first (history across reloads)",
    tags=_TAGS,
    response=VisitorConversationOut,
    response_list=True,
    auth="visitor",
    query=(integer("limit", 1, 100, 20), integer("offset", 0, 1_000_000, 0)),
    errors=(401, 422),
)
async def list_own(request: Request) -> Response:
    visitor = await _visitor(request)
    limit = query_int(request, "limit", 20, low=1, high=100)
    offset = query_int(request, "offset", 0, low=0, high=1_000_000)
    server = server_of(request)
    async with server.engine.connect() as db:
        rows = await list_visitor_conversations(
            db, visitor.account_id, visitor.visitor_id, limit=limit, offset=offset
        )
    return JSONResponse(await service.visitor_views(server, visitor.account_id, rows))


@operation(
    "Read one of the visitor's conversations",
    tags=_TAGS,
    response=VisitorConversationOut,
    auth="visitor",
    errors=(401, 404),
)
async def read(request: Request) -> Response:
    visitor = await _visitor(request)
    conversation = await _own(request, visitor)
    [view] = await service.visitor_views(server_of(request), visitor.account_id, [conversation])
    return JSONResponse(view)


@operation(
    "Messages after a sequence number (what a reconnecting widget missed)",
    tags=_TAGS,
    response=MessageOut,
    response_list=True,
    auth="visitor",
    query=(
        integer("after", 0, 2**31 - 1, 0, "the sequence number to start after"),
        integer("limit", 1, 500, 200),
    ),
    errors=(401, 404, 422),
)
async def list_messages(request: Request) -> Response:
    visitor = await _visitor(request)
    after = query_int(request, "after", 0, low=0, high=2**31 - 1)
    limit = query_int(request, "limit", 200, low=1, high=500)
    conversation = await _own(request, visitor)
    rows = await message_service.list_messages(
        server_of(request), conversation, after=after, limit=limit
    )
    return JSONResponse([visitor_message(row) for row in rows])


@operation(
    "Send a message (stored before it is acknowledged; a resend returns the original)",
    tags=_TAGS,
    request=MessageIn,
    response=MessageOut,
    status=201,
    also=(200,),
    auth="visitor",
    errors=(400, 401, 404, 409, 413, 422),
)
async def post_message(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, MessageIn)
    conversation = await _own(request, visitor)
    view, created = await message_service.post_message(
        server_of(request),
        conversation,
        sender_kind=SenderKind.VISITOR,
        sender_id=None,
        client_id=body.client_id,
        text=body.text,
    )
    return JSONResponse(visitor_message(view), status_code=201 if created else 200)


@operation(
    "Leave an email address (BD2: links or creates the contact)",
    tags=_TAGS,
    request=EmailIn,
    response=EmailOut,
    auth="visitor",
    errors=(400, 401, 404, 409, 422),
)
async def email(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, EmailIn)
    conversation = await _own(request, visitor)
    result = await visitor_answers.capture_email(server_of(request), conversation, body.email)
    return JSONResponse({"email_known": True, "created": result["created"]})


@operation(
    "Give consent (OP4 data processing, OP3 cookies, OP5 communication)",
    tags=_TAGS,
    request=ConsentAnswersIn,
    response=ConsentGivenOut,
    auth="visitor",
    errors=(400, 401, 404, 422),
)
async def consent(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, ConsentAnswersIn)
    conversation = await _own(request, visitor)
    given = await visitor_answers.give_consent(
        server_of(request),
        conversation,
        data_processing=body.data_processing,
        cookies=body.cookies,
        communication=body.communication,
    )
    return JSONResponse(given)


@operation(
    "Give consent before any conversation (OP3-OP5): kept for the conversations to come",
    tags=_TAGS,
    request=VisitorConsentIn,
    response=VisitorConsentOut,
    auth="visitor",
    errors=(400, 401, 404, 422),
)
async def visitor_consent(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, VisitorConsentIn)
    answer = await visitor_answers.give_visitor_consent(
        server_of(request),
        visitor.account_id,
        visitor.visitor_id,
        body.chatflow_id,
        data_processing=body.data_processing,
        cookies=body.cookies,
        communication=body.communication,
    )
    return JSONResponse(answer)


@operation(
    "Answer the satisfaction survey after the chat closed (OP7)",
    tags=_TAGS,
    request=CsatIn,
    response=CsatAnswerOut,
    status=201,
    auth="visitor",
    errors=(400, 401, 404, 409, 422),
)
async def csat(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, CsatIn)
    conversation = await _own(request, visitor)
    answer = await visitor_answers.answer_csat(
        server_of(request), conversation, body.rating, body.comment
    )
    return JSONResponse(answer, status_code=201)


@operation(
    "Mark the agents' messages read up to a sequence number",
    tags=_TAGS,
    request=ReadIn,
    response=ReadOut,
    auth="visitor",
    errors=(400, 401, 404, 422),
)
async def mark_read(request: Request) -> Response:
    visitor = await _visitor(request)
    body = await read_model(request, ReadIn)
    conversation = await _own(request, visitor)
    marked = await message_service.mark_read(
        server_of(request),
        conversation,
        reader=SenderKind.VISITOR,
        up_to_sequence=body.up_to_sequence,
    )
    return JSONResponse({"up_to_sequence": body.up_to_sequence, "marked": marked})


@operation(
    "End the conversation",
    tags=_TAGS,
    response=VisitorConversationOut,
    auth="visitor",
    errors=(401, 404, 409),
)
async def close(request: Request) -> Response:
    visitor = await _visitor(request)
    server = server_of(request)
    conversation, _ = await service.close(
        server,
        visitor.account_id,
        str(request.path_params["conversation_id"]),
        visitor_id=visitor.visitor_id,
    )
    [view] = await service.visitor_views(server, visitor.account_id, [conversation])
    return JSONResponse(view)


class SocketTicketOut(Output):
    ticket: str
    expires_at: str


@operation(
    "A single-use ticket to open /ws/visitor (valid for a minute)",
    tags=_TAGS,
    response=SocketTicketOut,
    status=201,
    auth="visitor",
    errors=(401,),
)
async def socket_ticket(request: Request) -> Response:
    visitor = await _visitor(request)
    server = server_of(request)
    async with server.engine.begin() as db:
        ticket, expires_at = await issue_ticket(
            db, server.clock.now(), visitor_id=visitor.visitor_id
        )
    out = SocketTicketOut(ticket=ticket, expires_at=expires_at.isoformat())
    return JSONResponse(out.model_dump(), status_code=201)


def routes() -> list[BaseRoute]:
    base = "/{account_id}/conversations"
    one = base + "/{conversation_id}"
    return [
        Route("/{account_id}/socket-ticket", socket_ticket, methods=["POST"]),
        Route("/{account_id}/consent", visitor_consent, methods=["POST"]),
        Route(base, start, methods=["POST"]),
        Route(base, list_own, methods=["GET"]),
        Route(one, read, methods=["GET"]),
        Route(f"{one}/messages", list_messages, methods=["GET"]),
        Route(f"{one}/messages", post_message, methods=["POST"]),
        Route(f"{one}/email", email, methods=["POST"]),
        Route(f"{one}/consent", consent, methods=["POST"]),
        Route(f"{one}/csat", csat, methods=["POST"]),
        Route(f"{one}/read", mark_read, methods=["POST"]),
        Route(f"{one}/close", close, methods=["POST"]),
    ]
