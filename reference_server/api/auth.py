"""Who is calling an HTTP endpoint: the credential is read from the request (a bearer token
or API key in ``Authorization``, or the session cookie — never the query string) and checked
by :mod:`reference_server.services.auth`, which also holds the permission rules (CF6).

CSRF: a request that authenticates with the session *cookie* and may change something (any
method but GET, HEAD, OPTIONS) must carry ``Origin`` equal to this server's own origin
(``LIVECHAT_PUBLIC_URL``). Browsers always send it on such requests and a page elsewhere
cannot forge it; bodies must also be JSON (``api/body.py``), which an HTML form cannot send.
Bearer tokens and API keys are not sent by browsers on their own and need no such check.

An API key needs the scope of the part of the API it calls: ``<area>:read`` for GET,
``<area>:write`` otherwise, the area being the first part of the path under ``/api/v1``.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from ..services import auth
from ..services.auth import ALL_PERMISSIONS, SESSION_COOKIE, Principal, origin_problem
from ..services.errors import Forbidden
from ..state import server_of
from ..store.accounts import API_KEY_AREAS

__all__ = [
    "ALL_PERMISSIONS",
    "SESSION_COOKIE",
    "Principal",
    "api_key_scope",
    "authenticate",
    "presented_token",
    "require_api_key",
    "require_user",
    "require_user_or_api_key",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_token(connection: HTTPConnection) -> str | None:
    """The bearer token, else the session cookie (checked against CSRF when it is used to
    change something)."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    cookie = connection.cookies.get(SESSION_COOKIE) or None
    if cookie is not None and connection.scope.get("method") not in SAFE_METHODS:
        problem = origin_problem(server_of(connection).settings, connection.headers.get("origin"))
        if problem:
            raise Forbidden(problem, code="cross_origin")
    return cookie


def api_key_scope(connection: HTTPConnection) -> str | None:
    """The scope an API key needs for this request (None: API keys may not use it)."""
    parts = connection.scope.get("path", "").split("/")
    area = API_KEY_AREAS.get(parts[3]) if parts[1:3] == ["api", "v1"] and len(parts) > 3 else None
    if area is None:
        return None
    access = "read" if connection.scope.get("method") in SAFE_METHODS else "write"
    return f"{area}:{access}"


async def authenticate(connection: HTTPConnection) -> Principal:
    return await auth.authenticate(
        server_of(connection), presented_token(connection), scope=api_key_scope(connection)
    )


async def require_user(connection: HTTPConnection, permission: str | None = None) -> Principal:
    return auth.require_user(await authenticate(connection), permission)


async def require_api_key(connection: HTTPConnection) -> Principal:
    return auth.require_api_key(await authenticate(connection))


async def require_user_or_api_key(
    connection: HTTPConnection, permission: str | None = None
) -> Principal:
    return auth.require_user_or_api_key(await authenticate(connection), permission)
