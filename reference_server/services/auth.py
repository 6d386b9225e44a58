"""Who is calling, from the credential they present: agents and admins (a session token),
server-to-server callers (an API key), visitors (a visitor token), and the permission checks
of CF6. The entry points read the credential from wherever their protocol carries it (a
header, a cookie, a query parameter) and hand it here.

Permissions: ``chatflows`` (create and edit chatflows, CF6), ``users`` (users, teams, inboxes,
account settings, API keys), ``inbox`` (conversations; every user has it). Admins have all.
A visitor reads and writes only its own conversations, whatever ids it sends: every
visitor-facing query filters by the ``visitor_id`` found here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..secrets import hash_secret
from ..state import Server
from ..store import schema as t
from ..store.visitors import find_visitor
from .errors import Forbidden, Unauthorized

__all__ = [
    "ALL_PERMISSIONS",
    "SESSION_COOKIE",
    "Principal",
    "VisitorIdentity",
    "authenticate",
    "identify_visitor",
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


@dataclass(frozen=True)
class VisitorIdentity:
    visitor_id: str
    account_id: str
    contact_id: str | None
    identified: bool


async def authenticate(server: Server, token: str | None) -> Principal:
    """The user whose session ``token`` is, or the account whose API key it is."""
    if not token:
        raise Unauthorized("log in, or send a bearer token or API key")
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


def require_user(principal: Principal, permission: str | None = None) -> Principal:
    """``principal`` when it is a logged-in user (with ``permission``, if named)."""
    if principal.kind != "user":
        raise Forbidden("this endpoint is for logged-in users, not API keys")
    if permission is not None and not principal.can(permission):
        raise Forbidden(f"you need the {permission!r} permission")
    return principal


def require_api_key(principal: Principal) -> Principal:
    if principal.kind != "api_key":
        raise Forbidden("this endpoint takes an API key (server-to-server only)")
    return principal


def require_user_or_api_key(principal: Principal, permission: str | None = None) -> Principal:
    if principal.kind == "user" and permission is not None and not principal.can(permission):
        raise Forbidden(f"you need the {permission!r} permission")
    return principal


async def identify_visitor(server: Server, account_id: str, token: str | None) -> VisitorIdentity:
    """The visitor of ``account_id`` whose visitor token this is."""
    if not token:
        raise Unauthorized("send the visitor token (X-Visitor-Token) from the widget config")
    async with server.engine.connect() as db:
        visitor = await find_visitor(db, account_id, token)
    if visitor is None:
        raise Unauthorized("unknown visitor token for this account")
    return VisitorIdentity(visitor["id"], account_id, visitor["contact_id"], visitor["identified"])
