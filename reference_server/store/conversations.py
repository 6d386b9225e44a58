"""Conversations (CV1, CV2, RT1-RT6), the routing cursor and the CSAT answers (OP7).

Rows come back as plain dicts with the table's columns. Every agent-facing query is scoped
by ``account_id``; every visitor-facing one also by ``visitor_id`` (a visitor reads only its
own conversations, whatever ids it sends).

:func:`lock_routing` starts a routing transaction: it takes the account's routing lock in
the database (PostgreSQL: an advisory transaction lock; SQLite: the write lock, by writing
the account's ``routing_state`` row first), so that the agents' counts read after it and the
assignments written after it agree even with several workers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import Chatflow
from ..domain.conversation import ConversationStatus, Person
from . import schema as t
from .chatflows import get_chatflow

__all__ = [
    "accounts_with_waiting",
    "agent_people",
    "contact_owners",
    "csat_answer",
    "get_conversation",
    "get_visitor",
    "inbox_exists",
    "get_visitor_conversation",
    "insert_conversation",
    "insert_csat_answer",
    "list_conversations",
    "list_visitor_conversations",
    "newest_open_visitor_conversation",
    "visitor_first_message",
    "load_chatflow",
    "lock_routing",
    "routing_cursor",
    "set_routing_cursor",
    "set_visitor_gone",
    "update_conversation",
    "waiting_conversations",
]

_c = t.conversations


async def insert_conversation(db: AsyncConnection, row: Mapping[str, Any]) -> None:
    await db.execute(_c.insert().values(**dict(row)))


async def get_conversation(
    db: AsyncConnection, account_id: str, conversation_id: str
) -> dict[str, Any] | None:
    row = (
        (
            await db.execute(
                sa.select(_c).where(_c.c.account_id == account_id, _c.c.id == conversation_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def get_visitor_conversation(
    db: AsyncConnection, account_id: str, visitor_id: str, conversation_id: str
) -> dict[str, Any] | None:
    """The conversation only when it belongs to this visitor (None for anyone else's)."""
    row = (
        (
            await db.execute(
                _VISITOR_CONVERSATION,
                {
                    "account_id": account_id,
                    "conversation_id": conversation_id,
                    "visitor_id": visitor_id,
                },
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


_VISITOR_CONVERSATION = sa.select(_c).where(  # built once: read per visitor frame
    _c.c.account_id == sa.bindparam("account_id"),
    _c.c.id == sa.bindparam("conversation_id"),
    _c.c.visitor_id == sa.bindparam("visitor_id"),
)


async def get_visitor(
    db: AsyncConnection, account_id: str, visitor_id: str
) -> dict[str, Any] | None:
    """The visitor row (contact link, identified, consent answers) without its token hash."""
    v = t.visitors.c
    row = (
        (
            await db.execute(
                sa.select(
                    v.id,
                    v.contact_id,
                    v.identified,
                    v.consent_cookies,
                    v.consent_data_processing,
                    v.consent_notice,
                    v.consent_communication,
                    v.created_at,
                ).where(v.account_id == account_id, v.id == visitor_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def list_conversations(
    db: AsyncConnection,
    account_id: str,
    *,
    statuses: Sequence[str],
    assignee_id: str | None = None,
    oldest_first: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The account's conversations in ``statuses`` (and held by ``assignee_id`` when given):
    newest first, or with ``oldest_first`` the waiting ones longest-waiting first, then the
    rest oldest first."""
    query = sa.select(_c).where(_c.c.account_id == account_id, _c.c.status.in_(statuses))
    if assignee_id is not None:
        query = query.where(_c.c.assignee_id == assignee_id)
    if oldest_first:
        # Waiting ones first, whatever the database's place for NULLs.
        order: list[Any] = [
            _c.c.waiting_since.is_(None),
            _c.c.waiting_since,
            _c.c.created_at,
            _c.c.id,
        ]
    else:
        order = [_c.c.created_at.desc(), _c.c.id.desc()]
    rows = (await db.execute(query.order_by(*order).limit(limit).offset(offset))).mappings().all()
    return [dict(row) for row in rows]


async def list_visitor_conversations(
    db: AsyncConnection, account_id: str, visitor_id: str, *, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """The visitor's own conversations, newest first (CV1: history across reloads)."""
    rows = (
        (
            await db.execute(
                sa.select(_c)
                .where(_c.c.account_id == account_id, _c.c.visitor_id == visitor_id)
                .order_by(_c.c.created_at.desc(), _c.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


async def visitor_first_message(
    db: AsyncConnection, account_id: str, visitor_id: str, client_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The visitor's conversation holding their message with ``client_id``, and that
    message (a resent ``start`` finds the conversation it made)."""
    m = t.messages
    row = (
        (
            await db.execute(
                sa.select(m.c.id.label("message_id"), _c.c.id.label("conversation_id"))
                .join(_c, _c.c.id == m.c.conversation_id)
                .where(
                    _c.c.account_id == account_id,
                    _c.c.visitor_id == visitor_id,
                    m.c.sender_kind == "visitor",
                    m.c.client_id == client_id,
                )
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    conversation = (
        (await db.execute(sa.select(_c).where(_c.c.id == row["conversation_id"]))).mappings().one()
    )
    message = (await db.execute(sa.select(m).where(m.c.id == row["message_id"]))).mappings().one()
    return dict(conversation), dict(message)


async def newest_open_visitor_conversation(
    db: AsyncConnection, account_id: str, visitor_id: str
) -> dict[str, Any] | None:
    """The visitor's newest conversation that is not closed (what the widget resumes)."""
    row = (
        (await db.execute(_NEWEST_OPEN, {"account_id": account_id, "visitor_id": visitor_id}))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


_NEWEST_OPEN = (  # built once: read on every page view
    sa.select(_c)
    .where(
        _c.c.account_id == sa.bindparam("account_id"),
        _c.c.visitor_id == sa.bindparam("visitor_id"),
        _c.c.status != "closed",
    )
    .order_by(_c.c.created_at.desc(), _c.c.id.desc())
    .limit(1)
)


async def update_conversation(
    db: AsyncConnection, conversation_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(_c.update().where(_c.c.id == conversation_id).values(**dict(values)))


async def waiting_conversations(db: AsyncConnection, account_id: str) -> list[dict[str, Any]]:
    """The waiting queue (RT5): conversations waiting for an agent, longest-waiting first."""
    rows = (
        (
            await db.execute(
                sa.select(_c)
                .where(
                    _c.c.account_id == account_id, _c.c.status == ConversationStatus.WAITING.value
                )
                .order_by(_c.c.waiting_since, _c.c.created_at, _c.c.id)
            )
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


async def inbox_exists(db: AsyncConnection, account_id: str, inbox_id: str) -> bool:
    """Whether the account still has this inbox or helpdesk (a chatflow's workspace)."""
    found = await db.execute(
        sa.select(t.inboxes.c.id).where(
            t.inboxes.c.account_id == account_id, t.inboxes.c.id == inbox_id
        )
    )
    return found.first() is not None


async def contact_owners(
    db: AsyncConnection, account_id: str, contact_ids: Iterable[str | None]
) -> dict[str, str | None]:
    """Contact id → owner's user id (RT4) for the given contacts of the account."""
    wanted = {cid for cid in contact_ids if cid}
    if not wanted:
        return {}
    rows = (
        await db.execute(
            sa.select(t.contacts.c.id, t.contacts.c.owner_id).where(
                t.contacts.c.account_id == account_id, t.contacts.c.id.in_(wanted)
            )
        )
    ).all()
    return {row.id: row.owner_id for row in rows}


async def agent_people(
    db: AsyncConnection, account_id: str, only: Collection[str] | None = None
) -> dict[str, Person]:
    """Every user of the account as the widget would show them (name and avatar), or only
    the users ``only`` names (none read when it names none)."""
    if only is not None and not only:
        return {}
    query = sa.select(t.users.c.id, t.users.c.name, t.users.c.avatar_url).where(
        t.users.c.account_id == account_id
    )
    if only is not None:
        query = query.where(t.users.c.id.in_(sorted(set(only))))
    rows = (await db.execute(query)).all()
    return {row.id: Person(id=row.id, name=row.name, avatar_url=row.avatar_url) for row in rows}


async def load_chatflow(
    db: AsyncConnection, account_id: str, chatflow_id: str | None
) -> Chatflow | None:
    """The conversation's chatflow (None when it has none or it was deleted)."""
    if not chatflow_id:
        return None
    stored = await get_chatflow(db, account_id, chatflow_id)
    return stored.chatflow if stored is not None else None


# ---------------------------------------------------------------- routing lock and cursor


async def lock_routing(db: AsyncConnection, account_id: str) -> None:
    """Take the account's routing lock for the rest of this transaction (see the module
    docstring). Call it first in the transaction."""
    if db.dialect.name == "postgresql":
        await db.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:account_id))"),
            {"account_id": account_id},
        )
        await db.execute(
            pg_insert(t.routing_state)
            .values(account_id=account_id)
            .on_conflict_do_nothing(index_elements=["account_id"])
        )
        return
    # A write as the first statement: SQLite's write lock is held from here to commit.
    await db.execute(
        sqlite_insert(t.routing_state)
        .values(account_id=account_id)
        .on_conflict_do_nothing(index_elements=["account_id"])
    )


async def routing_cursor(db: AsyncConnection, account_id: str) -> str | None:
    """The round-robin pointer: the agent the last round-robin choice went to."""
    return (
        await db.execute(
            sa.select(t.routing_state.c.last_assigned_id).where(
                t.routing_state.c.account_id == account_id
            )
        )
    ).scalar_one_or_none()


async def set_routing_cursor(
    db: AsyncConnection, account_id: str, last_assigned_id: str | None
) -> None:
    await db.execute(
        t.routing_state.update()
        .where(t.routing_state.c.account_id == account_id)
        .values(last_assigned_id=last_assigned_id)
    )


# ---------------------------------------------------------------- CSAT answers (OP7)


async def csat_answer(db: AsyncConnection, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's survey answer with the survey's question, or None."""
    a, s = t.survey_answers, t.surveys
    row = (
        (
            await db.execute(
                sa.select(a, s.c.question)
                .join(s, s.c.id == a.c.survey_id)
                .where(a.c.conversation_id == conversation_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def insert_csat_answer(db: AsyncConnection, row: Mapping[str, Any]) -> None:
    """Store an answer; the unique conversation id makes a second one an IntegrityError."""
    await db.execute(t.survey_answers.insert().values(**dict(row)))


async def set_visitor_gone(
    db: AsyncConnection, account_id: str, visitor_id: str, since: datetime | None
) -> None:
    """RT5: the visitor's open conversations lose their visitor at ``since`` (kept when
    already gone: the first going counts), or have them back (``None``)."""
    c = _c.c
    query = _c.update().where(
        c.account_id == account_id,
        c.visitor_id == visitor_id,
        c.status != ConversationStatus.CLOSED.value,
    )
    if since is not None:
        query = query.where(c.visitor_gone_since.is_(None))
    await db.execute(query.values(visitor_gone_since=since))


async def accounts_with_waiting(db: AsyncConnection) -> list[str]:
    """The accounts whose waiting queue is not empty."""
    rows = await db.execute(
        sa.select(_c.c.account_id).where(_c.c.status == ConversationStatus.WAITING.value).distinct()
    )
    return [row.account_id for row in rows]
