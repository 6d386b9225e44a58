"""Who is calling: agents and admins (session cookie, bearer session token or a socket
ticket), server-to-server callers (bearer API key), and the permission checks of CF6.

Permissions: ``chatflows`` (create and edit chatflows, CF6), ``users`` (users, teams, inboxes,
account settings, API keys), ``inbox`` (conversations; every user has it). Admins have all.

Defences:

- **CSRF**: a request that authenticates with the session *cookie* and may change something
  (any method but GET, HEAD, OPTIONS) must carry ``Origin`` equal to this server's own origin
  (``LIVECHAT_PUBLIC_URL``); browsers always send it on such requests, and a page elsewhere
  cannot forge it. Bodies must be JSON (``api/body.py``), so HTML forms cannot post either.
  Bearer tokens and API keys are not sent by browsers on their own and need no such check.
- **Socket hijacking**: the agent WebSocket checks ``Origin`` whenever a browser sends it, and
  with the cookie it must be this server's origin.
- **No secrets in URLs**: a token is read from the ``Authorization`` header or the cookie,
  never from the query string; a WebSocket opens with a single-use ticket
  (``POST /api/v1/auth/socket-ticket``) or the cookie.
- **Sessions** end after ``LIVECHAT_SESSION_IDLE_HOURS`` unused (each use renews them) and
  ``LIVECHAT_SESSION_MAX_HOURS`` after log-in, whichever comes first.
- **API keys** expire and carry scopes: ``<area>:read`` or ``<area>:write`` per part of the
  API (:data:`~reference_server.store.accounts.API_KEY_AREAS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from starlette.requests import HTTPConnection

from ..services.secrets import hash_secret
from ..state import Server, server_of
from ..store import schema as t
from ..store.accounts import API_KEY_AREAS
from ..store.socket_tickets import redeem_ticket
from .errors import Forbidden, Unauthorized

__all__ = [
    "ALL_PERMISSIONS",
    "SESSION_COOKIE",
    "Principal",
    "authenticate",
    "check_origin",
    "require_api_key",
    "require_user",
    "require_user_or_api_key",
    "socket_user",
]

SESSION_COOKIE = "livechat_session"
ALL_PERMISSIONS = frozenset({"chatflows", "users", "inbox"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
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


def _bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def check_origin(connection: HTTPConnection, *, required: bool) -> None:
    """403 ``cross_origin`` when a browser says the request comes from another origin (or,
    when ``required``, does not say where it comes from)."""
    settings = server_of(connection).settings
    origin = connection.headers.get("origin")
    if origin is None:
        if required:
            raise Forbidden(
                "a request made with the session cookie must carry an Origin header",
                code="cross_origin",
            )
        return
    allowed = {settings.public_origin}
    if connection.scope["type"] == "websocket" and not required:
        allowed.update(o.lower() for o in settings.cors_origins)
    if origin.strip().rstrip("/").lower() not in allowed:
        raise Forbidden(
            f"requests from {origin} are refused: only pages of {settings.public_origin} "
            "may use this session",
            code="cross_origin",
        )


def _api_key_scope(connection: HTTPConnection) -> str | None:
    """The scope an API key needs for this request (None: API keys may not use it)."""
    parts = connection.scope.get("path", "").split("/")
    area = API_KEY_AREAS.get(parts[3]) if parts[1:3] == ["api", "v1"] and len(parts) > 3 else None
    if area is None:
        return None
    return f"{area}:read" if connection.scope.get("method") in SAFE_METHODS else f"{area}:write"


async def _api_key(connection: HTTPConnection, server: Server, digest: str) -> Principal:
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
    needed = _api_key_scope(connection)
    if needed is None:
        raise Forbidden("this endpoint is for logged-in users, not API keys")
    area = needed.split(":", 1)[0]
    if needed not in scopes and f"{area}:write" not in scopes:
        raise Forbidden(f"this API key lacks the {needed!r} scope", code="insufficient_scope")
    return Principal(kind="api_key", account_id=row.account_id, scopes=scopes)


async def _session(server: Server, digest: str) -> Principal:
    """The user of a live session (renewing it), or 401."""
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
    ends = (
        None
        if row is None
        else session_end(row.created_at, now, settings.session_idle, settings.session_max)
    )
    if row is None or ends is None or row.expires_at <= now:
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


def session_end(
    created_at: datetime, now: datetime, idle: timedelta, longest: timedelta
) -> datetime | None:
    """When a session used at ``now`` ends (None: it has reached its maximum age)."""
    last = created_at + longest
    if last <= now:
        return None
    return min(now + idle, last)


async def authenticate(connection: HTTPConnection) -> Principal:
    server = server_of(connection)
    token = _bearer(connection)
    if token is None:
        token = connection.cookies.get(SESSION_COOKIE) or None
        if token is not None and (
            connection.scope["type"] == "websocket"
            or connection.scope.get("method") not in SAFE_METHODS
        ):
            check_origin(connection, required=True)
    if not token:
        raise Unauthorized("log in, or send a bearer token or API key")
    digest = hash_secret(token)
    if token.startswith("lck_"):
        return await _api_key(connection, server, digest)
    return await _session(server, digest)


async def socket_user(connection: HTTPConnection) -> Principal:
    """The user opening a WebSocket: a ``ticket`` query parameter (single-use), else the
    ``Authorization`` header or the session cookie; ``Origin`` is checked either way."""
    check_origin(connection, required=False)
    ticket = connection.query_params.get("ticket")
    if ticket is None:
        return await require_user(connection, "inbox")
    server = server_of(connection)
    async with server.engine.begin() as db:
        redeemed = await redeem_ticket(db, ticket, server.clock.now())
    if redeemed is None or redeemed["session_hash"] is None:
        raise Unauthorized("the ticket is unknown, used or expired; ask for a new one")
    return await _session(server, redeemed["session_hash"])


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
