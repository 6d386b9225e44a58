"""Serving the waiting queue when capacity may have freed (RT5, AV8).

Call :func:`on_capacity_changed` whenever an agent of the account may now take a chat they
could not take before: a chat closed or was transferred away, an agent became available, a
limit was raised, a seat, skill or team was given. It hands waiting conversations out with
the domain's ``serve_queue`` — longest-waiting first, never over anyone's limit — stores the
assignments in one routing transaction and tells the agents and visitors.
"""

from __future__ import annotations

from ..state import Server
from .announce import announce_assigned
from .routing_service import routing_transaction, serve_waiting

__all__ = ["on_capacity_changed"]


async def on_capacity_changed(server: Server, account_id: str) -> None:
    """Capacity may have freed in ``account_id``: hand out waiting conversations."""
    now = server.clock.now()
    async with routing_transaction(server, account_id) as db:
        assigned = await serve_waiting(db, account_id, now)
    if assigned:
        await announce_assigned(server, assigned)
