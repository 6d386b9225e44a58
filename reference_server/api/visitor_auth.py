"""Who the visitor calling the widget API is: the visitor token from the ``X-Visitor-Token``
header (never from the URL), checked by :func:`reference_server.services.auth.identify_visitor`.
The visitor WebSocket opens with a single-use ticket instead (``realtime/visitor_ws.py``)."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from ..services.auth import VisitorIdentity, identify_visitor
from ..state import server_of

__all__ = ["VISITOR_HEADER", "VisitorIdentity", "presented_visitor_token", "require_visitor"]

VISITOR_HEADER = "x-visitor-token"


def presented_visitor_token(connection: HTTPConnection) -> str | None:
    return connection.headers.get(VISITOR_HEADER) or None


async def require_visitor(connection: HTTPConnection, account_id: str) -> VisitorIdentity:
    return await identify_visitor(
        server_of(connection), account_id, presented_visitor_token(connection)
    )
