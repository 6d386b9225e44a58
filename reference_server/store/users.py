"""Users of an account: admins and agents, their seats and permissions (CF6), status (CV4),
capacity limit (AV8), skills (RT3) — and the snapshot routing decides from (RT1-RT5).

User dicts never carry the password hash. ``active_chats`` is counted from the conversations
table (status ``assigned`` with the user as assignee), so it can never drift from the truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.conversation import ConversationStatus
from ..domain.routing import Agent, AgentStatus
from ..passwords import hash_password
from ..secrets import new_id
from . import schema as t

__all__ = [
    "GRANTABLE_PERMISSIONS",
    "active_chat_counts",
    "agents_snapshot",
    "count_admins",
    "create_user",
    "delete_user",
    "email_in_use",
    "end_sessions",
    "get_user",
    "list_users",
    "set_idle_since",
    "set_status",
    "update_user",
    "user_ids",
]

GRANTABLE_PERMISSIONS = ("chatflows", "users")  # "inbox" every user has (see api/auth.py)

_u = t.users
_PUBLIC = [c for c in _u.c if c.name != "password_hash"]


def _active_chats_of(user_id: Any) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(t.conversations)
        .where(
            t.conversations.c.assignee_id == user_id,
            t.conversations.c.status == ConversationStatus.ASSIGNED.value,
        )
        .scalar_subquery()
    )


def _user_select() -> sa.Select[Any]:
    return sa.select(*_PUBLIC, _active_chats_of(_u.c.id).label("active_chats"))


def _as_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    user = dict(row)
    user["permissions"] = sorted(p for p in user["permissions"] if p in GRANTABLE_PERMISSIONS)
    return user


async def list_users(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = (
        (
            await db.execute(
                _user_select()
                .where(_u.c.account_id == account_id)
                .order_by(_u.c.created_at, _u.c.id)
                .limit(limit)
                .offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [_as_dict(row) for row in rows]


async def get_user(db: AsyncConnection, account_id: str, user_id: str) -> dict[str, Any] | None:
    row = (
        (await db.execute(_user_select().where(_u.c.account_id == account_id, _u.c.id == user_id)))
        .mappings()
        .first()
    )
    return _as_dict(row) if row is not None else None


async def user_ids(db: AsyncConnection, account_id: str) -> dict[str, bool]:
    """Every user id of the account, mapped to whether the user has a seat (CF6)."""
    rows = (
        await db.execute(sa.select(_u.c.id, _u.c.has_seat).where(_u.c.account_id == account_id))
    ).all()
    return {row.id: row.has_seat for row in rows}


async def email_in_use(db: AsyncConnection, email: str, *, except_user: str | None = None) -> bool:
    """Whether any user (of any account: log-in is by email alone) has this address."""
    query = sa.select(_u.c.id).where(_u.c.email == email.lower())
    if except_user is not None:
        query = query.where(_u.c.id != except_user)
    return (await db.execute(query.limit(1))).first() is not None


async def count_admins(db: AsyncConnection, account_id: str) -> int:
    return int(
        (
            await db.execute(
                sa.select(sa.func.count())
                .select_from(_u)
                .where(_u.c.account_id == account_id, _u.c.role == "admin")
            )
        ).scalar_one()
    )


async def create_user(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "agent",
    permissions: Sequence[str] = (),
    has_seat: bool = True,
    capacity: int | None = None,
    skills: Sequence[str] = (),
    avatar_url: str = "",
) -> dict[str, Any]:
    """A new user, offline, idle from ``now``. The email is stored lower-cased (log-in
    compares it so); the caller checks it is not in use."""
    user_id = new_id("usr")
    await db.execute(
        _u.insert().values(
            id=user_id,
            account_id=account_id,
            email=email.lower(),
            name=name,
            avatar_url=avatar_url,
            password_hash=hash_password(password),
            role=role,
            permissions=sorted(set(permissions)),
            has_seat=has_seat,
            status=AgentStatus.OFFLINE.value,
            capacity=capacity,
            skills=list(skills),
            idle_since=now,
            created_at=now,
        )
    )
    user = await get_user(db, account_id, user_id)
    assert user is not None
    return user


async def update_user(
    db: AsyncConnection, account_id: str, user_id: str, values: Mapping[str, Any]
) -> None:
    """Set fields of a user; ``password`` is hashed, ``email`` lower-cased."""
    row = dict(values)
    if "password" in row:
        row["password_hash"] = hash_password(row.pop("password"))
    if "email" in row:
        row["email"] = row["email"].lower()
    if "permissions" in row:
        row["permissions"] = sorted(set(row["permissions"]))
    if "skills" in row:
        row["skills"] = list(row["skills"])
    if row:
        await db.execute(
            _u.update().where(_u.c.account_id == account_id, _u.c.id == user_id).values(**row)
        )


async def end_sessions(db: AsyncConnection, user_id: str, *, keep: str | None = None) -> None:
    """End the user's sessions (their socket tickets go with them), except ``keep``."""
    query = t.sessions.delete().where(t.sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(t.sessions.c.token_hash != keep)
    await db.execute(query)


async def delete_user(db: AsyncConnection, account_id: str, user_id: str) -> None:
    """Remove a user (their sessions and team memberships go with them; contacts they own
    lose their owner)."""
    await db.execute(_u.delete().where(_u.c.account_id == account_id, _u.c.id == user_id))


async def set_status(
    db: AsyncConnection,
    account_id: str,
    user_id: str,
    status: AgentStatus,
    idle_since: datetime | None,
) -> None:
    """CV4: store a user's status and idle time, as the domain's ``with_status`` made them."""
    await update_user(db, account_id, user_id, {"status": status.value, "idle_since": idle_since})


async def set_idle_since(db: AsyncConnection, account_id: str, user_id: str, now: datetime) -> None:
    """The user has nothing to do from ``now`` (call when their last chat ends)."""
    await update_user(db, account_id, user_id, {"idle_since": now})


# Built once: routing and every page view read them.
_ACTIVE_CHATS = (
    sa.select(t.conversations.c.assignee_id, sa.func.count().label("n"))
    .where(
        t.conversations.c.account_id == sa.bindparam("account_id"),
        t.conversations.c.status == ConversationStatus.ASSIGNED.value,
        t.conversations.c.assignee_id.is_not(None),
    )
    .group_by(t.conversations.c.assignee_id)
)
_ROUTING_USERS = (
    sa.select(_u.c.id, _u.c.status, _u.c.capacity, _u.c.has_seat, _u.c.skills, _u.c.idle_since)
    .where(_u.c.account_id == sa.bindparam("account_id"))
    .order_by(_u.c.created_at, _u.c.id)
)
_MEMBERSHIPS = (
    sa.select(t.team_members.c.user_id, t.team_members.c.team_id)
    .join(t.teams, t.teams.c.id == t.team_members.c.team_id)
    .where(t.teams.c.account_id == sa.bindparam("account_id"))
)


async def active_chat_counts(db: AsyncConnection, account_id: str) -> dict[str, int]:
    """Conversations each user holds now (status ``assigned``); users holding none are left
    out."""
    rows = (await db.execute(_ACTIVE_CHATS, {"account_id": account_id})).all()
    return {row.assignee_id: int(row.n) for row in rows}


async def agents_snapshot(db: AsyncConnection, account_id: str) -> list[Agent]:
    """Every user of the account as routing sees them now (RT1-RT5, AV8, CF6).

    Ordered by creation (then id), a stable order the round-robin rotation relies on.
    ``idle_since`` is in seconds since the epoch. Call it inside the transaction that stores
    the routing decision, so the counts and the assignment agree.
    """
    users = (await db.execute(_ROUTING_USERS, {"account_id": account_id})).all()
    chats = await active_chat_counts(db, account_id)
    memberships = (await db.execute(_MEMBERSHIPS, {"account_id": account_id})).all()
    teams: dict[str, set[str]] = {}
    for membership in memberships:
        teams.setdefault(membership.user_id, set()).add(membership.team_id)
    return [
        Agent(
            id=user.id,
            status=AgentStatus(user.status),
            capacity=user.capacity,
            active_chats=chats.get(user.id, 0),
            has_seat=user.has_seat,
            team_ids=frozenset(teams.get(user.id, ())),
            skills=frozenset(user.skills),
            idle_since=user.idle_since.timestamp() if user.idle_since is not None else 0.0,
        )
        for user in users
    ]
