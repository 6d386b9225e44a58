"""Who is calling, from the credential they present: agents and admins (a session token or a
socket ticket), server-to-server callers (an API key), visitors (a visitor token or a socket
ticket), and the permission checks of CF6. The entry points read the credential from
wherever their protocol carries it (a header, a cookie) and hand it here — never from a URL,
which ends up in logs; a WebSocket opens with a single-use ticket instead.

Permissions: ``chatflows`` (create and edit chatflows, CF6), ``users`` (users, teams, inboxes,
account settings, API keys), ``inbox`` (conversations; every user has it). Admins have all.
A visitor reads and writes only its own conversations, whatever ids it sends: every
visitor-facing query filters by the ``visitor_id`` found here.

- **Sessions** end after ``LIVECHAT_SESSION_IDLE_HOURS`` unused (each use renews them) and
  ``LIVECHAT_SESSION_MAX_HOURS`` after log-in, whichever comes first.
- **API keys** expire and carry scopes: ``<area>:read`` (GET) or ``<area>:write`` (anything,
  reading included) per part of the API (:data:`~reference_server.store.accounts.API_KEY_AREAS`).
- **Origins**: :func:`origin_problem` is the one check of a browser's ``Origin`` header, for
  the CSRF defence of cookie sessions (``api/auth.py``) and the agent socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..secrets import hash_secret
from ..settings import Settings
from ..state import Server
from ..store import schema as t
from ..store.socket_tickets import redeem_ticket
from ..store.visitors import find_visitor
from .errors import Forbidden, Unauthorized

__all__ = [
    "ALL_PERMISSIONS",
    "SESSION_COOKIE",
    "Principal",
    "VisitorIdentity",
    "agent_by_ticket",
    "authenticate",
    "identify_visitor",
    "origin_problem",
    "require_api_key",
    "require_user",
    "require_user_or_api_key",
    "session_end",
    "visitor_by_ticket",
]

SESSION_COOKIE = "livechat_session"
ALL_PERMISSIONS = frozenset({"chatflows", "users", "inbox"})
RENEW_AFTER = timedelta(minutes=5)  # renew a session at most this often (one write)


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key"
    account_id: str
    user_id: str | None = None
    role: str | None = None
    permissions: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()  # an API key's
    session_hash: str | None = None  # a user's: the session it came with

    def can(self, permission: str) -> bool:
        return self.role == "admin" or permission in self.permissions


@dataclass(frozen=True)
class VisitorIdentity:
    visitor_id: str
    account_id: str
    contact_id: str | None
    identified: bool


def origin_problem(settings: Settings, origin: str | None, *, listed: bool = False) -> str | None:
    """Why a browser request from ``origin`` is refused (None: it is the server's own, or —
    with ``listed`` — one of ``LIVECHAT_CORS_ORIGINS``)."""
    if origin is None:
        return "a request made with the session cookie must carry an Origin header"
    allowed = {settings.public_origin}
    if listed:
        allowed.update(o.lower() for o in settings.cors_origins)
    if origin.strip().rstrip("/").lower() in allowed:
        return None
    return (
        f"requests from {origin} are refused: only pages of {settings.public_origin} "
        "may use this session"
    )


def session_end(
    created_at: datetime, now: datetime, idle: timedelta, longest: timedelta
) -> datetime | None:
    """When a session used at ``now`` ends (None: it has reached its maximum age)."""
    last = created_at + longest
    if last <= now:
        return None
    return min(now + idle, last)


async def _api_key(server: Server, digest: str, scope: str | None) -> Principal:
    async with server.engine.connect() as db:
        row = (
            await db.execute(
                sa.select(
                    t.api_keys.c.account_id, t.api_keys.c.scopes, t.api_keys.c.expires_at
                ).where(t.api_keys.c.key_hash == digest)
            )
        ).first()
    if row is None:
        raise Unauthorized("unknown API key")
    if row.expires_at <= server.clock.now():
        raise Unauthorized("this API key has expired; create a new one")
    scopes = frozenset(row.scopes)
    if scope is None:
        raise Forbidden("this endpoint is for logged-in users, not API keys")
    if scope not in scopes and f"{scope.split(':', 1)[0]}:write" not in scopes:
        raise Forbidden(f"this API key lacks the {scope!r} scope", code="insufficient_scope")
    return Principal(kind="api_key", account_id=row.account_id, scopes=scopes)


async def _session(server: Server, digest: str) -> Principal:
    """The user of a live session (renewing it), or Unauthorized."""
    now = server.clock.now()
    settings = server.settings
    async with server.engine.connect() as db:
        row = (
            await db.execute(
                sa.select(
                    t.users.c.id,
                    t.users.c.account_id,
                    t.users.c.role,
                    t.users.c.permissions,
                    t.sessions.c.expires_at,
                    t.sessions.c.created_at,
                )
                .join(t.users, t.users.c.id == t.sessions.c.user_id)
                .where(t.sessions.c.token_hash == digest)
            )
        ).first()
    ends = None
    if row is not None and row.expires_at > now:
        ends = session_end(row.created_at, now, settings.session_idle, settings.session_max)
    if row is None or ends is None:
        raise Unauthorized("the session is unknown or has expired; log in again")
    if ends - row.expires_at >= RENEW_AFTER:
        async with server.engine.begin() as db:
            await db.execute(
                t.sessions.update().where(t.sessions.c.token_hash == digest).values(expires_at=ends)
            )
    return Principal(
        kind="user",
        account_id=row.account_id,
        user_id=row.id,
        role=row.role,
        permissions=frozenset(row.permissions) | {"inbox"},
        session_hash=digest,
    )


async def authenticate(server: Server, token: str | None, *, scope: str | None = None) -> Principal:
    """The user whose session ``token`` is, or the account whose API key it is; an API key
    must hold ``scope`` (None: API keys may not do this)."""
    if not token:
        raise Unauthorized("log in, or send a bearer token or API key")
    digest = hash_secret(token)
    if token.startswith("lck_"):
        return await _api_key(server, digest, scope)
    return await _session(server, digest)


async def agent_by_ticket(server: Server, ticket: str) -> Principal:
    """The user a socket ticket was issued to (the ticket is used up)."""
    async with server.engine.begin() as db:
        redeemed = await redeem_ticket(db, ticket, server.clock.now())
    if redeemed is None or redeemed["session_hash"] is None:
        raise Unauthorized("the ticket is unknown, used or expired; ask for a new one")
    return await _session(server, redeemed["session_hash"])


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


async def visitor_by_ticket(server: Server, account_id: str, ticket: str | None) -> VisitorIdentity:
    """The visitor of ``account_id`` a socket ticket was issued to (the ticket is used up)."""
    if not ticket:
        raise Unauthorized(
            "open the socket with a ticket from POST /widget/v1/{account_id}/socket-ticket"
        )
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
