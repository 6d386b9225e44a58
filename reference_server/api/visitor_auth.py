"""Who the visitor is: the visitor token from the ``X-Visitor-Token`` header (or the
``visitor_token`` query parameter on a WebSocket, where browsers cannot set headers).

A visitor reads and writes only its own conversations, whatever ids it sends: every
visitor-facing query filters by the ``visitor_id`` returned here.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from ..state import server_of
from ..store.visitors import find_visitor
from .errors import Unauthorized

__all__ = ["VISITOR_HEADER", "VisitorIdentity", "presented_visitor_token", "require_visitor"]

VISITOR_HEADER = "x-visitor-token"


@dataclass(frozen=True)
class VisitorIdentity:
    visitor_id: str
    account_id: str
    contact_id: str | None
    identified: bool


def presented_visitor_token(connection: HTTPConnection) -> str | None:
    return connection.headers.get(VISITOR_HEADER) or connection.query_params.get("visitor_token")


async def require_visitor(connection: HTTPConnection, account_id: str) -> VisitorIdentity:
    token = presented_visitor_token(connection)
    if not token:
        raise Unauthorized("send the visitor token (X-Visitor-Token) from the widget config")
    async with server_of(connection).engine.connect() as db:
        visitor = await find_visitor(db, account_id, token)
    if visitor is None:
        raise Unauthorized("unknown visitor token for this account")
    return VisitorIdentity(visitor["id"], account_id, visitor["contact_id"], visitor["identified"])
