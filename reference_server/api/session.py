"""Log in and out: a session token, returned in the body (bearer use) and as an HttpOnly
cookie (pages; ``Secure`` when the server's public URL is https), and socket tickets.

Log-in takes as long for an unknown e-mail address as for a known one, and repeated wrong
passwords are slowed down (429 with Retry-After, :mod:`reference_server.services.limits`).
A password stored with older parameters is re-hashed on a successful log-in.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..passwords import hash_password, needs_rehash, unknown_user_check, verify_password
from ..secrets import hash_secret, new_secret
from ..services import limits
from ..state import server_of
from ..store import schema as t
from ..store.socket_tickets import issue_ticket
from .auth import ALL_PERMISSIONS, SESSION_COOKIE, require_user
from .body import read_model
from .errors import Unauthorized
from .openapi import operation
from .schemas import Input, Output
from .users import grantable_roles
from .web_security import client_address

__all__ = ["routes"]


class LoginIn(Input):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class SessionOut(Output):
    token: str
    user_id: str
    account_id: str
    expires_at: str


class TicketOut(Output):
    ticket: str
    expires_at: str


class MeOut(Output):
    user_id: str
    account_id: str
    role: str | None
    permissions: list[str]
    can: list[str] = Field(
        description="what the user may do: their permissions in effect (an admin, all); "
        "pages offer only these"
    )
    may_grant_roles: list[str] = Field(description="the roles this user may give a user")


@operation(
    "Log in with email and password",
    tags=("auth",),
    request=LoginIn,
    response=SessionOut,
    auth="none",
    errors=(400, 401, 415, 422, 429),
)
async def login(request: Request) -> Response:
    body = await read_model(request, LoginIn)
    server = server_of(request)
    address = client_address(request.scope)
    await limits.login_allowed(server, body.email, address)
    async with server.engine.connect() as db:
        user = (
            await db.execute(
                sa.select(t.users.c.id, t.users.c.account_id, t.users.c.password_hash).where(
                    t.users.c.email == body.email.lower()
                )
            )
        ).first()
    # the hash's work runs in a thread, not in the event loop; the same work for an unknown
    # address, so that timing does not tell which addresses have accounts
    if user is None:
        await asyncio.to_thread(unknown_user_check, body.password)
        correct = False
    else:
        correct = await asyncio.to_thread(verify_password, body.password, user.password_hash)
    if user is None or not correct:
        await limits.login_failed(server, body.email, address)
        raise Unauthorized("wrong email or password")
    await limits.login_succeeded(server, body.email)
    token = new_secret("lcs")
    now = server.clock.now()
    expires = now + min(server.settings.session_idle, server.settings.session_max)
    async with server.engine.begin() as db:
        await db.execute(
            t.sessions.insert().values(
                token_hash=hash_secret(token),
                user_id=user.id,
                expires_at=expires,
                created_at=now,
            )
        )
        if needs_rehash(user.password_hash):
            await db.execute(
                t.users.update()
                .where(t.users.c.id == user.id)
                .values(password_hash=hash_password(body.password))
            )
    out = SessionOut(
        token=token, user_id=user.id, account_id=user.account_id, expires_at=expires.isoformat()
    )
    response = JSONResponse(out.model_dump())
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(server.settings.session_max.total_seconds()),
        httponly=True,
        secure=server.settings.public_url.startswith("https://"),
        samesite="lax",
        path="/",
    )
    return response


@operation("Log out (ends this session)", tags=("auth",), status=204, errors=(401,))
async def logout(request: Request) -> Response:
    principal = await require_user(request)
    async with server_of(request).engine.begin() as db:
        await db.execute(
            t.sessions.delete().where(t.sessions.c.token_hash == principal.session_hash)
        )
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@operation(
    "A single-use ticket to open /ws/agent (valid for a minute)",
    tags=("auth",),
    response=TicketOut,
    status=201,
    errors=(401, 403),
)
async def socket_ticket(request: Request) -> Response:
    principal = await require_user(request, "inbox")
    server = server_of(request)
    async with server.engine.begin() as db:
        ticket, expires_at = await issue_ticket(
            db, server.clock.now(), session_hash=principal.session_hash
        )
    out = TicketOut(ticket=ticket, expires_at=expires_at.isoformat())
    return JSONResponse(out.model_dump(), status_code=201)


@operation("Who am I", tags=("auth",), response=MeOut, errors=(401,))
async def me(request: Request) -> Response:
    principal = await require_user(request)
    return JSONResponse(
        MeOut(
            user_id=principal.user_id or "",
            account_id=principal.account_id,
            role=principal.role,
            permissions=sorted(principal.permissions),
            can=sorted(p for p in ALL_PERMISSIONS if principal.can(p)),
            may_grant_roles=grantable_roles(principal),
        ).model_dump()
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/logout", logout, methods=["POST"]),
        Route("/auth/me", me, methods=["GET"]),
        Route("/auth/socket-ticket", socket_ticket, methods=["POST"]),
    ]
