"""Moving the waiting queue on (RT5, AV8): waits that end, and capacity that frees.

Call :func:`on_capacity_changed` whenever an agent of the account may now take a chat they
could not take before: a chat closed or was transferred away, an agent became available, a
limit was raised, a seat, skill or team was given. In one routing transaction it first ends
the waits the domain says are over (the visitor gone, the queue timeout passed:
``domain.intake.end_of_wait``), then hands waiting conversations out with the domain's
``serve_queue`` — longest-waiting first, never over anyone's limit — and tells the agents
and visitors. :func:`watch_queues` does the same for every account with a waiting queue
whenever the server's clock moves on (a timer in production; the test clock's endpoint).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from ..clock import ControllableClock
from ..domain.conversation import ConversationStatus
from ..state import Server
from ..store.conversations import accounts_with_waiting
from . import events
from .announce import announce_assigned, announce_conversation, publish
from .routing_service import end_waits, routing_transaction, serve_waiting

__all__ = ["QUEUE_WATCH_SECONDS", "keep_watching_queues", "on_capacity_changed", "watch_queues"]

QUEUE_WATCH_SECONDS = 5.0
"""How often (real seconds) a running server looks for waits that are over."""

log = logging.getLogger("livechat.queue")


async def on_capacity_changed(server: Server, account_id: str) -> None:
    """The queue of ``account_id`` may move: end waits that are over, hand out the rest."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        ended = await end_waits(db, account_id, now)
        assigned = await serve_waiting(db, account_id, now)
    for conversation in ended:
        await _announce_ended(server, conversation)
    if assigned:
        await announce_assigned(server, assigned)


async def watch_queues(server: Server) -> None:
    """The clock moved on: every account's waits that are over end (and capacity the
    ended chats leave is handed out)."""
    async with server.engine.connect() as db:
        accounts = await accounts_with_waiting(db)
    for account_id in accounts:
        await on_capacity_changed(server, account_id)


async def keep_watching_queues(server: Server) -> None:
    """The timer of a running server: :func:`watch_queues` every few seconds. A stopped
    test clock moves only through its endpoint, which watches the queues itself."""
    while True:
        await asyncio.sleep(QUEUE_WATCH_SECONDS)
        clock = server.clock
        if isinstance(clock, ControllableClock) and not clock.running:
            continue
        try:
            await watch_queues(server)
        except Exception:  # a database hiccup must not stop the timer
            log.exception("could not end the waits that are over")


async def _announce_ended(server: Server, conversation: Mapping[str, Any]) -> None:
    if conversation["status"] == ConversationStatus.CLOSED.value:
        await announce_conversation(server, "closed", conversation)
        await publish(
            server,
            events.conversation_channel(conversation["id"]),
            events.closed_event(conversation["id"], None),
        )
    else:
        await announce_conversation(server, "updated", conversation)
