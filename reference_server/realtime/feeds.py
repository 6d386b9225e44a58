"""Following conversations on one WebSocket without losing or doubling a message (CV1).

To follow a conversation from sequence number ``after``, a socket:

1. subscribes to ``conversation:{id}`` (and waits until the subscription is live);
2. replays from the store every message after ``after``;
3. then forwards live events, skipping any message it already sent.

A message stored before step 2 is replayed; one stored after it is published after its
commit, so after the subscription: it arrives live. A message that is both (stored just
before the replay, published just after the subscription) is sent once, because the socket
remembers which sequence numbers it has sent (:class:`Delivered`). Live events wait until the
replay is done, so messages go out in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..services.events import conversation_channel, message_event
from ..state import Broadcast

__all__ = ["ConversationFeeds", "Delivered", "cancel_and_wait"]

log = logging.getLogger("livechat.realtime")

Send = Callable[[dict[str, Any]], Awaitable[None]]
Replay = Callable[[str, int], Awaitable[Sequence[dict[str, Any]]]]


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait until it has ended; how it ended is not our concern.

    ``asyncio.wait`` (not ``await task``) keeps a cancellation of the caller its own: it
    propagates with the caller's cancel message (which anyio's cancel scopes recognise), and
    the task's own cancellation is never mistaken for the caller's.
    """
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        log.debug("a cancelled task failed", exc_info=task.exception())


class Delivered:
    """The sequence numbers of one conversation a client has: all up to ``floor`` and the
    ones in ``above`` (kept small: the floor moves up as gaps fill)."""

    def __init__(self, floor: int) -> None:
        self.floor = floor
        self.above: set[int] = set()

    def has(self, sequence: int) -> bool:
        return sequence <= self.floor or sequence in self.above

    def add(self, sequence: int) -> bool:
        """Record ``sequence`` as sent; False when it had been sent already."""
        if sequence <= self.floor or sequence in self.above:
            return False
        self.above.add(sequence)
        while self.floor + 1 in self.above:
            self.floor += 1
            self.above.remove(self.floor)
        return True


@dataclass
class _Feed:
    task: asyncio.Task[None]
    delivered: Delivered


class ConversationFeeds:
    """The conversations one socket follows. ``send`` writes a frame to the socket;
    ``replay(conversation_id, after)`` reads the stored message views after ``after``."""

    def __init__(self, broadcast: Broadcast, send: Send, replay: Replay) -> None:
        self._broadcast = broadcast
        self._send = send
        self._replay = replay
        self._feeds: dict[str, _Feed] = {}
        self._lock = asyncio.Lock()

    def following(self, conversation_id: str) -> bool:
        return conversation_id in self._feeds

    def mark_sent(self, conversation_id: str, sequence: int) -> None:
        """A message this socket sent itself (an ack): do not forward it again."""
        feed = self._feeds.get(conversation_id)
        if feed is not None:
            feed.delivered.add(sequence)

    async def follow(
        self,
        conversation_id: str,
        after: int,
        *,
        before: Callable[[], Awaitable[None]] | None = None,
        after_replay: Callable[[], Awaitable[None]] | None = None,
    ) -> int:
        """Follow (or re-follow) a conversation from ``after``; returns how many stored
        messages were replayed. ``before`` runs once the subscription is live and before the
        replay (e.g. starting the conversation); ``after_replay`` runs before live events
        flow (e.g. a ``resumed`` frame). Either failing stops the feed and raises."""
        async with self._lock:
            await self._stop(conversation_id)
            delivered = Delivered(after)
            subscribed, ready = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(self._pump(conversation_id, delivered, subscribed, ready))
            self._feeds[conversation_id] = _Feed(task, delivered)
            waiter = asyncio.create_task(subscribed.wait())
            try:
                await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if not subscribed.is_set():
                self._feeds.pop(conversation_id, None)
                await task  # raises what went wrong while subscribing
                raise RuntimeError("the subscription ended before it started")
            try:
                if before is not None:
                    await before()
                replayed = 0
                # shielded: a cancelled socket must not cut a database read short
                stored = await asyncio.shield(self._replay(conversation_id, after))
                for message in stored:
                    if delivered.add(message["sequence"]):
                        await self._send(message_event(message))
                        replayed += 1
                if after_replay is not None:
                    await after_replay()
            except BaseException:
                await self._stop(conversation_id)
                raise
            ready.set()
            return replayed

    async def unfollow(self, conversation_id: str) -> None:
        async with self._lock:
            await self._stop(conversation_id)

    def close(self) -> None:
        """Stop following everything (the socket is gone). Synchronous on purpose: it runs
        in the socket's clean-up, which may itself be cancelled; the feeds' own clean-up
        (unsubscribing) runs in their tasks."""
        for feed in self._feeds.values():
            feed.task.cancel()
        self._feeds.clear()

    async def _stop(self, conversation_id: str) -> None:
        feed = self._feeds.pop(conversation_id, None)
        if feed is not None:
            await cancel_and_wait(feed.task)

    async def _pump(
        self,
        conversation_id: str,
        delivered: Delivered,
        subscribed: asyncio.Event,
        ready: asyncio.Event,
    ) -> None:
        def sent_already(event: dict[str, Any]) -> bool:
            # not even queued: the socket's own message, already sent as its ack
            return event.get("type") == "message" and delivered.has(event["message"]["sequence"])

        channel = conversation_channel(conversation_id)
        async with self._broadcast.subscribe(channel, skip=sent_already) as events:
            subscribed.set()
            await ready.wait()
            while True:
                event = await events.get()
                if event.get("type") == "message" and not delivered.add(
                    event["message"]["sequence"]
                ):
                    continue
                try:
                    await self._send(event)
                except Exception:  # the socket is gone; its session ends the feeds
                    log.debug("could not forward %s", event.get("type"), exc_info=True)
                    return
