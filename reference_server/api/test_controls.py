"""Test controls: set or advance the server's clock and reset its data, for scenario suites
and browser tests. Mounted only with ``LIVECHAT_TEST_CONTROLS=1``, which production settings
refuse (see settings.py); off by default.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import AwareDatetime, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..clock import ControllableClock
from ..services.capacity import watch_queues
from ..state import Server, server_of
from ..store import schema as t
from ..store.demo import seed_demo
from .body import read_model
from .errors import Conflict
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


def routes() -> list[BaseRoute]:
    return [
        Route("/clock", get_clock, methods=["GET"]),
        Route("/clock", set_clock, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
    ]
