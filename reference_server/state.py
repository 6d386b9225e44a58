"""What a running server holds: settings, its one clock, the database engine, the real-time
broadcast and the counters of the abuse limits. Made by
:func:`reference_server.app.create_app`'s lifespan and reached from any request or WebSocket
with :func:`server_of`.

The broadcast is described here by its protocols (:class:`Broadcast`, :class:`Subscription`):
the services publish on it, the WebSockets subscribe to it, and ``realtime/`` provides the
backends (in-process, or Redis pub/sub for several workers).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import HTTPConnection

from .clock import Clock
from .settings import Settings

__all__ = ["Broadcast", "Counters", "Server", "Subscription", "server_in", "server_of"]


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
    def subscribe(
        self, *channels: str, skip: Callable[[dict[str, Any]], bool] | None = None
    ) -> Any:  # an async context manager → Subscription
        """``skip(event)`` true: the event is not queued for this subscriber at all (e.g. a
        message the socket has already sent) — cheaper than waking it to drop it."""
        ...


class Counters(Protocol):
    """Event counts per time window and blocks until an instant, for the abuse limits
    (``store/counters.py``: in-process, or Redis for several workers). Instants are seconds
    of the server's clock."""

    async def hit(self, key: str, window: int, now: float) -> tuple[int, float]: ...
    async def streak(self, key: str, within: int, now: float) -> int: ...
    async def until(self, key: str) -> float | None: ...
    async def block(self, key: str, until: float, ttl: int) -> None: ...
    async def forget(self, *keys: str) -> None: ...
    async def clear(self) -> None: ...
    async def close(self) -> None: ...


@dataclass
class Server:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    broadcast: Broadcast
    counters: Counters
    # per-process caches and locks, each owned by the module that keeps it there (e.g.
    # services/page_view_cache.py): this module ranks below the services
    extras: dict[str, Any] = field(default_factory=dict)


def server_of(connection: HTTPConnection) -> Server:
    return server_in(connection.scope)


def server_in(scope: MutableMapping[str, Any]) -> Server:
    """The server of a request's ASGI scope: the lifespan's state as the scope carries it
    (``connection.state`` would wrap it in a new object on every request)."""
    server: Server = scope["state"]["server"]
    return server
