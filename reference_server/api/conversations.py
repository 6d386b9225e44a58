"""The agents' inbox and the Conversations API (CV2, CV5, CV6, RT6) under ``/api/v1``.

Reading (views, a conversation with its visitor context, messages, transcript) is open to
logged-in users and to API keys (server-to-server, CV6); acting on a conversation (reply,
assign or claim, transfer, close, reopen, read receipts) needs a logged-in user.

Views (``?view=``): ``unassigned`` (waiting or left unassigned, longest-waiting first),
``mine`` (assigned to the caller), ``all`` (every open conversation), ``closed``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.conversation import SenderKind
from ..services import conversations as service
from ..services import messages as message_service
from ..services.transcripts import transcript
from ..services.views import conversation_view
from ..state import server_of
from .auth import require_user, require_user_or_api_key
from .body import query_int, read_model
from .conversation_schemas import (
    AssignIn,
    ConversationDetailOut,
    ConversationOut,
    MessageIn,
    MessageOut,
    ReadIn,
    ReadOut,
)
from .errors import ValidationFailed
from .openapi import operation
from .schemas import Output

__all__ = ["routes"]

_TAGS = ("conversations",)
_PAGE = (("limit", "1-200, default 50"), ("offset", "default 0"))


class TranscriptOut(Output):
    conversation_id: str
    lines: list[str]


def _id(request: Request) -> str:
    return str(request.path_params["conversation_id"])


@operation(
    "List conversations (CV2 inbox views)",
    tags=_TAGS,
    response=ConversationOut,
    response_list=True,
    auth="user_or_api_key",
    query=(("view", "unassigned | mine | all | closed (default all)"), *_PAGE),
    errors=(401, 403, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    limit = query_int(request, "limit", 50, low=1, high=200)
    offset = query_int(request, "offset", 0, low=0, high=1_000_000)
    view = request.query_params.get("view", "all")
    rows = await service.list_for_agent(
        server_of(request),
        principal.account_id,
        principal.user_id,
        view,
        limit=limit,
        offset=offset,
    )
    return JSONResponse(rows)


@operation(
    "Read a conversation with its visitor context",
    tags=_TAGS,
    response=ConversationDetailOut,
    auth="user_or_api_key",
    errors=(401, 403, 404),
)
async def read(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    detail = await service.conversation_detail(
        server_of(request), principal.account_id, _id(request)
    )
    return JSONResponse(detail)


@operation(
    "List a conversation's messages (after a sequence number)",
    tags=_TAGS,
    response=MessageOut,
    response_list=True,
    auth="user_or_api_key",
    query=(
        ("after", "sequence number; default 0 (from the start)"),
        ("limit", "1-500, default 200"),
    ),
    errors=(401, 403, 404, 422),
)
async def list_messages(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    after = query_int(request, "after", 0, low=0, high=2**31 - 1)
    limit = query_int(request, "limit", 200, low=1, high=500)
    server = server_of(request)
    conversation = await service.agent_conversation(server, principal.account_id, _id(request))
    rows = await message_service.list_messages(server, conversation, after=after, limit=limit)
    return JSONResponse(rows)


@operation(
    "Reply (stored before it is acknowledged; a resend returns the original)",
    tags=_TAGS,
    request=MessageIn,
    response=MessageOut,
    status=201,
    errors=(400, 401, 403, 404, 409, 413, 422),
)
async def post_message(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    body = await read_model(request, MessageIn)
    server = server_of(request)
    conversation = await service.agent_conversation(server, principal.account_id, _id(request))
    view, created = await message_service.post_message(
        server,
        conversation,
        sender_kind=SenderKind.AGENT,
        sender_id=principal.user_id,
        client_id=body.client_id,
        text=body.text,
    )
    return JSONResponse(view, status_code=201 if created else 200)


@operation(
    "Assign a conversation (to yourself: claim)",
    tags=_TAGS,
    request=AssignIn,
    response=ConversationOut,
    errors=(400, 401, 403, 404, 409, 422),
)
async def assign(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    body = await read_model(request, AssignIn)
    assert principal.user_id is not None
    conversation = await service.assign(
        server_of(request), principal.account_id, principal.user_id, _id(request), body.user_id
    )
    return JSONResponse(conversation_view(conversation))


@operation(
    "Transfer an assigned conversation to another user",
    tags=_TAGS,
    request=AssignIn,
    response=ConversationOut,
    errors=(400, 401, 403, 404, 409, 422),
)
async def transfer(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    body = await read_model(request, AssignIn)
    conversation = await service.transfer(
        server_of(request), principal.account_id, _id(request), body.user_id
    )
    return JSONResponse(conversation_view(conversation))


@operation(
    "Close a conversation", tags=_TAGS, response=ConversationOut, errors=(401, 403, 404, 409)
)
async def close(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    conversation, _ = await service.close(server_of(request), principal.account_id, _id(request))
    return JSONResponse(conversation_view(conversation))


@operation(
    "Reopen a closed conversation (it is routed again)",
    tags=_TAGS,
    response=ConversationOut,
    errors=(401, 403, 404, 409),
)
async def reopen(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    conversation = await service.reopen(server_of(request), principal.account_id, _id(request))
    return JSONResponse(conversation_view(conversation))


@operation(
    "Transcript (CV5; agents named as the visitor saw them, BD4)",
    tags=_TAGS,
    response=TranscriptOut,
    auth="user_or_api_key",
    query=(("format", "text (default) or json"),),
    errors=(401, 403, 404, 422),
)
async def read_transcript(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    wanted = request.query_params.get("format", "text")
    if wanted not in ("text", "json"):
        raise ValidationFailed("bad query parameter", fields={"format": "must be text or json"})
    server = server_of(request)
    conversation = await service.agent_conversation(server, principal.account_id, _id(request))
    lines = await transcript(server, conversation)
    if wanted == "json":
        out: dict[str, Any] = {"conversation_id": conversation["id"], "lines": lines}
        return JSONResponse(out)
    return PlainTextResponse("".join(f"{line}\n" for line in lines))


@operation(
    "Mark the visitor's messages read up to a sequence number",
    tags=_TAGS,
    request=ReadIn,
    response=ReadOut,
    errors=(400, 401, 403, 404, 422),
)
async def mark_read(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    body = await read_model(request, ReadIn)
    server = server_of(request)
    conversation = await service.agent_conversation(server, principal.account_id, _id(request))
    marked = await message_service.mark_read(
        server, conversation, reader=SenderKind.AGENT, up_to_sequence=body.up_to_sequence
    )
    return JSONResponse({"up_to_sequence": body.up_to_sequence, "marked": marked})


def routes() -> list[BaseRoute]:
    base = "/conversations/{conversation_id}"
    return [
        Route("/conversations", list_all, methods=["GET"]),
        Route(base, read, methods=["GET"]),
        Route(f"{base}/messages", list_messages, methods=["GET"]),
        Route(f"{base}/messages", post_message, methods=["POST"]),
        Route(f"{base}/assign", assign, methods=["POST"]),
        Route(f"{base}/transfer", transfer, methods=["POST"]),
        Route(f"{base}/close", close, methods=["POST"]),
        Route(f"{base}/reopen", reopen, methods=["POST"]),
        Route(f"{base}/transcript", read_transcript, methods=["GET"]),
        Route(f"{base}/read", mark_read, methods=["POST"]),
    ]
