"""The in-process broadcast backend (the protocol is :class:`~reference_server.state.Broadcast`).

Channels: ``conversation:{id}`` (everyone in a conversation), ``agent:{user_id}`` (one
agent's sessions), ``account:{id}:inbox`` (inbox views and availability of an account).
:class:`LocalBroadcast` serves one process; the Redis backend serves several workers. Both
deliver to every subscriber of a channel in publish order (but for the events its ``skip``
refuses); a slow subscriber drops nothing (its queue is unbounded) — the store remains the
source of truth on reconnect.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["LocalBroadcast"]


class _Queue:
    def __init__(self, skip: Callable[[dict[str, Any]], bool] | None = None) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.skip = skip

    def put(self, event: dict[str, Any]) -> None:
        if self.skip is None or not self.skip(event):
            self.queue.put_nowait(event)

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()


class LocalBroadcast:
    """In-process broadcast: one worker, no dependencies."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[_Queue]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._subscribers.clear()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers.get(channel, ())):
            subscriber.put(event)

    @asynccontextmanager
    async def subscribe(
        self, *channels: str, skip: Callable[[dict[str, Any]], bool] | None = None
    ) -> AsyncIterator[_Queue]:
        subscriber = _Queue(skip)
        for channel in channels:
            self._subscribers[channel].add(subscriber)
        try:
            yield subscriber
        finally:
            for channel in channels:
                self._subscribers[channel].discard(subscriber)
                if not self._subscribers[channel]:
                    del self._subscribers[channel]
