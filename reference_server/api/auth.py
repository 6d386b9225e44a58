"""Who is calling an HTTP endpoint: the credential is read from the request (a bearer token
or API key in ``Authorization``, or the session cookie) and checked by
:mod:`reference_server.services.auth`, which also holds the permission rules (CF6)."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from ..services import auth
from ..services.auth import ALL_PERMISSIONS, SESSION_COOKIE, Principal
from ..state import server_of

__all__ = [
    "ALL_PERMISSIONS",
    "SESSION_COOKIE",
    "Principal",
    "authenticate",
    "presented_token",
    "require_api_key",
    "require_user",
    "require_user_or_api_key",
]


def presented_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return connection.query_params.get("token") or connection.cookies.get(SESSION_COOKIE)


async def authenticate(connection: HTTPConnection) -> Principal:
    return await auth.authenticate(server_of(connection), presented_token(connection))


async def require_user(connection: HTTPConnection, permission: str | None = None) -> Principal:
    return auth.require_user(await authenticate(connection), permission)


async def require_api_key(connection: HTTPConnection) -> Principal:
    return auth.require_api_key(await authenticate(connection))


async def require_user_or_api_key(
    connection: HTTPConnection, permission: str | None = None
) -> Principal:
    return auth.require_user_or_api_key(await authenticate(connection), permission)
