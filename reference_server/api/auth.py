"""Who is calling: agents and admins (session cookie or bearer session token), server-to-server
callers (bearer API key), and the permission checks of CF6.

Permissions: ``chatflows`` (create and edit chatflows, CF6), ``users`` (users, teams, inboxes,
account settings, API keys), ``inbox`` (conversations; every user has it). Admins have all.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from starlette.requests import HTTPConnection

from ..services.secrets import hash_secret
from ..state import server_of
from ..store import schema as t
from .errors import Forbidden, Unauthorized

__all__ = [
    "ALL_PERMISSIONS",
    "SESSION_COOKIE",
    "Principal",
    "authenticate",
    "require_api_key",
    "require_user",
    "require_user_or_api_key",
]

SESSION_COOKIE = "livechat_session"
ALL_PERMISSIONS = frozenset({"chatflows", "users", "inbox"})


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key"
    account_id: str
    user_id: str | None = None
    role: str | None = None
    permissions: frozenset[str] = frozenset()

    def can(self, permission: str) -> bool:
        return self.role == "admin" or permission in self.permissions


def _presented_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    # Browsers cannot set headers on a WebSocket: the agent page passes its token as a query
    # parameter, or relies on the session cookie.
    return connection.query_params.get("token") or connection.cookies.get(SESSION_COOKIE)


async def authenticate(connection: HTTPConnection) -> Principal:
    token = _presented_token(connection)
    if not token:
        raise Unauthorized("log in, or send a bearer token or API key")
    server = server_of(connection)
    digest = hash_secret(token)
    async with server.engine.connect() as db:
        if token.startswith("lck_"):
            row = (
                await db.execute(
                    sa.select(t.api_keys.c.account_id).where(t.api_keys.c.key_hash == digest)
                )
            ).first()
            if row is None:
                raise Unauthorized("unknown API key")
            return Principal(kind="api_key", account_id=row.account_id)
        row = (
            await db.execute(
                sa.select(
                    t.users.c.id,
                    t.users.c.account_id,
                    t.users.c.role,
                    t.users.c.permissions,
                    t.sessions.c.expires_at,
                )
                .join(t.users, t.users.c.id == t.sessions.c.user_id)
                .where(t.sessions.c.token_hash == digest)
            )
        ).first()
    if row is None or row.expires_at <= server.clock.now():
        raise Unauthorized("the session is unknown or has expired; log in again")
    return Principal(
        kind="user",
        account_id=row.account_id,
        user_id=row.id,
        role=row.role,
        permissions=frozenset(row.permissions) | {"inbox"},
    )


async def require_user(connection: HTTPConnection, permission: str | None = None) -> Principal:
    principal = await authenticate(connection)
    if principal.kind != "user":
        raise Forbidden("this endpoint is for logged-in users, not API keys")
    if permission is not None and not principal.can(permission):
        raise Forbidden(f"you need the {permission!r} permission")
    return principal


async def require_api_key(connection: HTTPConnection) -> Principal:
    principal = await authenticate(connection)
    if principal.kind != "api_key":
        raise Forbidden("this endpoint takes an API key (server-to-server only)")
    return principal


async def require_user_or_api_key(
    connection: HTTPConnection, permission: str | None = None
) -> Principal:
    principal = await authenticate(connection)
    if principal.kind == "user" and permission is not None and not principal.can(permission):
        raise Forbidden(f"you need the {permission!r} permission")
    return principal
