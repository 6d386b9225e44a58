"""Users and teams as the widget shows them (BD3: the chat heading's names and avatars)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.conversation import Person
from . import schema as t

__all__ = ["heading_people"]


async def heading_people(
    db: AsyncConnection, account_id: str
) -> tuple[dict[str, Person], dict[str, tuple[Person, ...]]]:
    """Every user of the account as a :class:`Person`, and each team's members in the order
    they joined the account (the two mappings the domain's ``chat_heading`` takes)."""
    u, m = t.users.c, t.team_members.c
    users = (
        await db.execute(
            sa.select(u.id, u.name, u.avatar_url)
            .where(u.account_id == account_id)
            .order_by(u.created_at, u.id)
        )
    ).all()
    people = {row.id: Person(id=row.id, name=row.name, avatar_url=row.avatar_url) for row in users}
    members = (
        await db.execute(
            sa.select(m.team_id, m.user_id)
            .join(t.teams, t.teams.c.id == m.team_id)
            .join(t.users, t.users.c.id == m.user_id)
            .where(t.teams.c.account_id == account_id)
            .order_by(t.users.c.created_at, t.users.c.id)
        )
    ).all()
    teams: dict[str, list[Person]] = {}
    for row in members:
        teams.setdefault(row.team_id, []).append(people[row.user_id])
    return people, {team_id: tuple(found) for team_id, found in teams.items()}
