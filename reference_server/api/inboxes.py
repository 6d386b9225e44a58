"""Inboxes and helpdesks: the workspaces chatflows send conversations to (CF1).

Any user of the account reads them; the ``users`` permission creates, changes and deletes
them. While a chatflow uses a workspace it cannot be deleted, change its kind or lose its
chat channel (409 naming the chatflows): a chatflow's workspace must stay a chat workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.chatflow import WorkspaceKind
from ..state import server_of
from ..store.inboxes import create_inbox, delete_inbox, get_inbox, list_inboxes, update_inbox
from ..store.references import chatflows_using_workspace
from .auth import require_user
from .body import PAGE_QUERY, page_of, read_model
from .errors import Conflict, NotFound
from .openapi import operation
from .partial import Patch
from .schemas import Input, Output

__all__ = ["routes"]


class InboxIn(Input):
    kind: WorkspaceKind = WorkspaceKind.INBOX
    name: str = Field(min_length=1, max_length=200)
    chat_channel: bool = Field(True, description="a chat channel is connected (CF1)")


class InboxPatch(Patch):
    kind: WorkspaceKind | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    chat_channel: bool | None = None


class InboxOut(Output):
    id: str
    kind: WorkspaceKind
    name: str
    chat_channel: bool
    created_at: str


def _out(inbox: Mapping[str, Any]) -> dict[str, Any]:
    return InboxOut.model_validate(
        {**inbox, "created_at": inbox["created_at"].isoformat()}
    ).model_dump(mode="json")


def _in_use(names: list[str], what: str) -> Conflict:
    listed = ", ".join(repr(name) for name in names)
    return Conflict(
        f"chatflow(s) {listed} use this workspace: {what}", fields={"chatflows": listed}
    )


@operation(
    "List inboxes and helpdesks",
    tags=("inboxes",),
    response=InboxOut,
    response_list=True,
    query=PAGE_QUERY,
    errors=(401, 403, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user(request)
    limit, offset = page_of(request)
    async with server_of(request).engine.connect() as db:
        inboxes = await list_inboxes(db, principal.account_id, limit=limit, offset=offset)
    return JSONResponse([_out(inbox) for inbox in inboxes])


@operation(
    "Create an inbox or helpdesk",
    tags=("inboxes",),
    request=InboxIn,
    response=InboxOut,
    status=201,
    errors=(400, 401, 403, 422),
)
async def create(request: Request) -> Response:
    principal = await require_user(request, "users")
    body = await read_model(request, InboxIn)
    server = server_of(request)
    async with server.engine.begin() as db:
        inbox = await create_inbox(
            db,
            principal.account_id,
            server.clock.now(),
            kind=body.kind.value,
            name=body.name,
            chat_channel=body.chat_channel,
        )
    return JSONResponse(_out(inbox), status_code=201)


@operation(
    "Read an inbox or helpdesk", tags=("inboxes",), response=InboxOut, errors=(401, 403, 404)
)
async def read(request: Request) -> Response:
    principal = await require_user(request)
    async with server_of(request).engine.connect() as db:
        inbox = await get_inbox(db, principal.account_id, request.path_params["inbox_id"])
    if inbox is None:
        raise NotFound("no such inbox or helpdesk")
    return JSONResponse(_out(inbox))


@operation(
    "Change an inbox or helpdesk",
    tags=("inboxes",),
    request=InboxPatch,
    response=InboxOut,
    errors=(400, 401, 403, 404, 409, 422),
)
async def patch(request: Request) -> Response:
    principal = await require_user(request, "users")
    changes = (await read_model(request, InboxPatch)).changes()
    if "kind" in changes:
        changes["kind"] = changes["kind"].value
    inbox_id = request.path_params["inbox_id"]
    async with server_of(request).engine.begin() as db:
        inbox = await get_inbox(db, principal.account_id, inbox_id)
        if inbox is None:
            raise NotFound("no such inbox or helpdesk")
        kind_changes = changes.get("kind", inbox["kind"]) != inbox["kind"]
        loses_chat = inbox["chat_channel"] and changes.get("chat_channel") is False
        if kind_changes or loses_chat:
            users = await chatflows_using_workspace(db, principal.account_id, inbox_id)
            if users:
                what = "its kind cannot change" if kind_changes else "it needs its chat channel"
                raise _in_use(users, what)
        await update_inbox(db, principal.account_id, inbox_id, changes)
        inbox = await get_inbox(db, principal.account_id, inbox_id)
    assert inbox is not None
    return JSONResponse(_out(inbox))


@operation(
    "Delete an inbox or helpdesk", tags=("inboxes",), status=204, errors=(401, 403, 404, 409)
)
async def delete(request: Request) -> Response:
    principal = await require_user(request, "users")
    inbox_id = request.path_params["inbox_id"]
    async with server_of(request).engine.begin() as db:
        if await get_inbox(db, principal.account_id, inbox_id) is None:
            raise NotFound("no such inbox or helpdesk")
        users = await chatflows_using_workspace(db, principal.account_id, inbox_id)
        if users:
            raise _in_use(users, "move them to another workspace first")
        await delete_inbox(db, principal.account_id, inbox_id)
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/inboxes", list_all, methods=["GET"]),
        Route("/inboxes", create, methods=["POST"]),
        Route("/inboxes/{inbox_id}", read, methods=["GET"]),
        Route("/inboxes/{inbox_id}", patch, methods=["PATCH"]),
        Route("/inboxes/{inbox_id}", delete, methods=["DELETE"]),
    ]
