"""Teams of users (RT1: route to teams; BD3: a team in the chat heading).

A team dict carries ``user_ids``, its members in the order they were first added (then id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import new_id
from . import schema as t

__all__ = [
    "create_team",
    "delete_team",
    "get_team",
    "list_teams",
    "set_members",
    "team_ids",
    "update_team",
]

_t = t.teams
_m = t.team_members


async def _members(db: AsyncConnection, team_ids: Sequence[str]) -> dict[str, list[str]]:
    if not team_ids:
        return {}
    rows = (
        await db.execute(
            sa.select(_m.c.team_id, _m.c.user_id)
            .join(t.users, t.users.c.id == _m.c.user_id)
            .where(_m.c.team_id.in_(team_ids))
            .order_by(t.users.c.created_at, t.users.c.id)
        )
    ).all()
    members: dict[str, list[str]] = {team_id: [] for team_id in team_ids}
    for row in rows:
        members[row.team_id].append(row.user_id)
    return members


async def list_teams(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = (
        (
            await db.execute(
                sa.select(_t)
                .where(_t.c.account_id == account_id)
                .order_by(_t.c.created_at, _t.c.id)
                .limit(limit)
                .offset(offset)
            )
        )
        .mappings()
        .all()
    )
    members = await _members(db, [row["id"] for row in rows])
    return [{**row, "user_ids": members[row["id"]]} for row in rows]


async def get_team(db: AsyncConnection, account_id: str, team_id: str) -> dict[str, Any] | None:
    row = (
        (await db.execute(sa.select(_t).where(_t.c.account_id == account_id, _t.c.id == team_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    members = await _members(db, [team_id])
    return {**row, "user_ids": members[team_id]}


async def team_ids(db: AsyncConnection, account_id: str) -> set[str]:
    rows = (await db.execute(sa.select(_t.c.id).where(_t.c.account_id == account_id))).all()
    return {row.id for row in rows}


async def create_team(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    name: str,
    avatar_url: str = "",
    user_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """A new team; the caller checks that ``user_ids`` are users of the account."""
    team_id = new_id("team")
    await db.execute(
        _t.insert().values(
            id=team_id,
            account_id=account_id,
            name=name,
            avatar_url=avatar_url,
            created_at=now,
        )
    )
    await set_members(db, team_id, user_ids)
    team = await get_team(db, account_id, team_id)
    assert team is not None
    return team


async def update_team(
    db: AsyncConnection, account_id: str, team_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(
            _t.update()
            .where(_t.c.account_id == account_id, _t.c.id == team_id)
            .values(**dict(values))
        )


async def set_members(db: AsyncConnection, team_id: str, user_ids: Sequence[str]) -> None:
    """Replace the team's members (duplicates count once)."""
    await db.execute(_m.delete().where(_m.c.team_id == team_id))
    unique = list(dict.fromkeys(user_ids))
    if unique:
        await db.execute(_m.insert(), [{"team_id": team_id, "user_id": u} for u in unique])


async def delete_team(db: AsyncConnection, account_id: str, team_id: str) -> None:
    await db.execute(_t.delete().where(_t.c.account_id == account_id, _t.c.id == team_id))
