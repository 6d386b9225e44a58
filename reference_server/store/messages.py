"""Messages of a conversation (CV1): stored before they are acknowledged, each with the
sender's client id (a resend is not a duplicate) and a per-conversation sequence number.

Storing one message (:func:`add_message`) takes the conversation's next number —
``conversations.last_sequence`` raised by one, the next sequence number of the domain's
``next_sequence``; as the transaction's first write it also holds the conversation
(PostgreSQL's row lock, SQLite's write lock), so numbers never repeat — and inserts the row
under it, unless the conversation is closed or this sender already used this client id (a
resend: the caller finds the original with :func:`find_by_client_id` and answers with it).
One statement on PostgreSQL, two on SQLite (run on SQLite's own connection). A message not
kept after all is removed (:func:`remove_message`) and hands its number back
(:func:`give_back_sequence`) while the transaction still holds the conversation, so several
messages can share one transaction and no number is used up.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.conversation import ConversationStatus
from ..secrets import new_ordered_id
from . import schema as t
from .sqlite_driver import InlineSqlite

__all__ = [
    "Taken",
    "add_message",
    "remove_message",
    "find_by_client_id",
    "give_back_sequence",
    "sender_key",
    "list_messages",
    "mark_read",
    "take_sequence",
    "unread_counts",
    "visitor_unread_counts",
]

_m = t.messages
_c = t.conversations
_CLOSED = ConversationStatus.CLOSED.value
_MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "sequence",
    "client_id",
    "sender_kind",
    "sender_id",
    "sender",
    "text",
    "created_at",
    "read_at",
)


# Built once: the statements of every message (building one costs more than running it).
_CHATFLOW_VERSION = (
    sa.select(t.chatflows.c.version)
    .where(t.chatflows.c.id == _c.c.chatflow_id, t.chatflows.c.account_id == _c.c.account_id)
    .scalar_subquery()
)
_TAKE_SEQUENCE = (
    _c.update()
    .where(_c.c.id == sa.bindparam("conversation_id"))
    .values(last_sequence=_c.c.last_sequence + 1)
    .returning(
        _c.c.last_sequence, _c.c.status, _c.c.consent, _CHATFLOW_VERSION.label("chatflow_version")
    )
)
_GIVE_BACK = (
    _c.update()
    .where(_c.c.id == sa.bindparam("conversation_id"))
    .values(last_sequence=_c.c.last_sequence - 1)
)
_INSERT_NEW = {
    "postgresql": pg_insert(_m).on_conflict_do_nothing(
        index_elements=["conversation_id", "sender", "client_id"]
    ),
    "sqlite": sqlite_insert(_m).on_conflict_do_nothing(
        index_elements=["conversation_id", "sender", "client_id"]
    ),
}


class Taken(NamedTuple):
    """A sequence number taken, and the conversation as it is now."""

    sequence: int
    status: str
    consent: dict[str, Any] | None
    chatflow_version: int | None  # its chatflow's (None: it has none, or it was deleted)


# The same statements as SQL for SQLite's own connection (:func:`_inline`): SQLAlchemy's
# execution costs several times what SQLite takes to run them.
# The number is taken, then read: SQLite's RETURNING costs three times an UPDATE and a
# SELECT together (about 12 against 4 µs, measured), and the write lock keeps the two as one.
_TAKE_SEQUENCE_SQLITE = "UPDATE conversations SET last_sequence = last_sequence + 1 WHERE id = ?"
_TAKEN_SQLITE = (
    "SELECT last_sequence, status, consent, (SELECT chatflows.version FROM chatflows"
    " WHERE chatflows.id = conversations.chatflow_id"
    " AND chatflows.account_id = conversations.account_id) FROM conversations WHERE id = ?"
)
_INSERT_NEW_SQLITE = (
    "INSERT INTO messages (id, conversation_id, sequence, client_id, sender_kind, sender_id,"
    " sender, text, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (conversation_id, sender, client_id) DO NOTHING"
)


# PostgreSQL: both in one statement (one round trip), the row inserted only when the
# conversation is open; what the caller then refuses it undoes (remove_message). Built with
# SQLAlchemy, not as text, so that what watches the engine's writes sees a read of
# conversations and messages (a message moves no kept read on).
_TAKEN = _TAKE_SEQUENCE.cte("taken")
_INSERTED = (
    pg_insert(_m)
    .from_select(
        list(_MESSAGE_COLUMNS),
        sa.select(
            sa.bindparam("new_id", type_=sa.String()),
            sa.bindparam("conversation_id", type_=sa.String()),
            _TAKEN.c.last_sequence,
            sa.bindparam("new_client_id", type_=sa.String()),
            sa.bindparam("new_sender_kind", type_=sa.String()),
            sa.bindparam("new_sender_id", type_=sa.String()),
            sa.bindparam("new_sender", type_=sa.String()),
            sa.bindparam("new_text", type_=sa.Text()),
            sa.bindparam("new_created_at", type_=_m.c.created_at.type),
            sa.null(),
        ).where(_TAKEN.c.status != sa.bindparam("closed", type_=sa.String())),
    )
    .on_conflict_do_nothing(index_elements=["conversation_id", "sender", "client_id"])
    .returning(_m.c.sequence)
    .cte("inserted")
)
_ADD_POSTGRESQL = sa.select(
    _TAKEN.c.last_sequence,
    _TAKEN.c.status,
    _TAKEN.c.consent,
    _TAKEN.c.chatflow_version,
    sa.exists(sa.select(_INSERTED.c.sequence)).label("inserted"),
).add_cte(_INSERTED)
_NOT_BOUND = ("conversation_id", "sequence", "read_at")
_REMOVE = _m.delete().where(_m.c.id == sa.bindparam("message_id"))


def _inline(db: AsyncConnection) -> InlineSqlite | None:
    """SQLite's connection under ``db`` when it is one of ours (else None: PostgreSQL)."""
    connection = db.sync_connection
    driver = connection.connection.driver_connection if connection is not None else None
    return driver if isinstance(driver, InlineSqlite) else None


@functools.cache
def _sqlite_instant() -> Callable[[Any], Any]:
    """How the column type writes an instant on SQLite: the text SQLAlchemy writes (its
    SQLite type's, ``2026-01-05 09:00:00.000000``), so both paths store the same text and
    instants compare in SQL as they do in Python."""
    dialect = sqlite.dialect()
    instant = _m.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert instant is not None
    return instant


def _read_consent(stored: str | None) -> dict[str, Any] | None:
    """The consent column as SQLAlchemy's JSON type reads it (JSON that type wrote), by
    orjson: several times faster than the standard parser, once per message."""
    return orjson.loads(stored) if stored is not None else None


async def take_sequence(db: AsyncConnection, conversation_id: str) -> Taken:
    """The conversation's next sequence number (already counted as used), its status, the
    consent given in it and its chatflow's version, as they are now; ``LookupError`` when
    it is gone."""
    inline = _inline(db)
    if inline is not None:
        if (await inline.run(_TAKE_SEQUENCE_SQLITE, (conversation_id,))).rowcount != 1:
            raise LookupError(f"no conversation {conversation_id!r}")
        [(sequence, status, consent, version)] = (
            await inline.run(_TAKEN_SQLITE, (conversation_id,))
        ).fetchall()
        return Taken(sequence, status, _read_consent(consent), version)
    row = (await db.execute(_TAKE_SEQUENCE, {"conversation_id": conversation_id})).first()
    if row is None:
        raise LookupError(f"no conversation {conversation_id!r}")
    version = row.chatflow_version
    return Taken(
        int(row.last_sequence),
        str(row.status),
        row.consent,
        int(version) if version is not None else None,
    )


async def give_back_sequence(db: AsyncConnection, conversation_id: str) -> None:
    """Undo :func:`take_sequence` (the message was not stored) before anything else takes
    a number of this conversation in the transaction."""
    await db.execute(_GIVE_BACK, {"conversation_id": conversation_id})


async def add_message(
    db: AsyncConnection,
    conversation_id: str,
    now: datetime,
    *,
    client_id: str,
    sender_kind: str,
    sender_id: str | None,
    text: str,
) -> tuple[Taken, dict[str, Any] | None]:
    """Take the conversation's next number and store the message under it: the number
    taken (with the conversation as it is now) and the stored row — None when the
    conversation is closed or this sender already stored this client id. The number is
    taken either way: a message not kept hands it back (:func:`remove_message`,
    :func:`give_back_sequence`). ``LookupError`` when the conversation is gone."""
    row: dict[str, Any] = {
        "id": new_ordered_id("msg", now),
        "conversation_id": conversation_id,
        "sequence": 0,
        "client_id": client_id,
        "sender_kind": sender_kind,
        "sender_id": sender_id,
        "sender": sender_key(sender_kind, sender_id),
        "text": text,
        "created_at": now,
        "read_at": None,
    }
    if db.dialect.name != "postgresql":
        taken = await take_sequence(db, conversation_id)
        if taken.status == _CLOSED:
            return taken, None
        row["sequence"] = taken.sequence
        return taken, await _insert(db, row)
    # named apart from the columns: an UPDATE would take a parameter named like one of its
    # table's columns as a value to set
    parameters = {f"new_{k}": v for k, v in row.items() if k not in _NOT_BOUND}
    parameters.update(conversation_id=conversation_id, closed=_CLOSED)
    found = (await db.execute(_ADD_POSTGRESQL, parameters)).first()
    if found is None:
        raise LookupError(f"no conversation {conversation_id!r}")
    version = found.chatflow_version
    taken = Taken(found.last_sequence, found.status, found.consent, version)
    row["sequence"] = taken.sequence
    return taken, row if found.inserted else None


async def remove_message(db: AsyncConnection, message_id: str) -> None:
    """Undo :func:`add_message`'s insert, in its transaction (a message refused after all)."""
    await db.execute(_REMOVE, {"message_id": message_id})


def sender_key(sender_kind: str, sender_id: str | None) -> str:
    """Who sent a message, as resends are told apart: the visitor, or one agent."""
    return f"{sender_kind}:{sender_id}" if sender_id else sender_kind


async def find_by_client_id(
    db: AsyncConnection,
    conversation_id: str,
    sender_kind: str,
    client_id: str,
    sender_id: str | None = None,
) -> dict[str, Any] | None:
    """The message this sender stored with this client id (a resend's original), if any."""
    row = (
        (
            await db.execute(
                sa.select(_m).where(
                    _m.c.conversation_id == conversation_id,
                    _m.c.sender == sender_key(sender_kind, sender_id),
                    _m.c.client_id == client_id,
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def _insert(db: AsyncConnection, row: dict[str, Any]) -> dict[str, Any] | None:
    inline = _inline(db)
    if inline is not None:
        instant = _sqlite_instant()
        values = [row[name] for name in _MESSAGE_COLUMNS]
        values[_CREATED_AT] = instant(row["created_at"])
        inserted = (await inline.run(_INSERT_NEW_SQLITE, values)).rowcount
    else:
        inserted = (await db.execute(_INSERT_NEW[db.dialect.name], row)).rowcount
    return row if inserted == 1 else None


_CREATED_AT = _MESSAGE_COLUMNS.index("created_at")


async def list_messages(
    db: AsyncConnection, conversation_id: str, *, after: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """The messages with a sequence number above ``after``, in sequence order."""
    query = (
        sa.select(_m)
        .where(_m.c.conversation_id == conversation_id, _m.c.sequence > after)
        .order_by(_m.c.sequence)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = (await db.execute(query)).mappings().all()
    return [dict(row) for row in rows]


async def mark_read(
    db: AsyncConnection,
    conversation_id: str,
    now: datetime,
    *,
    sender_kinds: Sequence[str],
    up_to_sequence: int,
) -> int:
    """Read receipts: messages from ``sender_kinds`` up to ``up_to_sequence`` not yet read
    are read from ``now``. Returns how many changed."""
    result = await db.execute(
        _m.update()
        .where(
            _m.c.conversation_id == conversation_id,
            _m.c.sender_kind.in_(sender_kinds),
            _m.c.sequence <= up_to_sequence,
            _m.c.read_at.is_(None),
        )
        .values(read_at=now)
    )
    return int(result.rowcount)


async def unread_counts(
    db: AsyncConnection, conversation_ids: Sequence[str], *, sender_kinds: Sequence[str]
) -> dict[str, int]:
    """Conversation id → how many messages from ``sender_kinds`` are not read yet (only
    conversations with some appear)."""
    if not conversation_ids:
        return {}
    rows = (
        await db.execute(
            sa.select(_m.c.conversation_id, sa.func.count())
            .where(
                _m.c.conversation_id.in_(list(conversation_ids)),
                _m.c.sender_kind.in_(list(sender_kinds)),
                _m.c.read_at.is_(None),
            )
            .group_by(_m.c.conversation_id)
        )
    ).all()
    return {str(row[0]): int(row[1]) for row in rows}


async def visitor_unread_counts(
    db: AsyncConnection, account_id: str, visitor_id: str, *, sender_kinds: Sequence[str]
) -> dict[str, int]:
    """Conversation id → unread messages from ``sender_kinds``, over the visitor's
    conversations (only those with some)."""
    rows = (
        await db.execute(
            sa.select(_m.c.conversation_id, sa.func.count())
            .join(_c, _c.c.id == _m.c.conversation_id)
            .where(
                _c.c.account_id == account_id,
                _c.c.visitor_id == visitor_id,
                _m.c.sender_kind.in_(list(sender_kinds)),
                _m.c.read_at.is_(None),
            )
            .group_by(_m.c.conversation_id)
        )
    ).all()
    return {str(row[0]): int(row[1]) for row in rows}
