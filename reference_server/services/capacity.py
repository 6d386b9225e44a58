"""Serving the waiting queue when capacity may have freed (RT5).

Placeholder: slice C (conversations and routing) replaces the body of
:func:`on_capacity_changed` with the real queue serving. Callers (agent status changes,
capacity or team changes, chats ending) already call it.
"""

from __future__ import annotations

from ..state import Server

__all__ = ["on_capacity_changed"]


async def on_capacity_changed(server: Server, account_id: str) -> None:
    """Capacity may have freed in ``account_id``: hand out waiting conversations.
    (Slice C replaces this body.)"""
    return None
