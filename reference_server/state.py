"""What a running server holds: settings, its one clock, the database engine and the
real-time broadcast. Made by :func:`reference_server.app.create_app`'s lifespan and reached
from any request or WebSocket with :func:`server_of`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import HTTPConnection

from .clock import Clock
from .settings import Settings

if TYPE_CHECKING:
    from .realtime.broadcast import Broadcast

__all__ = ["Server", "server_of"]


@dataclass
class Server:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    broadcast: Broadcast
    extras: dict[str, Any] = field(default_factory=dict)  # per-process caches and locks


def server_of(connection: HTTPConnection) -> Server:
    server: Server = connection.state.server
    return server
