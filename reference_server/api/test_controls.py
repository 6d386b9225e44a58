"""Test controls: set or advance the server's clock, reset its data and open a fresh account
(each scenario of a suite works in its own), for scenario suites and browser tests. Mounted
only with ``LIVECHAT_TEST_CONTROLS=1``, which production settings refuse (see settings.py);
off by default.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import available_timezones

import sqlalchemy as sa
from pydantic import AwareDatetime, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..clock import ControllableClock
from ..services.capacity import watch_queues
from ..state import Server, server_of
from ..store import schema as t
from ..store.bootstrap import create_account
from ..store.demo import seed_demo
from ..store.users import email_in_use
from .body import read_model
from .errors import Conflict, ValidationFailed
from .openapi import operation
from .schemas import Input, Output

__all__ = ["routes"]


class ClockIn(Input):
    now: AwareDatetime | None = None  # set to this instant …
    advance_seconds: float | None = Field(default=None, ge=0, le=366 * 86400)  # … or move on
    running: bool | None = None  # keep ticking from there (default: unchanged)


class ClockOut(Output):
    now: datetime
    running: bool


class NewTestAccountIn(Input):
    name: str = Field("Scenario", min_length=1, max_length=200)
    admin_email: str = Field(min_length=3, max_length=254)
    admin_password: str = Field(min_length=10, max_length=200)
    company_name: str = Field("", max_length=200)
    domain: str = Field("", max_length=253)
    timezone: str = Field("UTC", max_length=64)


class NewTestAccountOut(Output):
    account_id: str
    admin_id: str
    api_key: str
    inbox_id: str


def _clock(server: Server) -> ControllableClock:
    if not isinstance(server.clock, ControllableClock):
        raise Conflict("this server runs on the system clock")
    return server.clock


@operation("Read the server clock", tags=("test controls",), response=ClockOut, auth="none")
async def get_clock(request: Request) -> Response:
    clock = _clock(server_of(request))
    return JSONResponse(ClockOut(now=clock.now(), running=clock.running).model_dump(mode="json"))


@operation(
    "Set or advance the server clock",
    tags=("test controls",),
    request=ClockIn,
    response=ClockOut,
    auth="none",
    errors=(400, 409, 422),
)
async def set_clock(request: Request) -> Response:
    body = await read_model(request, ClockIn)
    clock = _clock(server_of(request))
    if body.now is not None:
        clock.set(body.now, running=body.running)
    elif body.running is not None:
        clock.set(clock.now(), running=body.running)
    if body.advance_seconds:
        clock.advance(timedelta(seconds=body.advance_seconds))
    await watch_queues(server_of(request))  # RT5: waits that ended meanwhile end now
    return JSONResponse(ClockOut(now=clock.now(), running=clock.running).model_dump(mode="json"))


@operation(
    "Delete all data and limit counts (and reseed the demo account in demo mode)",
    tags=("test controls",),
    status=204,
    auth="none",
    errors=(),
)
async def reset(request: Request) -> Response:
    server = server_of(request)
    async with server.engine.begin() as db:
        for table in reversed(t.metadata.sorted_tables):
            await db.execute(sa.delete(table))
    server.extras.clear()
    await server.counters.clear()  # the abuse limits start afresh too
    if server.settings.demo_data:
        await seed_demo(server.engine, server.clock.now())
    return Response(status_code=204)


@operation(
    "Open a fresh account with its admin, API key and chat inbox",
    tags=("test controls",),
    request=NewTestAccountIn,
    response=NewTestAccountOut,
    status=201,
    auth="none",
    errors=(400, 409, 422),
)
async def open_account(request: Request) -> Response:
    body = await read_model(request, NewTestAccountIn)
    if body.timezone not in available_timezones():
        raise ValidationFailed("the request is not valid", fields={"timezone": "unknown time zone"})
    server = server_of(request)
    async with server.engine.connect() as db:
        if await email_in_use(db, body.admin_email):
            raise Conflict("a user already has this email address")
    made = await create_account(
        server.engine,
        server.clock.now(),
        name=body.name,
        admin_email=body.admin_email,
        admin_password=body.admin_password,
        company_name=body.company_name,
        domain=body.domain,
        timezone=body.timezone,
    )
    answer = NewTestAccountOut(
        account_id=made.account_id,
        admin_id=made.admin_id,
        api_key=made.api_key,
        inbox_id=made.inbox_id,
    )
    return JSONResponse(answer.model_dump(), status_code=201)


def routes() -> list[BaseRoute]:
    return [
        Route("/clock", get_clock, methods=["GET"]),
        Route("/clock", set_clock, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/accounts", open_account, methods=["POST"]),
    ]
