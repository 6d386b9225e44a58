"""Is a waiting chat's visitor still there (RT5)? Their sockets say so.

A visitor's last socket closing marks their open conversations as having lost their visitor
from now; any socket of theirs opening (the next page, a reconnect) marks them back. The
domain (``domain.intake.end_of_wait``) abandons a waiting chat whose visitor has not come
back within ``VISITOR_RETURN_SECONDS``, on the server's clock (:mod:`.capacity`).
Sockets are counted per process: with several workers a visitor's tabs on two of them each
count alone, which can only make a going look like a coming back.
"""

from __future__ import annotations

from ..state import Server
from ..store.conversations import set_visitor_gone

__all__ = ["visitor_connected", "visitor_disconnected"]

_SOCKETS = "visitor-sockets"


def _open(server: Server) -> dict[str, int]:
    counts = server.extras.setdefault(_SOCKETS, {})
    assert isinstance(counts, dict)
    return counts


async def visitor_connected(server: Server, account_id: str, visitor_id: str) -> None:
    counts = _open(server)
    counts[visitor_id] = counts.get(visitor_id, 0) + 1
    async with server.engine.begin() as db:
        await set_visitor_gone(db, account_id, visitor_id, None)


async def visitor_disconnected(server: Server, account_id: str, visitor_id: str) -> None:
    counts = _open(server)
    left = counts.get(visitor_id, 1) - 1
    if left > 0:
        counts[visitor_id] = left
        return
    counts.pop(visitor_id, None)
    async with server.engine.begin() as db:
        await set_visitor_gone(db, account_id, visitor_id, server.clock.now())
