"""The abuse limits (SE2): what one visitor, one address, one account may do in a while, and
how repeated wrong passwords slow down. Every refusal is :class:`TooManyRequests` with the
seconds to wait (a 429 with ``Retry-After`` over REST, a ``rate_limited`` error frame on a
socket). The numbers are settings (:class:`~reference_server.settings.Limits`, each one
``LIVECHAT_LIMIT_*``, ``off`` to switch it off); the counts live in the server's counters, in
Redis when there are several workers, so the limits hold whichever worker is asked.

- per visitor token: conversations started, messages sent;
- per account: conversations started, new visitors;
- per address: widget requests and socket openings, new visitors, wrong passwords — for
  load tests and benchmarks from one machine, switch these off;
- log-in: after ``login_failures`` wrong passwords in a row for one e-mail address (or
  ``address_login_failures`` from one address), each further attempt waits, twice as long
  each time (30 s, 1 min, 2 min …, at most the rate's window); a correct password ends the
  e-mail's streak.
"""

from __future__ import annotations

import math

from ..settings import Rate
from ..state import Server
from .errors import TooManyRequests

__all__ = [
    "BACKOFF_START_SECONDS",
    "address_request",
    "conversation_started",
    "login_allowed",
    "login_failed",
    "login_succeeded",
    "message_sent",
    "new_visitor",
]

BACKOFF_START_SECONDS = 30


def _now(server: Server) -> float:
    return server.clock.now().timestamp()


async def _count(server: Server, rate: Rate | None, key: str, message: str) -> None:
    if rate is None:
        return
    count, left = await server.counters.hit(key, rate.seconds, _now(server))
    if count > rate.count:
        raise TooManyRequests(message, retry_after=math.ceil(left))


async def conversation_started(server: Server, account_id: str, visitor_id: str) -> None:
    limits = server.settings.limits
    await _count(
        server,
        limits.visitor_conversations,
        f"visitor-conversations:{visitor_id}",
        "you have started too many conversations; try again later",
    )
    await _count(
        server,
        limits.account_conversations,
        f"account-conversations:{account_id}",
        "too many conversations are starting on this account; try again shortly",
    )


async def message_sent(server: Server, visitor_id: str) -> None:
    await _count(
        server,
        server.settings.limits.visitor_messages,
        f"visitor-messages:{visitor_id}",
        "you are sending messages too fast; wait a moment",
    )


async def new_visitor(server: Server, account_id: str, address: str | None) -> None:
    limits = server.settings.limits
    if address is not None:
        await _count(
            server,
            limits.address_visitors,
            f"address-visitors:{address}",
            "too many new visitors from your address; try again later",
        )
    await _count(
        server,
        limits.account_visitors,
        f"account-visitors:{account_id}",
        "too many new visitors on this account; try again shortly",
    )


async def address_request(server: Server, address: str | None) -> None:
    if address is not None:
        await _count(
            server,
            server.settings.limits.address_requests,
            f"address-requests:{address}",
            "too many requests from your address; slow down",
        )


async def login_allowed(server: Server, email: str, address: str | None) -> None:
    """Refuse a log-in attempt while its e-mail address or its address is backing off."""
    now = _now(server)
    for key in (f"login:{email.lower()}", f"login-address:{address}" if address else None):
        if key is None:
            continue
        until = await server.counters.until(key)
        if until is not None and until > now:
            raise TooManyRequests(
                "too many wrong passwords; wait before trying again",
                retry_after=math.ceil(until - now),
            )


async def login_failed(server: Server, email: str, address: str | None) -> None:
    limits = server.settings.limits
    pairs = [(f"login:{email.lower()}", limits.login_failures)]
    if address is not None:
        pairs.append((f"login-address:{address}", limits.address_login_failures))
    now = _now(server)
    for key, rate in pairs:
        if rate is None:
            continue
        failures = await server.counters.streak(key, rate.seconds, now)
        if failures >= rate.count:
            wait = min(BACKOFF_START_SECONDS * 2 ** (failures - rate.count), rate.seconds)
            await server.counters.block(key, now + wait, ttl=wait + 60)


async def login_succeeded(server: Server, email: str) -> None:
    await server.counters.forget(f"login:{email.lower()}")
