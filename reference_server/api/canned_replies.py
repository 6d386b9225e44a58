"""Canned replies (CV2): the account's saved answers, which agents insert in the inbox by
typing their shortcut (``/shipping``) in the reply box.

Every user of the account (and an API key) reads them; creating, changing and deleting
needs the ``users`` permission (they speak for the whole team). A shortcut is one word of
letters, digits, ``-`` or ``_``, unique in the account (409 when taken).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..state import server_of
from ..store import canned_replies as store
from .auth import require_user_or_api_key
from .body import PAGE_QUERY, page_of, read_model
from .errors import Conflict, NotFound
from .openapi import operation
from .partial import Patch
from .schemas import Input, Output

__all__ = ["routes"]

PERMISSION = "users"


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Shortcut = Annotated[
    str,
    BeforeValidator(_lower),
    StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$"),
]
ReplyText = Annotated[str, Field(min_length=1, max_length=5000)]
Title = Annotated[str, Field(min_length=1, max_length=200)]


class CannedReplyIn(Input):
    shortcut: Shortcut = Field(description="typed after / in the reply box, e.g. shipping")
    title: Title
    text: ReplyText


class CannedReplyPatch(Patch):
    shortcut: Shortcut | None = None
    title: Title | None = None
    text: ReplyText | None = None


class CannedReplyOut(Output):
    id: str
    shortcut: str
    title: str
    text: str
    created_at: str
    updated_at: str


def _out(reply: Mapping[str, Any]) -> dict[str, Any]:
    return CannedReplyOut.model_validate(
        {
            **reply,
            "created_at": reply["created_at"].isoformat(),
            "updated_at": reply["updated_at"].isoformat(),
        }
    ).model_dump()


def _taken() -> Conflict:
    return Conflict(
        "another canned reply has this shortcut", fields={"shortcut": "is in use already"}
    )


@operation(
    "List canned replies",
    method="GET",
    tags=("canned replies",),
    response=CannedReplyOut,
    response_list=True,
    auth="user_or_api_key",
    query=PAGE_QUERY,
    errors=(401, 422),
)
@operation(
    "Create a canned reply",
    method="POST",
    tags=("canned replies",),
    request=CannedReplyIn,
    response=CannedReplyOut,
    status=201,
    auth="user_or_api_key",
    errors=(400, 401, 403, 409, 413, 422),
)
async def canned_replies(request: Request) -> Response:
    server = server_of(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        limit, offset = page_of(request)
        async with server.engine.connect() as db:
            found = await store.list_canned_replies(
                db, principal.account_id, limit=limit, offset=offset
            )
        return JSONResponse([_out(reply) for reply in found])
    principal = await require_user_or_api_key(request, PERMISSION)
    body = await read_model(request, CannedReplyIn)
    try:
        async with server.engine.begin() as db:
            if await store.shortcut_in_use(db, principal.account_id, body.shortcut):
                raise _taken()
            reply = await store.create_canned_reply(
                db,
                principal.account_id,
                server.clock.now(),
                shortcut=body.shortcut,
                title=body.title,
                text=body.text,
            )
    except IntegrityError:  # the same shortcut saved at the same moment by someone else
        raise _taken() from None
    return JSONResponse(_out(reply), status_code=201)


@operation(
    "Read a canned reply",
    method="GET",
    tags=("canned replies",),
    response=CannedReplyOut,
    auth="user_or_api_key",
    errors=(401, 404),
)
@operation(
    "Change a canned reply",
    method="PATCH",
    tags=("canned replies",),
    request=CannedReplyPatch,
    response=CannedReplyOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 409, 413, 422),
)
@operation(
    "Delete a canned reply",
    method="DELETE",
    tags=("canned replies",),
    status=204,
    auth="user_or_api_key",
    errors=(401, 403, 404),
)
async def canned_reply(request: Request) -> Response:
    server = server_of(request)
    reply_id = str(request.path_params["reply_id"])
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        async with server.engine.connect() as db:
            found = await store.get_canned_reply(db, principal.account_id, reply_id)
        if found is None:
            raise NotFound("no such canned reply")
        return JSONResponse(_out(found))
    principal = await require_user_or_api_key(request, PERMISSION)
    if request.method == "DELETE":
        async with server.engine.begin() as db:
            deleted = await store.delete_canned_reply(db, principal.account_id, reply_id)
        if not deleted:
            raise NotFound("no such canned reply")
        return Response(status_code=204)
    changes = (await read_model(request, CannedReplyPatch)).changes()
    try:
        async with server.engine.begin() as db:
            if await store.get_canned_reply(db, principal.account_id, reply_id) is None:
                raise NotFound("no such canned reply")
            shortcut = changes.get("shortcut")
            if shortcut is not None and await store.shortcut_in_use(
                db, principal.account_id, shortcut, other_than=reply_id
            ):
                raise _taken()
            updated = await store.update_canned_reply(
                db, principal.account_id, reply_id, server.clock.now(), changes
            )
    except IntegrityError:
        raise _taken() from None
    assert updated is not None
    return JSONResponse(_out(updated))


def routes() -> list[BaseRoute]:
    return [
        Route("/canned-replies", canned_replies, methods=["GET", "POST"]),
        Route("/canned-replies/{reply_id}", canned_reply, methods=["GET", "PATCH", "DELETE"]),
    ]
