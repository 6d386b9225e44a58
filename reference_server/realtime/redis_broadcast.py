"""Broadcast through Redis pub/sub, for several server workers (``LIVECHAT_REDIS_URL``).

Same interface and guarantees as :class:`~reference_server.realtime.broadcast.LocalBroadcast`:
events are JSON objects, every subscriber of a channel gets every event published after its
``subscribe`` returned, in publish order, with an unbounded queue.

One Redis connection per process carries every subscription (a reader task fans messages
out to local subscribers), so a thousand sockets cost one connection, not a thousand.
``subscribe`` returns only after Redis confirmed the subscription: a client that then reads
the store and follows live events misses nothing published afterwards (see
:mod:`.feeds`). On a lost connection redis-py reconnects and re-subscribes; events published
meanwhile are lost to live clients, who catch up from the store when they resume.

Publishing goes through one sender task: the events published while it waits for Redis go
out together in one pipeline (a burst of messages — a group commit answers many at once —
costs one round trip, not a pooled connection each, which ran out under load), in the order
they were published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from .feeds import cancel_and_wait

__all__ = ["RedisBroadcast"]

log = logging.getLogger("livechat.realtime")

SUBSCRIBE_TIMEOUT = 10.0
MAX_PIPELINE = 500  # events published in one round trip


class _Queue:
    def __init__(self, skip: Callable[[dict[str, Any]], bool] | None = None) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.skip = skip

    def put(self, event: dict[str, Any]) -> None:
        if self.skip is None or not self.skip(event):
            self.queue.put_nowait(event)

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()


class RedisBroadcast:
    """Publish/subscribe of JSON events over Redis."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._redis: Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribers: dict[str, set[_Queue]] = defaultdict(set)
        self._confirmed: dict[str, asyncio.Event] = {}
        self._lock = asyncio.Lock()
        self._outbox: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._redis = Redis.from_url(self._url)
        await self._redis.ping()
        self._pubsub = self._redis.pubsub()

    async def stop(self) -> None:
        if self._sender is not None:
            await cancel_and_wait(self._sender)
            self._sender = None
        for _, _, sent in self._outbox:
            if not sent.done():
                sent.set_exception(RuntimeError("the broadcast stopped"))
        self._outbox.clear()
        if self._reader is not None:
            await cancel_and_wait(self._reader)
            self._reader = None
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        self._subscribers.clear()
        self._confirmed.clear()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        if self._redis is None:
            raise RuntimeError("the broadcast is not started")
        loop = asyncio.get_running_loop()
        sent: asyncio.Future[None] = loop.create_future()
        self._outbox.append((channel, orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS), sent))
        if self._sender is None or self._sender.done():
            self._sender = loop.create_task(self._send())
        await sent

    async def _send(self) -> None:
        while self._outbox and self._redis is not None:
            batch = self._outbox[:MAX_PIPELINE]
            del self._outbox[:MAX_PIPELINE]
            error: Exception | None = None
            try:
                async with self._redis.pipeline(transaction=False) as pipeline:
                    for channel, payload, _ in batch:
                        pipeline.publish(channel, payload)
                    await pipeline.execute()
            except Exception as failed:  # each publisher hears it, as it would alone
                error = failed
            for _, _, sent in batch:
                if sent.done():  # its publisher has gone
                    continue
                if error is not None:
                    sent.set_exception(error)
                else:
                    sent.set_result(None)

    @asynccontextmanager
    async def subscribe(
        self, *channels: str, skip: Callable[[dict[str, Any]], bool] | None = None
    ) -> AsyncIterator[_Queue]:
        subscriber = _Queue(skip)
        await self._add(subscriber, channels)
        try:
            yield subscriber
        finally:
            await self._remove(subscriber, channels)

    async def _add(self, subscriber: _Queue, channels: tuple[str, ...]) -> None:
        if self._pubsub is None:
            raise RuntimeError("the broadcast is not started")
        waits = []
        async with self._lock:
            new = [
                channel for channel in dict.fromkeys(channels) if not self._subscribers.get(channel)
            ]
            for channel in new:
                self._confirmed[channel] = asyncio.Event()
            for channel in channels:
                self._subscribers[channel].add(subscriber)
            if new:
                await self._pubsub.subscribe(*new)
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.create_task(self._read())
            waits = [self._confirmed[channel] for channel in channels if channel in self._confirmed]
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                for confirmed in waits:
                    await confirmed.wait()
        except BaseException:
            await self._remove(subscriber, channels)
            raise

    async def _remove(self, subscriber: _Queue, channels: tuple[str, ...]) -> None:
        async with self._lock:
            gone = []
            for channel in dict.fromkeys(channels):
                subscribers = self._subscribers.get(channel)
                if subscribers is None:
                    continue
                subscribers.discard(subscriber)
                if not subscribers:
                    del self._subscribers[channel]
                    self._confirmed.pop(channel, None)
                    gone.append(channel)
            if gone and self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(*gone)

    async def _read(self) -> None:
        assert self._pubsub is not None
        pubsub = self._pubsub
        while True:
            try:
                message = await pubsub.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading from Redis failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None:
                continue
            channel = message["channel"]
            name = channel.decode() if isinstance(channel, bytes) else str(channel)
            if message["type"] == "subscribe":
                confirmed = self._confirmed.get(name)
                if confirmed is not None:
                    confirmed.set()
            elif message["type"] == "message":
                try:
                    event = orjson.loads(message["data"])
                except (TypeError, ValueError):
                    log.warning("ignoring a non-JSON event on %s", name)
                    continue
                for subscriber in list(self._subscribers.get(name, ())):
                    subscriber.put(event)
