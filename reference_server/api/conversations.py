"""The agents' inbox and the Conversations API (CV2, CV5, CV6, RT6) under ``/api/v1``.

Reading (views, a conversation with its visitor context, messages, transcript) is open to
logged-in users and to API keys (server-to-server, CV6); acting on a conversation (reply,
assign or claim, transfer, close, reopen, read receipts) needs a logged-in user.

Views (``?view=``): ``unassigned`` (waiting or left unassigned, longest-waiting first),
``mine`` (assigned to the caller), ``all`` (every open conversation), ``closed``; each row
has the caller's allowed ``actions``, the visitor's unread messages and a preview of the
last message. ``/conversations/counts`` tells how many each view holds.

What an agent may do is the domain's decision (:mod:`reference_server.domain.inbox`): the
same function fills ``actions`` and refuses the rest (403 on a colleague's conversation for
someone who does not supervise; 409 for the conversation's status). Internal notes
(``/notes``) are for agents only.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.conversation import SenderKind
from ..domain.inbox import AgentAction
from ..services import conversations as service
from ..services import inbox as inbox_service
from ..services import messages as message_service
from ..services import notes as note_service
from ..services.inbox import Actor, require_allowed, with_actions
from ..services.transcripts import transcript
from ..state import server_of
from .auth import Principal, require_user, require_user_or_api_key
from .body import page_of, page_query, query_int, read_model
from .conversation_schemas import (
    AssignIn,
    ConversationDetailOut,
    ConversationOut,
    ConversationRowOut,
    MessageIn,
    MessageOut,
    NoteIn,
    NoteOut,
    ReadIn,
    ReadOut,
    TransferIn,
    ViewCountsOut,
)
from .errors import ValidationFailed
from .openapi import choice, integer, operation
from .schemas import Output

__all__ = ["routes"]

_TAGS = ("conversations",)
_PAGE = (integer("limit", 1, 200, 50), integer("offset", 0, 1_000_000, 0))


class TranscriptOut(Output):
    conversation_id: str
    lines: list[str]


def _id(request: Request) -> str:
    return str(request.path_params["conversation_id"])


def actor_of(principal: Principal) -> Actor | None:
    """The agent behind a request (None for an API key, which reads but never acts)."""
    if principal.user_id is None:
        return None
    return Actor.of(principal.user_id, principal.role, principal.permissions)


def _actor(principal: Principal) -> Actor:
    actor = actor_of(principal)
    assert actor is not None  # require_user() let only users through
    return actor


@operation(
    "List conversations (CV2 inbox views)",
    tags=_TAGS,
    response=ConversationRowOut,
    response_list=True,
    auth="user_or_api_key",
    query=(
        choice("view", ("unassigned", "mine", "all", "closed"), "all"),
        choice(
            "sort",
            ("newest", "waiting"),
            None,
            "newest | waiting (longest waiting first; the default of unassigned)",
        ),
        *_PAGE,
    ),
    errors=(401, 403, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    limit = query_int(request, "limit", 50, low=1, high=200)
    offset = query_int(request, "offset", 0, low=0, high=1_000_000)
    rows = await inbox_service.inbox_list(
        server_of(request),
        principal.account_id,
        actor_of(principal),
        request.query_params.get("view", "all"),
        sort=request.query_params.get("sort"),
        limit=limit,
        offset=offset,
    )
    return JSONResponse(rows)


@operation(
    "How many conversations each inbox view holds",
    tags=_TAGS,
    response=ViewCountsOut,
    auth="user_or_api_key",
    errors=(401, 403),
)
async def counts(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    found = await inbox_service.view_counts(
        server_of(request), principal.account_id, actor_of(principal)
    )
    return JSONResponse(found)


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
        server_of(request), principal.account_id, _id(request), actor_of(principal)
    )
    return JSONResponse(detail)


@operation(
    "List a conversation's messages (after a sequence number)",
    tags=_TAGS,
    response=MessageOut,
    response_list=True,
    auth="user_or_api_key",
    query=(
        integer("after", 0, 2**31 - 1, 0, "the sequence number to start after"),
        integer("limit", 1, 500, 200),
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
    also=(200,),
    errors=(400, 401, 403, 404, 409, 413, 422),
)
async def post_message(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    body = await read_model(request, MessageIn)
    server = server_of(request)
    conversation = await service.agent_conversation(server, principal.account_id, _id(request))
    require_allowed(conversation, _actor(principal), AgentAction.REPLY)
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
    actor = _actor(principal)
    conversation = await service.assign(
        server_of(request), principal.account_id, actor, _id(request), body.user_id
    )
    return JSONResponse(with_actions(conversation, actor))


@operation(
    "Transfer an assigned conversation to another user, or to a team (RT6)",
    tags=_TAGS,
    request=TransferIn,
    response=ConversationOut,
    errors=(400, 401, 403, 404, 409, 422),
)
async def transfer(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    body = await read_model(request, TransferIn)
    actor = _actor(principal)
    conversation = await service.transfer(
        server_of(request),
        principal.account_id,
        actor,
        _id(request),
        user_id=body.user_id,
        team_id=body.team_id,
    )
    return JSONResponse(with_actions(conversation, actor))


@operation(
    "Close a conversation", tags=_TAGS, response=ConversationOut, errors=(401, 403, 404, 409)
)
async def close(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    actor = _actor(principal)
    conversation, _ = await service.close(
        server_of(request), principal.account_id, _id(request), actor=actor
    )
    return JSONResponse(with_actions(conversation, actor))


@operation(
    "Reopen a closed conversation (it is routed again)",
    tags=_TAGS,
    response=ConversationOut,
    errors=(401, 403, 404, 409),
)
async def reopen(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    conversation = await service.reopen(server_of(request), principal.account_id, _id(request))
    return JSONResponse(with_actions(conversation, _actor(principal)))


@operation(
    "Transcript (CV5; agents named as the visitor saw them, BD4)",
    tags=_TAGS,
    response=TranscriptOut,
    auth="user_or_api_key",
    query=(choice("format", ("text", "json"), "text"),),
    text_response=True,
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


@operation(
    "List a conversation's internal notes (agents only)",
    method="GET",
    tags=_TAGS,
    response=NoteOut,
    response_list=True,
    auth="user_or_api_key",
    query=page_query(default_limit=200),
    errors=(401, 403, 404, 422),
)
@operation(
    "Add an internal note (never shown to the visitor)",
    method="POST",
    tags=_TAGS,
    request=NoteIn,
    response=NoteOut,
    status=201,
    errors=(400, 401, 403, 404, 413, 422),
)
async def notes(request: Request) -> Response:
    server = server_of(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request, "inbox")
        limit, offset = page_of(request, default_limit=200)
        conversation = await service.agent_conversation(server, principal.account_id, _id(request))
        found = await note_service.list_notes(server, conversation, limit=limit, offset=offset)
        return JSONResponse(found)
    principal = await require_user(request, "inbox")
    body = await read_model(request, NoteIn)
    conversation = await service.agent_conversation(server, principal.account_id, _id(request))
    note = await note_service.add_note(server, conversation, _actor(principal), body.text)
    return JSONResponse(note, status_code=201)


def routes() -> list[BaseRoute]:
    base = "/conversations/{conversation_id}"
    return [
        Route("/conversations", list_all, methods=["GET"]),
        Route("/conversations/counts", counts, methods=["GET"]),
        Route(base, read, methods=["GET"]),
        Route(f"{base}/messages", list_messages, methods=["GET"]),
        Route(f"{base}/messages", post_message, methods=["POST"]),
        Route(f"{base}/assign", assign, methods=["POST"]),
        Route(f"{base}/transfer", transfer, methods=["POST"]),
        Route(f"{base}/close", close, methods=["POST"]),
        Route(f"{base}/reopen", reopen, methods=["POST"]),
        Route(f"{base}/transcript", read_transcript, methods=["GET"]),
        Route(f"{base}/read", mark_read, methods=["POST"]),
        Route(f"{base}/notes", notes, methods=["GET", "POST"]),
    ]
