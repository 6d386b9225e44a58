"""Tickets (CV3) under ``/api/v1``: made from helpdesk chats with the chatflow's default
properties (OP2); listed, read and changed by users and API keys.

``PATCH`` sets ``subject`` and merges ``properties`` key by key (JSON Merge Patch: ``null``
removes a property). The subject is also the ``subject`` property, as at creation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..services.views import iso
from ..state import server_of
from ..store import tickets as store
from .auth import require_user_or_api_key
from .body import query_int, read_model
from .errors import NotFound
from .openapi import integer, operation, text
from .partial import Patch, merge_patch
from .schemas import Output

__all__ = ["routes"]

_TAGS = ("tickets",)
MAX_PROPERTY_VALUE = 500


class TicketOut(Output):
    id: str
    conversation_id: str | None
    subject: str
    properties: dict[str, Any]
    created_at: str


class TicketPatch(Patch):
    subject: str | None = Field(None, min_length=1, max_length=300)
    properties: dict[str, str | None] | None = Field(None, max_length=50)

    @field_validator("properties")
    @classmethod
    def _properties(cls, value: dict[str, str | None] | None) -> dict[str, str | None] | None:
        for name, item in (value or {}).items():
            if not name.strip() or len(name) > 64:
                raise ValueError("property names are 1 to 64 characters")
            if name == "subject":
                raise ValueError("set the subject with the subject field")
            if item is not None and len(item) > MAX_PROPERTY_VALUE:
                raise ValueError(f"property {name!r} is longer than {MAX_PROPERTY_VALUE}")
        return value


def _out(ticket: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": ticket["id"],
        "conversation_id": ticket["conversation_id"],
        "subject": ticket["subject"],
        "properties": dict(ticket["properties"]),
        "created_at": iso(ticket["created_at"]),
    }


@operation(
    "List tickets",
    tags=_TAGS,
    response=TicketOut,
    response_list=True,
    auth="user_or_api_key",
    query=(
        text("conversation_id", "only the ticket of this conversation"),
        integer("limit", 1, 200, 50),
        integer("offset", 0, 1_000_000, 0),
    ),
    errors=(401, 403, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    limit = query_int(request, "limit", 50, low=1, high=200)
    offset = query_int(request, "offset", 0, low=0, high=1_000_000)
    async with server_of(request).engine.connect() as db:
        rows = await store.list_tickets(
            db,
            principal.account_id,
            conversation_id=request.query_params.get("conversation_id"),
            limit=limit,
            offset=offset,
        )
    return JSONResponse([_out(row) for row in rows])


async def _ticket(request: Request, account_id: str) -> dict[str, Any]:
    async with server_of(request).engine.connect() as db:
        ticket = await store.get_ticket(db, account_id, str(request.path_params["ticket_id"]))
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


@operation(
    "Read a ticket", tags=_TAGS, response=TicketOut, auth="user_or_api_key", errors=(401, 403, 404)
)
async def read(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    return JSONResponse(_out(await _ticket(request, principal.account_id)))


@operation(
    "Change a ticket's subject and properties",
    tags=_TAGS,
    request=TicketPatch,
    response=TicketOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 422),
)
async def patch(request: Request) -> Response:
    principal = await require_user_or_api_key(request, "inbox")
    body = await read_model(request, TicketPatch)
    ticket = await _ticket(request, principal.account_id)
    changes = body.changes()
    values: dict[str, Any] = {}
    properties = dict(ticket["properties"])
    if "properties" in changes:
        properties = merge_patch(properties, changes["properties"])
        values["properties"] = properties
    if "subject" in changes:
        values["subject"] = changes["subject"]
        values["properties"] = {**properties, "subject": changes["subject"]}
    async with server_of(request).engine.begin() as db:
        await store.update_ticket(db, principal.account_id, ticket["id"], values)
    return JSONResponse(_out({**ticket, **values}))


def routes() -> list[BaseRoute]:
    return [
        Route("/tickets", list_all, methods=["GET"]),
        Route("/tickets/{ticket_id}", read, methods=["GET"]),
        Route("/tickets/{ticket_id}", patch, methods=["PATCH"]),
    ]
