"""Users and teams as the widget shows them (BD3: the chat heading's names and avatars)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.conversation import Person
from . import schema as t

__all__ = ["heading_people"]


_u, _m = t.users.c, t.team_members.c
# Built once: read on every page view.
_USERS = (
    sa.select(_u.id, _u.name, _u.avatar_url)
    .where(_u.account_id == sa.bindparam("account_id"))
    .order_by(_u.created_at, _u.id)
)
_MEMBERS = (
    sa.select(_m.team_id, _m.user_id)
    .join(t.teams, t.teams.c.id == _m.team_id)
    .join(t.users, t.users.c.id == _m.user_id)
    .where(t.teams.c.account_id == sa.bindparam("account_id"))
    .order_by(t.users.c.created_at, t.users.c.id)
)


async def heading_people(
    db: AsyncConnection, account_id: str
) -> tuple[dict[str, Person], dict[str, tuple[Person, ...]]]:
    """Every user of the account as a :class:`Person`, and each team's members in the order
    they joined the account (the two mappings the domain's ``chat_heading`` takes)."""
    users = (await db.execute(_USERS, {"account_id": account_id})).all()
    people = {row.id: Person(id=row.id, name=row.name, avatar_url=row.avatar_url) for row in users}
    members = (await db.execute(_MEMBERS, {"account_id": account_id})).all()
    teams: dict[str, list[Person]] = {}
    for row in members:
        teams.setdefault(row.team_id, []).append(people[row.user_id])
    return people, {team_id: tuple(found) for team_id, found in teams.items()}
