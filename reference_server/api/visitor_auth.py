"""Who the visitor is: the visitor token from the ``X-Visitor-Token`` header, or — on the
WebSocket, where browsers cannot set headers — a single-use ticket (``?ticket=…``, from
``POST /widget/v1/{account_id}/socket-ticket``). The long-lived visitor token itself never
travels in a URL.

A visitor reads and writes only its own conversations, whatever ids it sends: every
visitor-facing query filters by the ``visitor_id`` returned here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from starlette.requests import HTTPConnection

from ..state import server_of
from ..store import schema as t
from ..store.socket_tickets import redeem_ticket
from ..store.visitors import find_visitor
from .errors import Unauthorized

__all__ = [
    "VISITOR_HEADER",
    "VisitorIdentity",
    "presented_visitor_token",
    "require_visitor",
    "socket_visitor",
]

VISITOR_HEADER = "x-visitor-token"


@dataclass(frozen=True)
class VisitorIdentity:
    visitor_id: str
    account_id: str
    contact_id: str | None
    identified: bool


def presented_visitor_token(connection: HTTPConnection) -> str | None:
    return connection.headers.get(VISITOR_HEADER) or None


async def require_visitor(connection: HTTPConnection, account_id: str) -> VisitorIdentity:
    token = presented_visitor_token(connection)
    if not token:
        raise Unauthorized("send the visitor token (X-Visitor-Token) from the widget config")
    async with server_of(connection).engine.connect() as db:
        visitor = await find_visitor(db, account_id, token)
    if visitor is None:
        raise Unauthorized("unknown visitor token for this account")
    return VisitorIdentity(visitor["id"], account_id, visitor["contact_id"], visitor["identified"])


async def socket_visitor(connection: HTTPConnection, account_id: str) -> VisitorIdentity:
    """The visitor opening ``/ws/visitor?account_id=…&ticket=…`` (the ticket is used up)."""
    ticket = connection.query_params.get("ticket")
    if not ticket:
        raise Unauthorized(
            "open the socket with a ticket from POST /widget/v1/{account_id}/socket-ticket"
        )
    server = server_of(connection)
    async with server.engine.begin() as db:
        redeemed = await redeem_ticket(db, ticket, server.clock.now())
        visitor = None
        if redeemed is not None and redeemed["visitor_id"] is not None:
            visitor = (
                (
                    await db.execute(
                        sa.select(t.visitors).where(
                            t.visitors.c.id == redeemed["visitor_id"],
                            t.visitors.c.account_id == account_id,
                        )
                    )
                )
                .mappings()
                .first()
            )
    if visitor is None:
        raise Unauthorized("the ticket is unknown, used, expired or for another account")
    return VisitorIdentity(visitor["id"], account_id, visitor["contact_id"], visitor["identified"])
