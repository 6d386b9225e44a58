"""``create_app(settings)`` — the one place where the server's parts are wired together.

The application is plain lists of routes and middleware; nothing is created at import time.
The lifespan opens the database (applying migrations), starts the broadcast backend and, when
asked, seeds demo data; everything it makes is reachable as ``request.state.server``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from .api import (
    account,
    canned_replies,
    chatflows,
    contacts,
    conversations,
    identification,
    inboxes,
    knowledge,
    reports,
    session,
    surveys,
    teams,
    test_controls,
    tickets,
    users,
    web_pages,
    widget,
    widget_conversations,
)
from .api.errors import exception_handlers
from .api.openapi import openapi_document
from .api.settings_schemas import settings_schemas
from .api.web_security import AddressLimit, RefuseUnstorableText, SecurityHeaders, cors_by_path
from .clock import Clock, ControllableClock, SystemClock
from .garbage import settle_after_startup
from .realtime.agent_ws import agent_socket
from .realtime.broadcast import LocalBroadcast
from .realtime.socket import OPEN_SOCKETS
from .realtime.visitor_ws import visitor_socket
from .services.capacity import keep_watching_queues
from .services.page_view_cache import (
    MAX_AGE_SHARED,
    PageViewCache,
    keep_page_views,
    relay_writes,
)
from .settings import Settings
from .state import Broadcast, Server, server_of
from .store.checkpoints import Checkpointer
from .store.counters import open_counters
from .store.database import migrate, open_engine, startup_lock
from .store.demo import seed_demo
from .store.write_watch import watch_writes

__all__ = ["create_app"]

VERSION = "0.1.0"


def api_routes() -> list[BaseRoute]:
    """Everything under ``/api/v1``, one module per resource."""
    return [
        *session.routes(),
        *account.routes(),
        *users.routes(),
        *teams.routes(),
        *inboxes.routes(),
        *contacts.routes(),
        *chatflows.routes(),
        *knowledge.routes(),
        *surveys.routes(),
        *identification.routes(),
        *conversations.routes(),
        *tickets.routes(),
        *canned_replies.routes(),
        *reports.routes(),
    ]


def widget_routes() -> list[BaseRoute]:
    """The public widget API under ``/widget/v1``."""
    return [*widget.routes(), *widget_conversations.routes()]


def make_broadcast(settings: Settings) -> Broadcast:
    if settings.redis_url:
        from .realtime.redis_broadcast import RedisBroadcast

        return RedisBroadcast(settings.redis_url)
    return LocalBroadcast()


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    if clock is None:
        clock = ControllableClock() if settings.test_controls else SystemClock()
    routes: list[BaseRoute] = [
        Route("/healthz", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Mount("/api/v1", routes=api_routes()),
        Mount("/widget/v1", routes=widget_routes(), middleware=[Middleware(AddressLimit)]),
        WebSocketRoute("/ws/visitor", visitor_socket),
        WebSocketRoute("/ws/agent", agent_socket),
        *web_pages.routes(),
    ]
    if settings.test_controls:
        routes.append(Mount("/test-controls", routes=test_controls.routes()))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Server]]:
        engine = open_engine(settings)
        async with startup_lock(settings, engine):  # one worker at a time; the rest find it done
            await migrate(engine)
            if settings.demo_data:
                await seed_demo(engine, clock.now())
        broadcast = make_broadcast(settings)
        await broadcast.start()
        counters = open_counters(settings.redis_url, settings.database_url)
        server = Server(
            settings=settings, clock=clock, engine=engine, broadcast=broadcast, counters=counters
        )
        sqlite_file = settings.sqlite_path()
        checkpoints = Checkpointer(sqlite_file).start() if sqlite_file is not None else None
        versions = watch_writes(engine)
        tasks = [asyncio.create_task(keep_watching_queues(server))]
        if settings.redis_url:  # other processes write too: hear of their writes
            live = asyncio.Event()
            tasks.append(asyncio.create_task(relay_writes(versions, broadcast, live)))
            await live.wait()
        keep_page_views(
            server.extras,
            PageViewCache(versions, max_age=MAX_AGE_SHARED if settings.redis_url else None),
        )
        settle_after_startup()
        try:
            yield {"server": server}
        finally:
            for task in tasks:
                task.cancel()
            await broadcast.stop()
            await counters.close()
            await engine.dispose()
            if checkpoints is not None:
                checkpoints.stop()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(cors_by_path, api_origins=settings.cors_origins),
            Middleware(RefuseUnstorableText),
        ],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    return app


async def health(request: Request) -> Response:
    """``open_sockets``: this worker's connected visitors and agents."""
    opened = server_of(request).extras.get(OPEN_SOCKETS, {})
    sockets = {kind: int(opened.get(kind, 0)) for kind in ("visitor", "agent")}
    return JSONResponse({"status": "ok", "version": VERSION, "open_sockets": sockets})


async def openapi_json(request: Request) -> Response:
    return JSONResponse(
        openapi_document(
            request.app.routes,
            title="Live chat lab",
            version=VERSION,
            extra_schemas=settings_schemas(),
        )
    )
