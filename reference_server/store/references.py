"""Who refers to an inbox, a user or a team: the check before deleting one.

Chatflows keep their settings whole as JSON (the domain's plain-dict form), so references
are found by reading the account's chatflows: the workspace (CF1), the users and teams that
routing names (RT1) and those the chat heading shows (BD3). The account's widget set-up
(CF2) names users and teams the same way. Deleting something still named there would leave
a chatflow that routes to nobody, so the API refuses it and says where it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from . import schema as t

__all__ = ["chatflows_using_workspace", "uses_of_person"]


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _ids(data: Any, *path: str) -> set[str]:
    found = _get(data, *path)
    return {item for item in found if isinstance(item, str)} if isinstance(found, list) else set()


async def _chatflows(db: AsyncConnection, account_id: str) -> Iterable[Any]:
    c = t.chatflows.c
    return (await db.execute(
        sa.select(c.id, c.name, c.settings).where(c.account_id == account_id)
        .order_by(c.created_at, c.id)
    )).all()


async def chatflows_using_workspace(
    db: AsyncConnection, account_id: str, inbox_id: str
) -> list[str]:
    """Names of the chatflows whose workspace is this inbox or helpdesk."""
    return [
        row.name for row in await _chatflows(db, account_id)
        if _get(row.settings, "workspace", "id") == inbox_id
    ]


_PERSON_PATHS = {
    "user": (("assignment", "user_ids"), ("heading", "user_ids")),
    "team": (("assignment", "team_ids"), ("heading", "team_ids")),
}


async def uses_of_person(
    db: AsyncConnection, account_id: str, kind: str, person_id: str
) -> list[str]:
    """Where a user (``kind="user"``) or team (``kind="team"``) is named in routing or the
    chat heading: ``"chatflow 'Sales'"`` for each chatflow, ``"the widget set-up"`` for the
    account's defaults."""
    paths = _PERSON_PATHS[kind]
    uses = [
        f"chatflow {row.name!r}" for row in await _chatflows(db, account_id)
        if any(person_id in _ids(row.settings, "build", *path) for path in paths)
    ]
    defaults = (await db.execute(
        sa.select(t.accounts.c.widget_defaults).where(t.accounts.c.id == account_id)
    )).scalar_one_or_none()
    if any(person_id in _ids(defaults, *path) for path in paths):
        uses.append("the widget set-up")
    return uses
