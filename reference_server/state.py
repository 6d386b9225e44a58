"""What a running server holds: settings, its one clock, the database engine and the
real-time broadcast. Made by :func:`reference_server.app.create_app`'s lifespan and reached
from any request or WebSocket with :func:`server_of`.

The broadcast is described here by its protocols (:class:`Broadcast`, :class:`Subscription`):
the services publish on it, the WebSockets subscribe to it, and ``realtime/`` provides the
backends (in-process, or Redis pub/sub for several workers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import HTTPConnection

from .clock import Clock
from .settings import Settings

__all__ = ["Broadcast", "Server", "Subscription", "server_of"]


class Subscription(Protocol):
    """Events of the subscribed channels, in publish order."""

    async def get(self) -> dict[str, Any]: ...


class Broadcast(Protocol):
    """Publish/subscribe of JSON events by channel name. Every subscriber of a channel gets
    every event published on it after its subscription is live, in publish order; a slow
    subscriber drops nothing (the store stays the source of truth on reconnect)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, channel: str, event: dict[str, Any]) -> None: ...
    def subscribe(self, *channels: str) -> Any:  # an async context manager → Subscription
        ...


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
